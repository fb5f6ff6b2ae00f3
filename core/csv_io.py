"""CSV files: the one writer of every CSV the product writes, and the reader of the operators' files.

Files are read as UTF-8 with or without a byte-order mark, with Unix or Windows line endings; headers are matched
case-insensitively ("Display Name" is `display_name`). A reader returns the good rows and a `RowError` (line
number, code, reason) for every bad one, so that a command can report the whole file at once.

Writing goes through `csv_writer` alone, which keeps a cell from starting a spreadsheet formula (CSV injection,
OWASP): defusedcsv puts an apostrophe before a cell that starts with = + - @ | or % (and a backslash before every |
in such a cell); csv_writer does the same for the leading tab and carriage return defusedcsv leaves alone, and for a
leading apostrophe, so that reading takes off exactly what writing added and an export reads back to the same
values.
"""

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedcsv import csv as defused_csv

from .errors import ValidationFailed

ESCAPE = "'"
# defusedcsv escapes a cell that starts with one of these; it does not escape a plain number such as -1.5.
DEFUSED_STARTS = ("=", "+", "-", "@", "|", "%")
# Leading characters csv_writer escapes itself: a spreadsheet also runs a formula after a tab or carriage return,
# and an apostrophe is escaped so that reading back cannot mistake it for an escape.
ALSO_ESCAPED_STARTS = ("\t", "\r", ESCAPE)


@dataclass(frozen=True)
class RowError:
    """Why one line of a file cannot be used."""

    line: int
    message: str
    code: str = ValidationFailed.code

    def __str__(self) -> str:
        return f"line {self.line}: [{self.code}] {self.message}"


@dataclass(frozen=True)
class Row:
    """One record of a file: its first line number and its values by (normalised) column name."""

    line: int
    values: dict[str, str]


@dataclass
class Parsed:
    """The usable rows of a file and the errors of the others."""

    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _DictWriter(defused_csv.DictWriter):
    """defusedcsv's DictWriter, with the escapes it leaves out added first."""

    def writerow(self, rowdict):
        return super().writerow({name: _escaped(value) for name, value in rowdict.items()})

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)


def csv_writer(stream, columns: Sequence[str]) -> csv.DictWriter:
    """A DictWriter of `columns` to `stream` (Unix line endings) whose cells cannot start a spreadsheet formula.

    Every text cell is quoted: with lines ending in \\n, Python's writer leaves a carriage return inside a cell
    unquoted, and a spreadsheet would start a new row there, whose first cell could be a formula.
    """
    return _DictWriter(stream, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)


def _escaped(value: Any) -> Any:
    """`value` with the escapes defusedcsv does not add (it adds its own after this)."""
    if isinstance(value, str) and value.startswith(ALSO_ESCAPED_STARTS):
        return ESCAPE + value
    return value


def cell_value(cell: str) -> str:
    """The value of a cell as csv_writer wrote it: without the apostrophe it added (and without the backslashes
    defusedcsv put before each |), and unchanged when the apostrophe is not one csv_writer adds (`'abc`)."""
    if not cell.startswith(ESCAPE):
        return cell
    escaped = cell[len(ESCAPE) :]
    if escaped.startswith(ALSO_ESCAPED_STARTS):
        return escaped
    value = escaped.replace("\\|", "|")
    return value if value.startswith(DEFUSED_STARTS) else cell


def column_name(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


@contextmanager
def _opened(path: str | Path) -> Iterator:
    """The file as text, for csv.reader; a file that cannot be read as UTF-8 text is a ValidationFailed."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield handle
    except UnicodeDecodeError as error:
        raise ValidationFailed(f"{path} is not UTF-8 text (byte {error.start}).", file=str(path)) from error
    except OSError as error:
        raise ValidationFailed(f"Cannot read {path}: {error.strerror}.", file=str(path)) from error


def read_rows(path: str | Path, *, required: Sequence[str], optional: Sequence[str] = ()) -> tuple[list[str], Parsed]:
    """The header (normalised) and the rows of a CSV file. A file that cannot be used at all (unreadable, not
    UTF-8, empty, missing or unknown columns) raises ValidationFailed; a bad row becomes a RowError."""
    parsed = Parsed()
    with _opened(path) as handle:
        reader = csv.reader(handle)
        try:
            header = [column_name(name) for name in next(reader, [])]
            _check_header(path, header, required, optional)
            end_of_previous = reader.line_num
            for cells in reader:
                line, end_of_previous = end_of_previous + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    parsed.errors.append(RowError(line, f"has {len(cells)} fields, the header has {len(header)}"))
                    continue
                values = {name: cell_value(cell.strip()) for name, cell in zip(header, cells, strict=True)}
                parsed.rows.append(Row(line, values))
        except csv.Error as error:
            raise ValidationFailed(f"{path}: line {reader.line_num}: {error}.", file=str(path)) from error
    return header, parsed


def _check_header(path, header: list[str], required: Sequence[str], optional: Sequence[str]) -> None:
    if not header:
        raise ValidationFailed(f"{path} is empty: it needs a header line ({', '.join(required)}).", file=str(path))
    expected = (*required, *optional)
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in expected]
    repeated = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated columns: {', '.join(repeated)}")
    if problems:
        raise ValidationFailed(
            f"{path}: {'; '.join(problems)} (expected columns: {', '.join(expected)}).",
            file=str(path),
            missing=missing,
            unknown=unknown,
            repeated=repeated,
        )


def duplicate_row(seen: dict, key, line: int) -> RowError | None:
    """A RowError when `key` was seen on an earlier line; else remembers this line."""
    if key in seen:
        return RowError(line, f"duplicate of line {seen[key]}")
    seen[key] = line
    return None


def column_cells(path: str | Path, column: str) -> Iterator[tuple[int, str]]:
    """(line, value) of each non-empty line of a list: one value a line, or a CSV file whose first line is a
    header with `column`, whose cells are then taken."""
    with _opened(path) as handle:
        reader = csv.reader(handle)
        index = None
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if index is None and line == 1 and column in [column_name(cell) for cell in cells]:
                index = [column_name(cell) for cell in cells].index(column)
                continue
            yield line, cell_value(cells[index or 0]) if len(cells) > (index or 0) else ""
