from django.db import transaction

from accounts.models import UserManager
from accounts.selectors import emails_file, users_by_email, users_resolve
from core.commands import AdminCommand, usage_error
from core.errors import ValidationFailed
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import pool_get, subscription_resolve
from licensing.services.bulk import licenses_bulk_assign

DRY_RUN_OUTCOMES = {"plans_changed": "would change plans"}


class Command(AdminCommand):
    help = (
        "Assign one product of a subscription to one or more users, all or nothing, with the apps named by "
        "--disable-plan switched off (also on the licenses they hold already). "
        "--dry-run shows what would change and the pool counts after, and writes nothing."
    )
    service = staticmethod(licenses_bulk_assign)
    verb = "assign"
    takes_plans = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", required=True, help="Subscription name or id.")
        parser.add_argument("--sku", required=True, help="Product part number (e.g. OFFICESERIES_E3) or sku id.")
        parser.add_argument("--user", action="append", default=[], metavar="EMAIL", help="A user; repeat for more.")
        parser.add_argument("--users-file", metavar="FILE", help="One email a line, or a CSV with an email column.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Report bad and unknown emails and go on with the others, instead of changing nothing.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        if self.takes_plans:
            plans = parser.add_mutually_exclusive_group()
            plans.add_argument(
                "--disable-plan",
                action="append",
                metavar="PLAN",
                help="A service plan (name such as TEAMS1, or id) to switch off on the license; repeat for more.",
            )
            plans.add_argument(
                "--all-plans-on", action="store_true", help="Switch every plan on, on the licenses held already too."
            )

    def handle(self, *args, subscription: str, sku: str, dry_run: bool, skip_invalid: bool, **options) -> None:
        plans = {}
        if self.takes_plans and (options["disable_plan"] or options["all_plans_on"]):
            plans = {"disabled_plans": options["disable_plan"] or []}
        emails = self._emails(options["user"], options["users_file"], skip_invalid)
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription)
        (product,) = products_resolve(identifiers=[sku])
        if skip_invalid:
            found = users_by_email(emails=emails)
            for email in emails:
                if email not in found:
                    self.stderr.write(f"skipped {email}: [not_found] no user with this email")
            users = list(found.values())
        else:
            users = users_resolve(emails=emails)

        with self.progress(len(users), f"{product.sku_part_number} in {scope.name}") as bar, transaction.atomic():
            result = self.service(subscription=scope, product=product, users=users, by=self.actor, **plans)
            bar.advance(len(users))
            pool = pool_get(subscription=scope, product=product)
            if dry_run:
                transaction.set_rollback(True)

        # Dry runs list every user, as the plan to check; real runs list them from verbosity 2 on.
        for user in users if dry_run or options["verbosity"] >= 2 else ():
            outcome = result.outcomes[user.pk]
            if dry_run:
                outcome = DRY_RUN_OUTCOMES.get(outcome) or (
                    f"would {self.verb}" if outcome.startswith(self.verb) else "unchanged"
                )
            self.stdout.write(f"{outcome}\t{user.label}")
        changed = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{product.sku_part_number} in {scope.name}: {changed} {result.changed}, unchanged {result.unchanged}; "
            f"pool {'would have' if dry_run else 'has'} {pool.assigned} of {pool.quantity} assigned, "
            f"{pool.available} available."
        )

    def _emails(self, users: list[str], users_file: str | None, skip_invalid: bool) -> list[str]:
        if not users and not users_file:
            raise usage_error("name the users with --user EMAIL (repeatable) or --users-file FILE.")
        emails = [UserManager.normalize_email(email) for email in users]
        if users_file:
            parsed = emails_file(self.input_file(users_file))
            for error in parsed.errors:
                self.stderr.write(f"{users_file}: {error}")
            if parsed.errors and not skip_invalid:
                raise ValidationFailed(
                    f"{len(parsed.errors)} bad lines in {users_file}; nothing was changed.", file=users_file
                )
            emails += parsed.rows
        return list(dict.fromkeys(emails))
