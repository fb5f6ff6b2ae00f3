from accounts.choices import Role
from accounts.selectors import users_resolve
from accounts.services.roles import role_grant
from core.commands import AdminCommand
from licensing.selectors.subscriptions import subscription_resolve


class Command(AdminCommand):
    help = "Grant an admin role to a user; a Subscription Administrator's role needs --subscription."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The user who gets the role.")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--subscription", help="Name or id (only for subscription_admin).")

    def handle(self, *args, email: str, role: str, subscription: str | None, **options) -> None:
        (user,) = users_resolve(emails=[email])
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        role_grant(user=user, role=role, subscription=scope, by=self.actor)
        self.stdout.write(f"{user.email} is {Role(role).label}{f' of {scope.name}' if scope else ''}.")
