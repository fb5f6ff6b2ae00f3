from core.commands import AdminCommand
from licensing.management.listing import add_format_argument, records_write, table_write
from licensing.selectors.exports import REPORT_COLUMNS, license_report_records, plans_off_text
from licensing.selectors.subscriptions import USAGE_WARNING_PERCENT

MARKS = {"ok": "", "warning": f"! {USAGE_WARNING_PERCENT}%+", "full": "!! FULL"}


class Command(AdminCommand):
    help = (
        "License usage per subscription and product: quantity, assigned, available, group members waiting for a "
        f"license, utilisation, marked at {USAGE_WARNING_PERCENT} % and when full; and how many licenses have each "
        "service plan switched off."
    )

    def add_arguments(self, parser) -> None:
        add_format_argument(parser)

    def handle(self, *args, format: str, **options) -> None:
        records = license_report_records(actor=self.actor.user)
        if format != "table":
            if format == "csv":
                records = [{**record, "plans_off": plans_off_text(record["plans_off"])} for record in records]
            records_write(self.stdout, format, REPORT_COLUMNS, records)
            return
        header = (
            "SUBSCRIPTION",
            "STATUS",
            "SKU",
            "QUANTITY",
            "ASSIGNED",
            "AVAILABLE",
            "WAITING",
            "USED",
            "",
            "PLANS OFF",
        )
        rows = [
            (
                record["subscription"],
                record["status"],
                record["sku"],
                str(record["quantity"]),
                str(record["assigned"]),
                str(record["available"]),
                str(record["waiting"]),
                "-" if record["utilisation"] is None else f"{record['utilisation']:.1f}%",
                MARKS[record["level"]],
                plans_off_text(record["plans_off"]),
            )
            for record in records
        ]
        table_write(self.stdout, header, rows, numeric={3, 4, 5, 6, 7})
