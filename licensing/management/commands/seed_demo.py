from django.core.management.base import BaseCommand

from core.commands import ProgressBar
from licensing.demo import ADMINS, DEMO_PASSWORD, SUBSCRIPTIONS, seed_demo


class Command(BaseCommand):
    help = "Create (or complete) the demo organisation. Idempotent: running it again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=200, help="Number of ordinary users (default 200).")

    def handle(self, *args, users: int, **options) -> None:
        if users < 0:
            self.stderr.write("--users must be 0 or more.")
            raise SystemExit(2)
        # One step per message of seed_demo: the catalogue, the users, then each subscription. The bar shows only
        # on a terminal; elsewhere the messages are printed as plain lines.
        with ProgressBar(self.stderr, 2 + len(SUBSCRIPTIONS), "Seeding the demo organisation") as bar:
            report = seed_demo(
                users=users,
                progress=lambda message: bar.advance() if bar.enabled else self.stdout.write(f"  {message}"),
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {report.users_created} users created, {report.licenses_assigned} licenses assigned."
            )
        )
        self.stdout.write(f"Demo sign-in (password for all: {DEMO_PASSWORD}):")
        for admin in ADMINS:
            role = admin.role.label if admin.role else "no admin role"
            scope = f" of {admin.subscription}" if admin.subscription else ""
            self.stdout.write(f"  {admin.email:<28} {role}{scope}")
