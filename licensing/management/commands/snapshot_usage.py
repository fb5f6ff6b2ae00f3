from core.commands import AdminCommand
from licensing.services.history import pool_snapshots_take


class Command(AdminCommand):
    help = (
        "Write today's snapshot of every pool (quantity, assigned, members waiting) for the usage history; the "
        "first time a pool is snapshotted, its past is rebuilt from the audit log. Run daily by a scheduler (cron "
        "or a systemd timer), late in the day; safe to run on several servers at once."
    )

    def handle(self, *args, **options) -> None:
        taken = pool_snapshots_take(by=self.actor)
        self.stdout.write(
            f"Wrote {taken.written:,} snapshots for {taken.day.isoformat()}; {taken.already:,} already there."
        )
        if taken.backfilled:
            self.stdout.write(f"Rebuilt {taken.backfilled:,} past daily snapshots from the audit log.")
