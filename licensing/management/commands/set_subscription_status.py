from core.commands import AdminCommand
from licensing.choices import SubscriptionStatus
from licensing.selectors.subscriptions import subscription_resolve
from licensing.services.subscriptions import subscription_set_status


class Command(AdminCommand):
    help = "Change a subscription's status (active, warning, suspended, expired); Global Administrators only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", required=True, help="Subscription name or id.")
        parser.add_argument("status", choices=SubscriptionStatus.values)

    def handle(self, *args, subscription: str, status: str, **options) -> None:
        found = subscription_resolve(actor=self.actor.user, identifier=subscription)
        old_status = found.status
        changed = subscription_set_status(subscription=found, status=status, by=self.actor)
        ends = f", ends on {changed.ends_on}" if changed.ends_on else ", no end date"
        self.stdout.write(f"{changed.name}: status {old_status} -> {changed.status}{ends}.")
