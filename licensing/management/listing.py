"""How the licensing commands print what they list: an aligned table for people, or CSV (through core/csv_io, so
no cell starts a formula) or JSON for scripts, from the same records."""

import json
from collections.abc import Collection, Iterable, Sequence

from django.core.management.base import OutputWrapper

from core.csv_io import csv_writer

FORMATS = ("table", "csv", "json")


def add_format_argument(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), or csv or json.")


def records_write(stdout: OutputWrapper, format: str, columns: Sequence[str], records: Iterable[dict]) -> None:
    """Write `records` (dicts keyed by `columns`) as CSV or JSON."""
    if format == "json":
        stdout.write(json.dumps(records, indent=2, ensure_ascii=False))
        return
    writer = csv_writer(stdout, columns)
    writer.writeheader()
    writer.writerows(records)


def table_write(
    stdout: OutputWrapper, header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Collection[int] = ()
) -> None:
    """Write rows of text cells under `header`, each column as wide as its widest cell; the columns at the indexes
    `numeric` are aligned right."""
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, *rows]:
        cells = [
            cell.rjust(width) if index in numeric else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        stdout.write("  ".join(cells).rstrip())
