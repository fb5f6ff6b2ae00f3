"""Service plans from the shell: assign_license and group_licenses take --disable-plan (repeatable) and
--all-plans-on; export_assignments and license_report show the plans switched off."""

import csv
import io
import json

import pytest

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import GroupLicense
from licensing.services.assignments import user_licenses_change
from tests.factories import GroupFactory
from tests.world import Org

SYSTEM = Actor(None, Source.SYSTEM)


@pytest.fixture(autouse=True)
def _counters_hold(assert_pool_counters):
    yield
    assert_pool_counters()


def plan_ids(org: Org, *names) -> list[str]:
    return sorted(str(org.plans[name].service_plan_id) for name in names)


def assign(run, org: Org, *argv):
    return run("assign_license", "--subscription", "Contoso Enterprise", "--sku", "OFFICESERIES_E5", *argv)


def test_assign_license_switches_the_plans_named_off(run, org: Org):
    result = assign(run, org, "--user", org.adele.email, "--disable-plan", "MCOEV", "--disable-plan", "teams1")

    assert result.code == 0, result.err
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == plan_ids(org, "MCOEV", "TEAMS1")
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_ASSIGNED, subject_user=org.adele)
    assert event.details == {"bulk": True, "disabled_plans": plan_ids(org, "MCOEV", "TEAMS1")}


def test_assign_license_changes_the_plans_of_licenses_held_and_says_so(run, org: Org):
    assign(run, org, "--user", org.adele.email)
    assigned = org.pool(org.pool_e5).assigned

    dry = assign(run, org, "--user", org.adele.email, "--disable-plan", "MCOEV", "--dry-run")
    assert dry.out.splitlines()[0] == f"would change plans\t{org.adele.email}"
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == []

    result = assign(run, org, "--user", org.adele.email, "--user", org.henrietta.email, "--disable-plan", "MCOEV")
    assert result.code == 0, result.err
    assert "changed 2, unchanged 0" in result.out
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == plan_ids(org, "MCOEV")
    assert org.pool(org.pool_e5).assigned == assigned + 1  # Henrietta's; Adele's plans alone changed
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_PLANS_CHANGED)
    assert (event.subject_user, event.details["disabled_plans_before"]) == (org.adele, [])

    assign(run, org, "--user", org.adele.email, "--all-plans-on")
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == []


def test_a_plan_not_in_the_product_is_a_validation_error(run, org: Org):
    result = assign(run, org, "--user", org.adele.email, "--disable-plan", "VISIO_PLAN2")

    assert result.code != 0
    assert "validation_error" in result.err and "VISIO_PLAN2" in result.err
    assert org.held(org.adele) == set()


def test_unassign_license_takes_no_plans(run, org: Org):
    result = run(
        "unassign_license", "--subscription", "Contoso Enterprise", "--sku", "OFFICESERIES_E3",
        "--user", org.alex.email, "--disable-plan", "TEAMS1",
    )  # fmt: skip
    assert result.code == 2
    assert org.held(org.alex) == {"OfficeSeries E3"}


def test_group_licenses_sets_a_groups_plans_on_add_and_on_a_product_held(run, org: Org):
    sales = GroupFactory(name="Sales")
    base = ("group_licenses", "--group", "sales", "--subscription", "Contoso Enterprise")

    result = run(*base, "--add", "OFFICESERIES_E5", "--disable-plan", "MCOEV")
    assert result.code == 0, result.err
    assert GroupLicense.objects.get(group=sales).disabled_plans == plan_ids(org, "MCOEV")

    result = run(*base, "--plans-of", "OFFICESERIES_E5", "--disable-plan", "MCOEV", "--disable-plan", "TEAMS1")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "plans\tOFFICESERIES_E5\toff: MCOEV, TEAMS1",
        "Sales in Contoso Enterprise: added 0, removed 0, plans changed 1, unchanged 0.",
    ]
    assert GroupLicense.objects.get(group=sales).disabled_plans == plan_ids(org, "MCOEV", "TEAMS1")
    assert run(*base, "--plans-of", "OFFICESERIES_E5", "--all-plans-on").code == 0
    assert GroupLicense.objects.get(group=sales).disabled_plans == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--plans-of", "OFFICESERIES_E5"],  # which plans?
        ["--disable-plan", "MCOEV"],  # of which product?
        ["--add", "OFFICESERIES_E5", "--disable-plan", "MCOEV", "--all-plans-on"],
    ],
)
def test_group_licenses_plan_options_need_each_other(run, org: Org, argv):
    GroupFactory(name="Sales")
    result = run("group_licenses", "--group", "Sales", "--subscription", "Contoso Enterprise", *argv)
    assert result.code == 2
    assert not GroupLicense.objects.exists()


def test_export_assignments_has_the_plans_off_by_name(run, org: Org):
    sales = GroupFactory(name="Sales")
    group_members_change(by=SYSTEM, group=sales, add=[org.alex])
    user_licenses_change(
        by=SYSTEM, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1", "EXCHANGE_S_ENTERPRISE"]}
    )
    run("group_licenses", "--group", "Sales", "--subscription", "Contoso Enterprise", "--add", "OFFICESERIES_E3",
        "--disable-plan", "TEAMS1", "--disable-plan", "SHAREPOINTENTERPRISE")  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(run("export_assignments").out)))
    plans = {(row["email"], row["subscription"], row["sku"]): row["disabled_plans"] for row in rows}
    assert plans[org.alex.email, "Contoso Enterprise", "OFFICESERIES_E3"] == "TEAMS1"  # off on both sources
    assert plans[org.alex.email, "Fabrikam Research", "OFFICESERIES_E3"] == ""
    records = json.loads(run("export_assignments", "--format", "json").out)
    (alex_s,) = [r for r in records if (r["email"], r["subscription"]) == (org.alex.email, "Contoso Enterprise")]
    assert alex_s["disabled_plans"] == ["TEAMS1"]


def test_license_report_counts_the_licenses_with_each_plan_off(run, org: Org):
    for user in (org.adele, org.users["member"]):
        user_licenses_change(by=SYSTEM, user=user, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["MCOEV"]})
    user_licenses_change(by=SYSTEM, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})

    records = {r["sku"] + "@" + r["subscription"]: r for r in json.loads(run("license_report", "--format", "json").out)}
    assert records["OFFICESERIES_E5@Contoso Enterprise"]["plans_off"] == {"MCOEV": 2}
    assert records["OFFICESERIES_E3@Contoso Enterprise"]["plans_off"] == {"TEAMS1": 1}
    assert records["OFFICESERIES_E3@Fabrikam Research"]["plans_off"] == {}
    table = run("license_report").out.splitlines()
    assert table[0].endswith("PLANS OFF")
    assert any("OFFICESERIES_E5" in line and line.endswith("MCOEV:2") for line in table)
    rows = list(csv.DictReader(io.StringIO(run("license_report", "--format", "csv").out)))
    assert {row["sku"] + "@" + row["subscription"]: row["plans_off"] for row in rows}[
        "OFFICESERIES_E5@Contoso Enterprise"
    ] == "MCOEV:2"
