from core.commands import AdminCommand, usage_error
from licensing.charts import forecast_sentence
from licensing.management.listing import add_format_argument, records_write, table_write
from licensing.selectors.exports import (
    HISTORY_COLUMNS,
    REPORT_COLUMNS,
    history_records,
    license_report_records,
    plans_off_text,
)
from licensing.selectors.history import HISTORY_DAYS
from licensing.selectors.outlook import pools_outlook_visible
from licensing.selectors.subscriptions import USAGE_WARNING_PERCENT
from licensing.services.history import BACKFILL_DAYS

MARKS = {"ok": "", "warning": f"! {USAGE_WARNING_PERCENT}%+", "full": "!! FULL"}


class Command(AdminCommand):
    help = (
        "License usage per subscription and product: quantity, assigned, available, group members waiting for a "
        f"license, utilisation, marked at {USAGE_WARNING_PERCENT} % and when full; and how many licenses have each "
        "service plan switched off."
    )

    def add_arguments(self, parser) -> None:
        add_format_argument(parser)
        parser.add_argument(
            "--history",
            action="store_true",
            help="Instead: each pool's daily counters and when it runs out at the current rate (README, "
            '"License usage history").',
        )
        parser.add_argument(
            "--days", type=int, default=HISTORY_DAYS, help=f"With --history: how many days (default {HISTORY_DAYS})."
        )

    def handle(self, *args, format: str, history: bool, days: int, **options) -> None:
        if history:
            self._history(format, days)
            return
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

    def _history(self, format: str, days: int) -> None:
        if not 1 <= days <= BACKFILL_DAYS:
            raise usage_error(f"--days must be from 1 to {BACKFILL_DAYS}.")
        if format == "csv":
            records_write(self.stdout, format, HISTORY_COLUMNS, history_records(actor=self.actor.user, days=days))
            return
        outlooks = pools_outlook_visible(actor=self.actor.user, days=days)
        if format == "json":
            records = [
                {
                    "subscription": pool.subscription.name,
                    "sku": pool.product.sku_part_number,
                    "product": pool.product.name,
                    "forecast": vars(outlook.forecast),
                    "points": [{**point._asdict(), "day": point.day.isoformat()} for point in outlook.points],
                }
                for pool, outlook in outlooks
            ]
            records_write(self.stdout, format, (), records)
            return
        for pool, outlook in outlooks:
            self.stdout.write(
                f"{pool.subscription.name}  {pool.product.sku_part_number}: "
                + forecast_sentence(outlook.forecast, product=pool.product.name, waiting=pool.pending)
            )
            rows = [
                (point.day.isoformat(), str(point.quantity), str(point.assigned), str(point.pending))
                for point in outlook.points
            ]
            table_write(self.stdout, ("DAY", "QUANTITY", "ASSIGNED", "WAITING"), rows, numeric={1, 2, 3})
            self.stdout.write("")
