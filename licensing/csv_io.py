"""CSV files: every one the product writes, and the operators' files it reads, checked and resolved before anything
is written.

Every reader returns the good rows and a `RowError` (line number, code, reason) for every bad one, so a
command can report the whole file at once. Files are UTF-8 with or without a byte-order mark, with Unix or
Windows line endings; headers are matched case-insensitively ("Display Name" is `display_name`).

Writing goes through `csv_writer` alone, which keeps a cell from starting a spreadsheet formula (CSV injection,
OWASP): defusedcsv puts an apostrophe before a cell that starts with = + - @ | or % (and a backslash before every |
in such a cell); csv_writer does the same for the leading tab and carriage return defusedcsv leaves alone, and for a
leading apostrophe, so that reading takes off exactly what writing added and an export reads back to the same
values.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedcsv import csv as defused_csv
from django.core.exceptions import ValidationError

from accounts.models import User, UserManager
from accounts.selectors import users_by_email
from core.errors import DomainError, NotFound, ValidationFailed
from licensing.selectors.products import products_resolve
from licensing.selectors.subscriptions import subscription_resolve

from .models import LicensePool, Product, Subscription

ESCAPE = "'"
# defusedcsv escapes a cell that starts with one of these; it does not escape a plain number such as -1.5.
DEFUSED_STARTS = ("=", "+", "-", "@", "|", "%")
# Leading characters csv_writer escapes itself: a spreadsheet also runs a formula after a tab or carriage return,
# and an apostrophe is escaped so that reading back cannot mistake it for an escape.
ALSO_ESCAPED_STARTS = ("\t", "\r", ESCAPE)

USER_COLUMNS = ("email", "display_name", "department", "job_title", "usage_location", "is_active")
ASSIGNMENT_COLUMNS = ("email", "subscription", "sku", "action")
ACTIONS = ("assign", "unassign")
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})


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


@dataclass(frozen=True)
class UserRow:
    line: int
    email: str
    fields: dict[str, Any]  # only the columns the file has, and is_active only when given


@dataclass(frozen=True)
class AssignmentRow:
    line: int
    email: str
    subscription: str
    sku: str
    action: str


@dataclass(frozen=True)
class ResolvedAssignment:
    line: int
    user: User
    subscription: Subscription
    product: Product
    action: str


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


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(path: str | Path, *, required: Sequence[str], optional: Sequence[str] = ()) -> tuple[list[str], Parsed]:
    """The header (normalised) and the rows of a CSV file. A file that cannot be used at all (unreadable, not
    UTF-8, empty, missing or unknown columns) raises ValidationFailed; a bad row becomes a RowError."""
    parsed = Parsed()
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [_column(name) for name in next(reader, [])]
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
    except UnicodeDecodeError as error:
        raise ValidationFailed(f"{path} is not UTF-8 text (byte {error.start}).", file=str(path)) from error
    except csv.Error as error:
        raise ValidationFailed(f"{path}: line {reader.line_num}: {error}.", file=str(path)) from error
    except OSError as error:
        raise ValidationFailed(f"Cannot read {path}: {error.strerror}.", file=str(path)) from error
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


def _field_error(name: str, value: str) -> str | None:
    """The model's own validation of one user field (length, email syntax, country code format)."""
    try:
        User._meta.get_field(name).clean(value, None)
    except ValidationError as error:
        return f"{name} {value!r}: {' '.join(error.messages)}"
    return None


def _email_error(email: str) -> str | None:
    return "email is missing" if not email else _field_error("email", email)


def _duplicate(seen: dict, key, line: int) -> RowError | None:
    if key in seen:
        return RowError(line, f"duplicate of line {seen[key]}")
    seen[key] = line
    return None


def user_rows(path: str | Path) -> Parsed:
    """The users of an import file, each checked as the User model would check it; emails must be unique."""
    header, parsed = read_rows(path, required=("email",), optional=USER_COLUMNS[1:])
    result = Parsed(errors=parsed.errors)
    seen: dict[str, int] = {}
    for row in parsed.rows:
        email = UserManager.normalize_email(row.values["email"])
        fields: dict[str, Any] = {}
        problems = [_email_error(email)]
        for name in ("display_name", "department", "job_title"):
            if name in header:
                fields[name] = row.values[name]
                problems.append(_field_error(name, fields[name]))
        if "usage_location" in header:
            fields["usage_location"] = row.values["usage_location"].upper()
            problems.append(_field_error("usage_location", fields["usage_location"]))
        if row.values.get("is_active"):
            word = row.values["is_active"].lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                fields["is_active"] = word in TRUE_WORDS
            else:
                problems.append(f"is_active {row.values['is_active']!r}: use true or false")
        problems = [problem for problem in problems if problem]
        if problems:
            result.errors.extend(RowError(row.line, problem) for problem in problems)
        elif duplicate := _duplicate(seen, email, row.line):
            result.errors.append(duplicate)
        else:
            result.rows.append(UserRow(row.line, email, fields))
    result.errors.sort(key=lambda error: error.line)
    return result


def assignment_rows(path: str | Path) -> Parsed:
    """The license changes of an import file; one user, subscription and product may appear only once."""
    _, parsed = read_rows(path, required=ASSIGNMENT_COLUMNS)
    result = Parsed(errors=parsed.errors)
    seen: dict[tuple[str, str, str], int] = {}
    for row in parsed.rows:
        email = UserManager.normalize_email(row.values["email"])
        action = row.values["action"].lower()
        problems = [_email_error(email)]
        problems += [f"{name} is missing" for name in ("subscription", "sku") if not row.values[name]]
        if action not in ACTIONS:
            problems.append(f"action {row.values['action']!r}: use {' or '.join(ACTIONS)}")
        problems = [problem for problem in problems if problem]
        key = (email, row.values["subscription"].lower(), row.values["sku"].upper())
        if problems:
            result.errors.extend(RowError(row.line, problem) for problem in problems)
        elif duplicate := _duplicate(seen, key, row.line):
            result.errors.append(duplicate)
        else:
            result.rows.append(AssignmentRow(row.line, email, row.values["subscription"], row.values["sku"], action))
    result.errors.sort(key=lambda error: error.line)
    return result


def assignments_resolve(rows: Iterable[AssignmentRow], *, actor: User | None) -> Parsed:
    """Find each row's user, subscription (within the actor's scope) and product, and check that the
    subscription has a pool of that product; every row that fails says why."""
    rows = list(rows)
    users = users_by_email(emails=[row.email for row in rows])
    subscriptions = _resolved(
        {row.subscription for row in rows}, lambda name: subscription_resolve(actor=actor, identifier=name)
    )
    products = _resolved({row.sku for row in rows}, lambda sku: products_resolve(identifiers=[sku])[0])
    pools = set(
        LicensePool.objects.filter(
            subscription__in=[s for s in subscriptions.values() if isinstance(s, Subscription)],
            product__in=[p for p in products.values() if isinstance(p, Product)],
        ).values_list("subscription_id", "product_id")
    )
    result = Parsed()
    for row in rows:
        user, subscription, product = users.get(row.email), subscriptions[row.subscription], products[row.sku]
        problems = [] if user else [RowError(row.line, f"no user with email {row.email}", NotFound.code)]
        problems += [
            RowError(row.line, found.message, found.code)
            for found in (subscription, product)
            if isinstance(found, DomainError)
        ]
        if not problems and (subscription.pk, product.pk) not in pools:
            problems.append(
                RowError(
                    row.line,
                    f"subscription {subscription.name} has no {product.sku_part_number} licenses",
                    "product_not_in_subscription",
                )
            )
        if problems:
            result.errors.extend(problems)
        else:
            result.rows.append(ResolvedAssignment(row.line, user, subscription, product, row.action))
    return result


def _resolved(identifiers: Iterable[str], resolve) -> dict[str, Any]:
    """Each identifier with what it resolves to, or the domain error saying why it does not."""
    found: dict[str, Any] = {}
    for identifier in identifiers:
        try:
            found[identifier] = resolve(identifier)
        except DomainError as error:
            found[identifier] = error
    return found


def emails_file(path: str | Path) -> Parsed:
    """A list of users: one email a line, or a CSV file whose header has an `email` column."""
    result = Parsed()
    seen: dict[str, int] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            column = None
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if column is None and line == 1 and "email" in [_column(cell) for cell in cells]:
                    column = [_column(cell) for cell in cells].index("email")
                    continue
                cell = cells[column or 0] if len(cells) > (column or 0) else ""
                email = UserManager.normalize_email(cell_value(cell))
                problem = _email_error(email)
                if problem:
                    result.errors.append(RowError(line, problem))
                elif email not in seen:  # a user listed twice is still one user
                    seen[email] = line
                    result.rows.append(email)
    except UnicodeDecodeError as error:
        raise ValidationFailed(f"{path} is not UTF-8 text (byte {error.start}).", file=str(path)) from error
    except OSError as error:
        raise ValidationFailed(f"Cannot read {path}: {error.strerror}.", file=str(path)) from error
    return result
