"""Downloads (README, "Exports"): the User License Assignments list, a subscription's assignments, its audit log
and the license report, as CSV and XLSX, with the page's filters and the reader's scope."""

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.factories import UserFactory
from tests.web.conftest import client_for
from tests.world import Org

SHEET_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def users_url(org: Org, file_format: str = "csv", subscription=None) -> str:
    return reverse("licensing:subscription_users_export", args=[(subscription or org.s).pk, file_format])


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_records(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(content_of(response).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[str]]:
    """The cells of the first sheet, as text; a cell that is a formula fails the test."""
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(content_of(response))) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            strings = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(node.itertext()) for node in strings.findall("x:si", SHEET_NS)]
    rows = []
    for row in sheet.iter(f"{{{SHEET_NS['x']}}}row"):
        cells = []
        for cell in row.findall("x:c", SHEET_NS):
            assert cell.find("x:f", SHEET_NS) is None, "a cell is a formula"
            value = cell.find("x:v", SHEET_NS)
            if cell.get("t") == "s":
                cells.append(shared[int(value.text)])
            elif cell.get("t") == "inlineStr":
                cells.append("".join(cell.find("x:is", SHEET_NS).itertext()))
            else:
                cells.append(value.text if value is not None else "")
        rows.append(cells)
    return rows


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def test_the_users_csv_has_every_user_with_the_licenses_held_in_this_subscription_only(org: Org, client):
    records = {record["email"]: record for record in csv_records(client.get(users_url(org)))}

    assert set(records) == {user.email for user in org.users.values() if user} | {
        org.adele.email,
        org.alex.email,
        org.henrietta.email,
    }
    # Alex also holds E3 in T: this is S's list.
    assert records[org.alex.email] == {
        "email": org.alex.email,
        "display_name": "Alex Wilber",
        "department": "Marketing",
        "job_title": org.alex.job_title,
        "account_status": "active",
        "licenses": "OFFICESERIES_E3",
    }
    assert records[org.henrietta.email]["licenses"] == "VISIO_P2"
    assert records[org.adele.email]["licenses"] == ""


def test_a_user_with_several_licenses_is_one_row(org: Org, client):
    user_licenses_change(
        user=org.alex, subscription=org.s, add=[org.e5], by=Actor(org.users["global_admin"], Source.WEB)
    )

    rows = [r for r in csv_records(client.get(users_url(org))) if r["email"] == org.alex.email]

    assert [row["licenses"] for row in rows] == ["OFFICESERIES_E3 OFFICESERIES_E5"]


def test_the_users_export_has_the_pages_filters_and_sorting(org: Org, client):
    licensed = csv_records(client.get(users_url(org) + "?licensed=true&ordering=-name"))
    searched = csv_records(client.get(users_url(org) + "?q=adele"))

    assert [record["display_name"] for record in licensed] == ["Henrietta Mueller", "Alex Wilber"]
    assert [record["display_name"] for record in searched] == ["Adele Vance"]


def test_the_users_xlsx_has_the_same_rows_as_text(org: Org, client):
    rows = xlsx_rows(client.get(users_url(org, "xlsx") + "?licensed=true"))

    assert rows[0] == ["email", "display_name", "department", "job_title", "account_status", "licenses"]
    assert [row[0] for row in rows[1:]] == [org.alex.email, org.henrietta.email]
    assert rows[1][-1] == "OFFICESERIES_E3"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.test")', "+1+cmd", "@SUM(A1)", "-2+3"])
def test_a_cell_never_starts_a_formula(org: Org, client, name):
    UserFactory(display_name=name, email="mallory@contoso.test", department=name)

    (record,) = csv_records(client.get(users_url(org) + "?q=mallory"))
    (_, row) = xlsx_rows(client.get(users_url(org, "xlsx") + "?q=mallory"))

    assert record["display_name"] == record["department"] == "'" + name
    assert row[1] == row[2] == name  # a text cell in XLSX (xlsx_rows fails on a formula)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(org: Org, client, file_format):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            content_of(client.get(users_url(org, file_format)))
        return len(captured)

    few = queries()
    for number in range(15):
        user = UserFactory(email=f"user{number}@contoso.test")
        user_licenses_change(
            user=user, subscription=org.s, add=[org.e3], by=Actor(org.users["global_admin"], Source.WEB)
        )

    assert queries() == few


@pytest.mark.parametrize(
    ("role", "subscription", "status"),
    [
        ("subscription_admin", "s", 200),
        ("subscription_admin", "t", 404),
        ("user_admin", "t", 200),
        ("member", "s", 403),
    ],
)
def test_an_admin_exports_only_a_subscription_they_may_see(org: Org, role, subscription, status):
    response = client_for(org.users[role]).get(users_url(org, subscription=getattr(org, subscription)))

    assert response.status_code == status


def test_an_unknown_format_is_not_found(org: Org, client):
    assert client.get(users_url(org, "pdf")).status_code == 404


def test_a_subscriptions_assignments_download_with_their_plans_off(org: Org):
    url = reverse("licensing:subscription_assignments_export", args=[org.s.pk, "csv"])

    records = csv_records(client_for(org.users["subscription_admin"]).get(url))

    assert sorted((r["email"], r["sku"], r["subscription"]) for r in records) == [
        (org.alex.email, "OFFICESERIES_E3", "Contoso Enterprise"),
        (org.henrietta.email, "VISIO_P2", "Contoso Enterprise"),
    ]
    assert {r["disabled_plans"] for r in records} == {""}
    assert xlsx_rows(client_for(org.users["subscription_admin"]).get(url.replace("csv", "xlsx")))[0][0] == "email"


def test_the_audit_log_downloads_with_its_filters(org: Org, client):
    url = reverse("licensing:subscription_audit_export", args=[org.s.pk, "csv"])

    everything = csv_records(client.get(url))
    of_henrietta = csv_records(client.get(url + "?user=henrietta"))

    assert {(r["user"], r["product"], r["subscription"]) for r in everything} == {
        (org.alex.email, "OFFICESERIES_E3", "Contoso Enterprise"),
        (org.henrietta.email, "VISIO_P2", "Contoso Enterprise"),
    }
    assert [(r["action"], r["user"], r["source"]) for r in of_henrietta] == [
        ("license_assigned", org.henrietta.email, "system")
    ]


def test_an_inverted_date_range_downloads_no_events(org: Org, client):
    url = reverse("licensing:subscription_audit_export", args=[org.s.pk, "csv"])

    assert csv_records(client.get(url + "?date_from=2026-02-01&date_to=2026-01-01")) == []


@pytest.mark.parametrize(
    ("role", "subscriptions"),
    [("global_admin", {"Contoso Enterprise", "Fabrikam Research"}), ("subscription_admin", {"Contoso Enterprise"})],
)
def test_the_license_report_has_the_subscriptions_the_admin_may_see(org: Org, role, subscriptions):
    url = reverse("licensing:license_report_export", args=["csv"])

    records = csv_records(client_for(org.users[role]).get(url))

    assert {record["subscription"] for record in records} == subscriptions
    e3 = next(r for r in records if r["sku"] == "OFFICESERIES_E3" and r["subscription"] == "Contoso Enterprise")
    assert (e3["quantity"], e3["assigned"], e3["available"]) == ("20", "1", "19")


def test_the_lists_link_their_downloads_with_their_filters_but_not_their_page(org: Org, client):
    users_page = client.get(reverse("licensing:subscription_users", args=[org.s.pk]) + "?licensed=true&page=1")
    audit_page = client.get(reverse("licensing:subscription_audit", args=[org.s.pk]) + "?action=license_assigned")

    assert users_page.context["downloads"] == [
        {"label": "Download CSV", "url": users_url(org) + "?licensed=true"},
        {"label": "Download XLSX", "url": users_url(org, "xlsx") + "?licensed=true"},
    ]
    assert "download>Download XLSX</a>" in users_page.content.decode()
    csv_link = reverse("licensing:subscription_audit_export", args=[org.s.pk, "csv"]) + "?action=license_assigned"
    assert f'href="{csv_link}"' in audit_page.content.decode()


def test_the_home_page_and_the_overview_link_the_report_and_the_assignments(org: Org, client):
    home = client.get(reverse("licensing:home")).content.decode()
    overview = client.get(reverse("licensing:subscription_overview", args=[org.s.pk])).content.decode()

    assert reverse("licensing:license_report_export", args=["xlsx"]) in home
    assert reverse("licensing:subscription_assignments_export", args=[org.s.pk, "csv"]) in overview
