from core.commands import AdminCommand
from licensing.services.alerts import pool_alerts_check


class Command(AdminCommand):
    help = (
        "Raise and clear the license alerts of every pool (90 % and 100 % used, members waiting, the forecast under "
        "LICENSE_FORECAST_ALERT_DAYS) and tell the admins who may manage each pool, by e-mail and in the admin "
        "center, as each chose. Run by a scheduler every few minutes and right after snapshot_usage; safe to run on "
        "several servers at once."
    )

    def handle(self, *args, **options) -> None:
        result = pool_alerts_check(by=self.actor)
        self.stdout.write(
            f"Raised {result.raised:,} alerts and cleared {result.cleared:,}; "
            f"{result.notices:,} notices and {result.emails:,} e-mails sent."
        )
