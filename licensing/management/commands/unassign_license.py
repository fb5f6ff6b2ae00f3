from licensing.services.bulk import licenses_bulk_unassign

from .assign_license import Command as AssignCommand


class Command(AssignCommand):
    help = (
        "Take one product of a subscription back from one or more users, all or nothing. "
        "--dry-run shows what would change and the pool counts after, and writes nothing."
    )
    service = staticmethod(licenses_bulk_unassign)
    verb = "unassign"
    takes_plans = False
