from core.commands import AdminCommand, CheckFailed
from licensing.services.reconcile import pools_reconcile


class Command(AdminCommand):
    help = (
        "Compare every pool's assigned counter with its assignment rows and report drift (exit code 1, so that a "
        "scheduled run alerts); --fix sets the counters to the rows, under lock, with an audit event per pool."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Repair the drifted counters.")

    def handle(self, *args, fix: bool, **options) -> None:
        drifts = pools_reconcile(fix=fix, by=self.actor)
        if drifts:
            self.stdout.write("subscription\tsku\tcounter\trows")
        for drift in drifts:
            self.stdout.write(
                f"{drift.pool.subscription.name}\t{drift.pool.product.sku_part_number}\t{drift.recorded}\t{drift.actual}"
            )
        if not drifts:
            self.stdout.write("No drift: every pool's counter matches its assignments.")
        elif fix:
            self.stdout.write(f"Fixed {len(drifts)} pools.")
        else:
            raise CheckFailed(
                f"drift: {len(drifts)} pools' counters differ from their assignments; run with --fix to repair them."
            )
