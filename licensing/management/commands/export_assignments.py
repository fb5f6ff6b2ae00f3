import json

from core.commands import AdminCommand, usage_error
from core.csv_io import csv_writer
from licensing.selectors.assignments import assignments_for_export
from licensing.selectors.plans import assignments_with_plans_off
from licensing.selectors.subscriptions import subscription_resolve

COLUMNS = ("email", "display_name", "subscription", "sku", "product", "assigned_at", "assigned_by", "disabled_plans")


class Command(AdminCommand):
    help = (
        "Export every license assignment (user, product, subscription, assigned_at, assigned_by, and the service "
        "plans switched off on it) as CSV or JSON."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subscription", help="Only this subscription (name or id).")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--output", metavar="FILE", help="Write to this file instead of stdout.")

    def handle(self, *args, subscription: str | None, format: str, output: str | None, **options) -> None:
        scope = subscription_resolve(actor=self.actor.user, identifier=subscription) if subscription else None
        records = (
            {
                "email": assignment.user.email,
                "display_name": assignment.user.display_name,
                "subscription": assignment.pool.subscription.name,
                "sku": assignment.pool.product.sku_part_number,
                "product": assignment.pool.product.name,
                "assigned_at": assignment.assigned_at.isoformat(),
                "assigned_by": assignment.assigned_by.email if assignment.assigned_by else "",
                "disabled_plans": assignment.plans_off,
            }
            for assignment in assignments_with_plans_off(
                assignments_for_export(actor=self.actor.user, subscription=scope).iterator(chunk_size=2000)
            )
        )
        if not output:
            self._write(self.stdout, format, records)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                count = self._write(stream, format, records)
        except OSError as error:
            raise usage_error(f"cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"Exported {count} assignments to {output}.")

    @staticmethod
    def _write(stream, format: str, records) -> int:
        count = 0
        if format == "csv":
            writer = csv_writer(stream, COLUMNS)
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "disabled_plans": " ".join(record["disabled_plans"])})
                count += 1
            return count
        # JSON is streamed a record a line, so a large export never sits in memory; every write ends a line.
        stream.write("[\n")
        previous = None
        for record in records:
            if previous is not None:
                stream.write(f"  {previous},\n")
            previous = json.dumps(record, ensure_ascii=False)
            count += 1
        if previous is not None:
            stream.write(f"  {previous}\n")
        stream.write("]\n")
        return count
