from collections import defaultdict

from django.db import transaction

from core.commands import AdminCommand
from core.errors import ValidationFailed
from licensing.assignment_files import ASSIGNMENT_COLUMNS, assignment_rows, assignments_resolve
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign

SERVICES = {"unassign": licenses_bulk_unassign, "assign": licenses_bulk_assign}


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

        # Unassignments first, so that a file moving licenses frees them before it hands them out.
        groups = defaultdict(list)
        for row in resolved.rows:
            groups[(list(SERVICES).index(row.action), row.subscription.name, row.product.sku_part_number)].append(row)
        summary = []
        with self.progress(len(resolved.rows), "Applying license changes") as bar, transaction.atomic():
            for key in sorted(groups):
                rows = groups[key]
                action, subscription, product = rows[0].action, rows[0].subscription, rows[0].product
                result = SERVICES[action](
                    subscription=subscription, product=product, users=[row.user for row in rows], by=self.actor
                )
                summary.append(
                    f"{action}\t{subscription.name}\t{product.sku_part_number}\t{result.changed}\t{result.unchanged}"
                )
                bar.advance(len(rows))
            if dry_run:
                transaction.set_rollback(True)

        self.stdout.write("action\tsubscription\tsku\tchanged\tunchanged")
        for line in summary:
            self.stdout.write(line)
        prefix = "dry run, nothing written: would have applied" if dry_run else "applied"
        self.stdout.write(f"{prefix} {len(resolved.rows)} rows, skipped {bad_rows} bad rows.")
