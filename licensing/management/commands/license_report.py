import json

from core.commands import AdminCommand
from core.csv_io import csv_writer
from licensing.selectors.subscriptions import USAGE_WARNING_PERCENT, license_usage

COLUMNS = ("subscription", "status", "sku", "product", "quantity", "assigned", "available", "utilisation", "level")
MARKS = {"ok": "", "warning": f"! {USAGE_WARNING_PERCENT}%+", "full": "!! FULL"}


class Command(AdminCommand):
    help = (
        "License usage per subscription and product: quantity, assigned, available, utilisation; "
        f"marked at {USAGE_WARNING_PERCENT} % and when full."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")

    def handle(self, *args, format: str, **options) -> None:
        records = [
            {
                "subscription": usage.subscription,
                "status": usage.status,
                "sku": usage.sku,
                "product": usage.product,
                "quantity": usage.quantity,
                "assigned": usage.assigned,
                "available": usage.available,
                "utilisation": usage.utilisation,
                "level": usage.level,
            }
            for usage in license_usage(actor=self.actor.user)
        ]
        if format == "json":
            self.stdout.write(json.dumps(records, indent=2, ensure_ascii=False))
        elif format == "csv":
            writer = csv_writer(self.stdout, COLUMNS)
            writer.writeheader()
            writer.writerows(records)
        else:
            self._table(records)

    def _table(self, records: list[dict]) -> None:
        header = ("SUBSCRIPTION", "STATUS", "SKU", "QUANTITY", "ASSIGNED", "AVAILABLE", "USED", "")
        rows = [
            (
                record["subscription"],
                record["status"],
                record["sku"],
                str(record["quantity"]),
                str(record["assigned"]),
                str(record["available"]),
                "-" if record["utilisation"] is None else f"{record['utilisation']:.1f}%",
                MARKS[record["level"]],
            )
            for record in records
        ]
        widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
        numeric = {3, 4, 5, 6}
        for row in [header, *rows]:
            cells = [
                cell.rjust(width) if index in numeric else cell.ljust(width)
                for index, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
