from django.db import transaction

from core.commands import AdminCommand
from core.errors import ValidationFailed
from licensing.assignment_files import ASSIGNMENT_COLUMNS, assignment_rows, assignments_resolve
from licensing.services.bulk import assignments_apply


class Command(AdminCommand):
    help = (
        f"Assign and unassign licenses from a CSV file with the columns {', '.join(ASSIGNMENT_COLUMNS)} "
        "(action: assign or unassign; subscription: name or id; sku: part number or sku id). Every row is "
        "checked first; one bad row, or one refused change, and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8 (a byte-order mark is fine).")
        parser.add_argument("--skip-invalid", action="store_true", help="Report bad rows and apply the others.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and apply it, then roll back.")

    def handle(self, *args, file: str, skip_invalid: bool, dry_run: bool, **options) -> None:
        parsed = assignment_rows(self.input_file(file))
        resolved = assignments_resolve(parsed.rows, actor=self.actor.user)
        errors = sorted(parsed.errors + resolved.errors, key=lambda error: error.line)
        for error in errors:
            self.stderr.write(f"{file}: {error}")
        bad_rows = len({error.line for error in errors})
        if errors and not skip_invalid:
            raise ValidationFailed(f"{bad_rows} bad rows in {file}; nothing was written.", file=file)

        with self.progress(len(resolved.rows), "Applying license changes") as bar, transaction.atomic():
            changes = assignments_apply(by=self.actor, rows=resolved.rows, progress=bar.advance)
            if dry_run:
                transaction.set_rollback(True)

        self.stdout.write("action\tsubscription\tsku\tchanged\tunchanged")
        for change in changes:
            self.stdout.write(
                f"{change.action}\t{change.subscription.name}\t{change.product.sku_part_number}\t"
                f"{change.result.changed}\t{change.result.unchanged}"
            )
        prefix = "dry run, nothing written: would have applied" if dry_run else "applied"
        self.stdout.write(f"{prefix} {len(resolved.rows)} rows, skipped {bad_rows} bad rows.")
