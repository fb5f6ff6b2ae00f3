import json

from core.commands import AdminCommand, usage_error
from core.csv_io import csv_writer
from licensing.selectors.exports import ASSIGNMENT_COLUMNS, assignment_records
from licensing.selectors.subscriptions import subscription_resolve


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
        records = assignment_records(actor=self.actor.user, subscription=scope)
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
            writer = csv_writer(stream, ASSIGNMENT_COLUMNS)
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
