from core.commands import AdminCommand
from licensing.management.listing import add_format_argument, records_write, table_write
from licensing.selectors.subscriptions import USAGE_WARNING_PERCENT, license_usage

COLUMNS = (
    "subscription",
    "status",
    "sku",
    "product",
    "quantity",
    "assigned",
    "available",
    "waiting",
    "utilisation",
    "level",
    "plans_off",
)
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
        records = [
            {
                "subscription": usage.subscription,
                "status": usage.status,
                "sku": usage.sku,
                "product": usage.product,
                "quantity": usage.quantity,
                "assigned": usage.assigned,
                "available": usage.available,
                "waiting": usage.waiting,
                "utilisation": usage.utilisation,
                "level": usage.level,
                "plans_off": usage.plans_off,
            }
            for usage in license_usage(actor=self.actor.user)
        ]
        if format != "table":
            if format == "csv":
                records = [{**record, "plans_off": _plans_off_text(record["plans_off"])} for record in records]
            records_write(self.stdout, format, COLUMNS, records)
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
                _plans_off_text(record["plans_off"]),
            )
            for record in records
        ]
        table_write(self.stdout, header, rows, numeric={3, 4, 5, 6, 7})


def _plans_off_text(plans_off: dict[str, int]) -> str:
    """How many licenses have each plan off, as one cell: "TEAMS1:3 MCOEV:1"."""
    return " ".join(f"{name}:{count}" for name, count in plans_off.items())
