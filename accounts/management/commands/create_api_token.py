import datetime

from django.utils import timezone

from accounts.selectors import users_resolve
from accounts.services.tokens import api_token_create
from core.commands import AdminCommand, usage_error


class Command(AdminCommand):
    help = (
        "Create a REST API token for a user and print it. It is shown only this once: only its hash is stored. "
        "Use it as `Authorization: Bearer <token>`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The user the token acts as.")
        parser.add_argument("--name", default="command line", help="A name to recognise the token by.")
        parser.add_argument(
            "--expires-in-days", type=int, metavar="DAYS", help="Expire after DAYS days (default: never)."
        )

    def handle(self, *args, email: str, name: str, expires_in_days: int | None, **options) -> None:
        if expires_in_days is not None and expires_in_days < 1:
            raise usage_error("--expires-in-days must be 1 or more.")
        expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
        user = users_resolve(emails=[email])[0]
        token, key = api_token_create(user=user, name=name, expires_at=expires_at, by=self.actor)
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
        self.stderr.write(f"API token {token.name!r} ({token.prefix}…) for {user.email}, {expiry}. It is shown once:")
        self.stdout.write(key)
