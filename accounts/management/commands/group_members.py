from accounts.models import UserManager
from accounts.selectors import emails_file, group_named, users_resolve
from accounts.services.groups import group_members_change
from core.commands import AdminCommand, usage_error
from core.errors import ValidationFailed


class Command(AdminCommand):
    help = "Add and remove members of an assigned group in one change, all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The group's name (any case).")
        parser.add_argument("--add", action="append", default=[], metavar="EMAIL", help="Repeat for more.")
        parser.add_argument("--remove", action="append", default=[], metavar="EMAIL", help="Repeat for more.")
        parser.add_argument("--add-file", metavar="FILE", help="One email a line, or a CSV with an email column.")
        parser.add_argument("--remove-file", metavar="FILE", help="As --add-file.")

    def handle(self, *args, name: str, add: list[str], remove: list[str], **options) -> None:
        if not (add or remove or options["add_file"] or options["remove_file"]):
            raise usage_error("name the users with --add, --remove, --add-file or --remove-file.")
        adding = self._emails(add, options["add_file"])
        removing = self._emails(remove, options["remove_file"])
        group = group_named(actor=self.actor.user, name=name)
        change = group_members_change(
            group=group, add=users_resolve(emails=adding), remove=users_resolve(emails=removing), by=self.actor
        )
        self.stdout.write(
            f"{group.name}: added {len(change.added)}, removed {len(change.removed)}, "
            f"unchanged {len(adding) + len(removing) - len(change.added) - len(change.removed)}."
        )

    def _emails(self, emails: list[str], path: str | None) -> list[str]:
        emails = [UserManager.normalize_email(email) for email in emails]
        if path:
            parsed = emails_file(self.input_file(path))
            for error in parsed.errors:
                self.stderr.write(f"{path}: {error}")
            if parsed.errors:
                raise ValidationFailed(f"{len(parsed.errors)} bad lines in {path}; nothing was changed.", file=path)
            emails += parsed.rows
        return list(dict.fromkeys(emails))
