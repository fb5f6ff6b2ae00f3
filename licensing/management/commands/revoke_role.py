from accounts.choices import Role
from accounts.selectors import users_resolve
from accounts.services.roles import role_revoke
from core.commands import AdminCommand
from licensing.selectors.subscriptions import subscription_resolve


class Command(AdminCommand):
    help = "Revoke an admin role from a user; revoking one they do not hold changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The user who loses the role.")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--subscription", help="Name or id (only for subscription_admin).")

    def handle(self, *args, email: str, role: str, subscription: str | None, **options) -> None:
        (user,) = users_resolve(emails=[email])
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        revoked = role_revoke(user=user, role=role, subscription=scope, by=self.actor)
        label = f"{Role(role).label}{f' of {scope.name}' if scope else ''}"
        self.stdout.write(f"{user.email} is no longer {label}." if revoked else f"{user.email} was not {label}.")
