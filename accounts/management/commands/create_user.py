import sys

from accounts.services.users import user_create
from core.commands import AdminCommand


class Command(AdminCommand):
    help = "Create a user. Without --password-stdin the user cannot sign in until a password is set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--department", default="")
        parser.add_argument("--job-title", default="")
        parser.add_argument("--usage-location", default="", help="ISO 3166 alpha-2 country code, e.g. US.")
        parser.add_argument("--inactive", action="store_true", help="Create the account disabled.")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from the first line of stdin."
        )

    def handle(self, *args, email: str, password_stdin: bool, inactive: bool, **options) -> None:
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
        user = user_create(
            email=email,
            password=password or None,
            display_name=options["display_name"],
            department=options["department"],
            job_title=options["job_title"],
            usage_location=options["usage_location"].upper(),
            is_active=not inactive,
            by=self.actor,
        )
        self.stdout.write(f"Created {user.email} (id {user.pk}).")
