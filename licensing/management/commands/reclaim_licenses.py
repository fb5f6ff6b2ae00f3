from django.utils import timezone

from accounts.permissions import require_user_management
from core.commands import AdminCommand
from licensing.selectors.leavers import leavers_due, leavers_holdings
from licensing.services.reclaim import licenses_reclaim


class Command(AdminCommand):
    help = (
        "Return to their pools the licenses of accounts disabled longer than LICENSE_RECLAIM_GRACE_DAYS, and take "
        "their places in the pools' lines; the lines are served at once. Run by a scheduler (cron or a systemd "
        "timer); safe to run on several servers at once. --dry-run lists who would lose what and writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List who and what, and write nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        if dry_run:
            self._list_due()
            return
        result = licenses_reclaim(by=self.actor)
        self.stdout.write(
            f"Reclaimed {result.licenses:,} licenses and {result.places:,} places in line "
            f"from {result.users:,} disabled accounts."
        )

    def _list_due(self) -> None:
        require_user_management(self.actor.user)
        leavers = list(leavers_due(now=timezone.now()).only("email", "user_name", "disabled_at"))
        holdings = leavers_holdings([user.pk for user in leavers])
        self.stdout.write("user\tdisabled_at\tsubscription\tsku\tstate")
        for user in leavers:
            for subscription, sku, state in holdings.get(user.pk, [("", "", "nothing")]):
                self.stdout.write(f"{user.label}\t{user.disabled_at.isoformat()}\t{subscription}\t{sku}\t{state}")
        licenses = sum(state == "licensed" for rows in holdings.values() for _, _, state in rows)
        places = sum(state == "waiting" for rows in holdings.values() for _, _, state in rows)
        self.stdout.write(
            f"dry run, nothing written: would reclaim {licenses:,} licenses and {places:,} places in line "
            f"from {len(leavers):,} disabled accounts."
        )
