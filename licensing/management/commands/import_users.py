from django.db import transaction

from accounts.selectors import USER_COLUMNS, user_rows
from accounts.services.imports import users_import
from core.commands import AdminCommand
from core.errors import ValidationFailed


class Command(AdminCommand):
    help = (
        f"Create or update users from a CSV file with the columns {', '.join(USER_COLUMNS)} (only email is required; "
        "a column left out keeps its values). Every row is checked first; one bad row and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8 (a byte-order mark is fine).")
        parser.add_argument("--skip-invalid", action="store_true", help="Report bad rows and import the others.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count the changes; write nothing."
        )

    def handle(self, *args, file: str, skip_invalid: bool, dry_run: bool, **options) -> None:
        parsed = user_rows(self.input_file(file))
        for error in parsed.errors:
            self.stderr.write(f"{file}: {error}")
        bad_rows = len({error.line for error in parsed.errors})
        if parsed.errors and not skip_invalid:
            raise ValidationFailed(f"{bad_rows} bad rows in {file}; nothing was written.", file=file)

        rows = [{"email": row.email, **row.fields} for row in parsed.rows]
        with self.progress(len(rows), "Importing users") as bar, transaction.atomic():
            result = users_import(rows=rows, progress=bar.advance, by=self.actor)
            if dry_run:
                transaction.set_rollback(True)
        prefix = "dry run, nothing written: would have " if dry_run else ""
        self.stdout.write(
            f"{prefix}created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"skipped {bad_rows} bad rows."
        )
