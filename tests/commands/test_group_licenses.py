"""group_licenses, license_line, reprocess_licenses, and unassign_license refusing an inherited license."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import GroupLicense, LicenseAssignment, LicensePool
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.group_licenses import group_licenses_change
from licensing.services.subscriptions import subscription_set_status
from tests.factories import GroupFactory, LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory

SYSTEM = Actor(None, Source.SYSTEM)


@pytest.fixture(autouse=True)
def _counters_hold(assert_pool_counters):
    """Whatever a command did or refused, every pool's counters equal its rows and every license has a source."""
    yield
    assert_pool_counters()


@pytest.fixture
def sales(db):
    return GroupFactory(name="Sales")


def members(group, count: int, prefix: str = "m") -> list:
    users = [UserFactory(email=f"{prefix}{index}@example.test") for index in range(count)]
    group_members_change(by=SYSTEM, group=group, add=users)
    return users


def give(group, pool):
    group_licenses_change(by=SYSTEM, group=group, subscription=pool.subscription, add=[pool.product])


def pool_now(pool) -> LicensePool:
    return LicensePool.objects.get(pk=pool.pk)


def group_licenses(run, pool, *argv):
    return run("group_licenses", "--group", "sales", "--subscription", pool.subscription.name, *argv)


# --- group_licenses: changes ---------------------------------------------------------------------------------


def test_giving_a_product_licenses_every_member(run, e3, sales):
    members(sales, 3)

    result = group_licenses(run, e3, "--add", "officeseries_e3")

    assert result.code == 0, result.err
    assert result.out == (
        "added\tOFFICESERIES_E3\t2 of 5 available, 0 waiting\n"
        f"Sales in {e3.subscription.name}: added 1, removed 0, unchanged 0.\n"
    )
    assert LicenseAssignment.objects.filter(pool=e3, direct=False).count() == 3
    event = AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_ADDED)
    assert (event.source, event.details["group"]) == (Source.CLI, "Sales")


def test_members_beyond_the_free_licenses_wait_and_it_says_so(run, e3, sales):
    members(sales, 7)

    result = group_licenses(run, e3, "--add", "OFFICESERIES_E3")

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "added\tOFFICESERIES_E3\t0 of 5 available, 2 waiting"
    assert (pool_now(e3).assigned, pool_now(e3).pending) == (5, 2)


def test_removing_a_product_takes_the_licenses_back_and_a_product_held_is_unchanged(run, e3, sales):
    other = LicensePoolFactory(subscription=e3.subscription, product=ProductFactory(sku_part_number="VISIO_P2"))
    members(sales, 2)
    give(sales, e3)

    result = group_licenses(run, e3, "--remove", "OFFICESERIES_E3", "--add", "VISIO_P2")
    again = group_licenses(run, e3, "--add", "VISIO_P2", "--remove", "OFFICESERIES_E3")

    assert result.code == 0, result.err
    assert result.out == (
        "added\tVISIO_P2\t8 of 10 available, 0 waiting\n"
        "removed\tOFFICESERIES_E3\t5 of 5 available, 0 waiting\n"
        f"Sales in {e3.subscription.name}: added 1, removed 1, unchanged 0.\n"
    )
    assert again.out == f"Sales in {e3.subscription.name}: added 0, removed 0, unchanged 2.\n"
    assert pool_now(e3).assigned == 0
    assert pool_now(other).assigned == 2


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--group", "Sales", "--add", "OFFICESERIES_E3"], 2, "usage error: name the subscription"),
        (["--group", "Sales", "--subscription", "{sub}", "--add", "E3", "--format", "csv"], 2, "--format is for"),
        (
            ["--group", "Nobody", "--subscription", "{sub}", "--add", "OFFICESERIES_E3"],
            1,
            "error [not_found]: No group",
        ),
        (["--group", "Sales", "--subscription", "Nowhere", "--add", "OFFICESERIES_E3"], 1, "error [not_found]"),
        (["--group", "Sales", "--subscription", "{sub}", "--add", "NO_SUCH"], 1, "error [not_found]: Unknown product"),
        (["--group", "Sales", "--subscription", "{sub}", "--add", "OTHER"], 1, "error [product_not_in_subscription]"),
        (
            ["--group", "Sales", "--subscription", "{sub}", "--add", "OFFICESERIES_E3", "--remove", "OFFICESERIES_E3"],
            1,
            "error [validation_error]: A product cannot be both added and removed",
        ),
    ],
)
def test_group_licenses_errors_change_nothing(run, e3, sales, argv, code, message):
    ProductFactory(sku_part_number="OTHER")
    members(sales, 1)

    result = run("group_licenses", *[arg.replace("{sub}", e3.subscription.name) for arg in argv])

    assert result.code == code
    assert message in result.err
    assert not GroupLicense.objects.exists()
    assert not AuditEvent.objects.filter(source=Source.CLI).exists()


def test_group_licenses_follow_the_admins_role(run, e3, sales, subscription_admin, other_subscription_admin, member):
    members(sales, 1)

    denied = group_licenses(run, e3, "--add", "OFFICESERIES_E3", "--as", member.email)
    hidden = group_licenses(run, e3, "--add", "OFFICESERIES_E3", "--as", other_subscription_admin.email)
    allowed = group_licenses(run, e3, "--add", "OFFICESERIES_E3", "--as", subscription_admin.email)

    assert (denied.code, denied.err.split(":")[0]) == (1, "error [permission_denied]")
    assert (hidden.code, hidden.err.split(":")[0]) == (1, "error [not_found]")
    assert allowed.code == 0, allowed.err
    assert AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_ADDED).actor == subscription_admin


# --- group_licenses: the list --------------------------------------------------------------------------------


@pytest.fixture
def held(e3, sales):
    """Sales (7 members) holds E3 (5 licenses: 2 wait) and a product of a second subscription."""
    elsewhere = LicensePoolFactory(
        subscription=SubscriptionFactory(name="Zeta"), product=ProductFactory(sku_part_number="VISIO_P2")
    )
    members(sales, 7)
    give(sales, e3)
    give(sales, elsewhere)
    return e3, elsewhere


def test_the_list_shows_available_of_quantity_and_waiting(run, held):
    e3, _ = held

    lines = run("group_licenses", "--group", "SALES").out.splitlines()

    assert [line.split() for line in lines] == [
        ["SUBSCRIPTION", "SKU", "AVAILABLE", "WAITING"],
        [*e3.subscription.name.split(), "OFFICESERIES_E3", "0", "of", "5", "2"],
        ["Zeta", "VISIO_P2", "3", "of", "10", "0"],
    ]


def test_the_list_as_csv_and_json_of_one_subscription(run, held):
    e3, _ = held

    rows = list(csv.DictReader(io.StringIO(run("group_licenses", "--group", "Sales", "--format", "csv").out)))
    records = json.loads(group_licenses(run, e3, "--format", "json").out)

    assert [(row["sku"], row["quantity"], row["assigned"], row["available"], row["waiting"]) for row in rows] == [
        ("OFFICESERIES_E3", "5", "5", "0", "2"),
        ("VISIO_P2", "10", "7", "3", "0"),
    ]
    assert records == [
        {
            "subscription": e3.subscription.name,
            "sku": "OFFICESERIES_E3",
            "product": "E3",
            "quantity": 5,
            "assigned": 5,
            "available": 0,
            "waiting": 2,
        }
    ]


def test_the_list_is_narrowed_to_the_admins_scope(run, held, subscription_admin):
    result = run("group_licenses", "--group", "Sales", "--format", "json", "--as", subscription_admin.email)

    assert [record["sku"] for record in json.loads(result.out)] == ["OFFICESERIES_E3"]


def test_a_group_without_licenses_says_so(run, e3, sales):
    assert run("group_licenses", "--group", "Sales").out == "Sales holds no licenses.\n"
    assert group_licenses(run, e3).out == f"Sales holds no licenses in {e3.subscription.name}.\n"
    assert json.loads(run("group_licenses", "--group", "Sales", "--format", "json").out) == []


def test_the_list_takes_the_same_queries_whatever_its_length(run, e3, sales):
    members(sales, 1)
    give(sales, e3)
    with CaptureQueriesContext(connection) as one:
        run("group_licenses", "--group", "Sales")
    for _ in range(3):
        give(sales, LicensePoolFactory(subscription=e3.subscription))

    with CaptureQueriesContext(connection) as four:
        result = run("group_licenses", "--group", "Sales")

    assert len(result.out.splitlines()) == 5
    assert len(four.captured_queries) == len(one.captured_queries) == 2  # the group, its licenses with their pools


# --- license_line --------------------------------------------------------------------------------------------


def license_line(run, pool, *argv):
    return run("license_line", "--subscription", pool.subscription.name, "--sku", "officeseries_e3", *argv)


@pytest.fixture
def line(e3, sales):
    """E3 (5 licenses) given to Sales, of 5 members; then 3 latecomers join and wait, first w0, then w1, w2."""
    members(sales, 5)
    give(sales, e3)
    latecomers = []
    for index in range(3):
        latecomers += members(sales, 1, prefix=f"w{index}-")
    return latecomers


def test_the_line_in_order(run, e3, line):
    result = license_line(run, e3)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"OFFICESERIES_E3 in {e3.subscription.name}: 0 of 5 available, 3 waiting."
    assert lines[1].split() == ["POSITION", "EMAIL", "SINCE", "REASON"]
    assert [line.split()[:2] for line in lines[2:]] == [
        ["1", "w0-0@example.test"],
        ["2", "w1-0@example.test"],
        ["3", "w2-0@example.test"],
    ]
    assert {line.split()[3] for line in lines[2:]} == {"not_enough_licenses"}


def test_the_line_as_csv_and_json(run, e3, line):
    rows = list(csv.DictReader(io.StringIO(license_line(run, e3, "--format", "csv").out)))
    records = json.loads(license_line(run, e3, "--format", "json").out)

    assert [(row["position"], row["email"], row["reason"]) for row in rows] == [
        ("1", "w0-0@example.test", "not_enough_licenses"),
        ("2", "w1-0@example.test", "not_enough_licenses"),
        ("3", "w2-0@example.test", "not_enough_licenses"),
    ]
    assert [record["position"] for record in records] == [1, 2, 3]
    assert records[0]["since"] == rows[0]["since"]
    assert records[0]["since"] <= records[2]["since"]


def test_the_line_of_a_suspended_subscription_waits_for_it(run, e3, sales):
    subscription_set_status(by=SYSTEM, subscription=e3.subscription, status=SubscriptionStatus.SUSPENDED)
    members(sales, 2)
    give(sales, e3)

    records = json.loads(license_line(run, e3, "--format", "json").out)

    assert [record["reason"] for record in records] == ["subscription_not_active"] * 2


def test_nobody_waiting(run, e3):
    assert (
        license_line(run, e3).out == f"OFFICESERIES_E3 in {e3.subscription.name}: 5 of 5 available, nobody waiting.\n"
    )
    assert license_line(run, e3, "--format", "csv").out == '"position","email","since","reason"\n'


def test_the_line_of_a_pool_that_does_not_exist(run, e3, other_subscription_admin):
    ProductFactory(sku_part_number="OTHER")

    missing = run("license_line", "--subscription", e3.subscription.name, "--sku", "OTHER")
    hidden = license_line(run, e3, "--as", other_subscription_admin.email)

    assert (missing.code, missing.err.split(":")[0]) == (1, "error [product_not_in_subscription]")
    assert (hidden.code, hidden.err.split(":")[0]) == (1, "error [not_found]")


def test_the_line_takes_the_same_queries_whatever_its_length(run, e3, sales):
    members(sales, 6)
    give(sales, e3)
    with CaptureQueriesContext(connection) as short:
        license_line(run, e3)
    members(sales, 20, prefix="late")

    with CaptureQueriesContext(connection) as long:
        result = license_line(run, e3)

    assert len(result.out.splitlines()) == 2 + 21
    # the subscription, the product, the pool, the line with its users
    assert len(long.captured_queries) == len(short.captured_queries) == 4


# --- reprocess_licenses --------------------------------------------------------------------------------------


def test_reprocess_says_it_is_never_needed(run, db):
    assert "never needed for correctness" in run("reprocess_licenses", "--help").out


def test_reprocess_with_nothing_to_repair(run, held):
    result = run("reprocess_licenses")

    assert result.code == 0, result.err
    e3, elsewhere = held
    assert result.out.splitlines() == [
        "subscription\tsku\ttaken\tgiven",
        f"{e3.subscription.name}\tOFFICESERIES_E3\t0\t0",
        "Zeta\tVISIO_P2\t0\t0",
        "Reprocessed 2 pools: took back 0 licenses; 0 members got one or joined the line.",
    ]


def test_reprocess_repairs_a_group_license_written_behind_the_services_back(run, e3, sales):
    members(sales, 7)
    LicensePoolFactory(subscription=e3.subscription, product=ProductFactory(sku_part_number="VISIO_P2"))
    GroupLicense.objects.create(group=sales, pool=e3)  # as a restore or a manual SQL fix would leave it

    result = run("reprocess_licenses", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3")

    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        f"{e3.subscription.name}\tOFFICESERIES_E3\t0\t7",
        "Reprocessed 1 pools: took back 0 licenses; 7 members got one or joined the line.",
    ]
    assert (pool_now(e3).assigned, pool_now(e3).pending) == (5, 2)
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED, source=Source.CLI).count() == 5


def test_reprocess_filters(run, held):
    e3, _ = held

    by_sku = run("reprocess_licenses", "--sku", "VISIO_P2").out.splitlines()
    by_subscription = run("reprocess_licenses", "--subscription", "zeta").out.splitlines()
    missing = run("reprocess_licenses", "--subscription", "Zeta", "--sku", "OFFICESERIES_E3")

    assert [line.split("\t")[1] for line in by_sku[1:-1]] == ["VISIO_P2"]
    assert [line.split("\t")[0] for line in by_subscription[1:-1]] == ["Zeta"]
    assert (missing.code, missing.err.split(":")[0]) == (1, "error [product_not_in_subscription]")


def test_reprocess_follows_the_admins_role(run, held, subscription_admin, member):
    e3, _ = held

    scoped = run("reprocess_licenses", "--as", subscription_admin.email)
    denied = run("reprocess_licenses", "--as", member.email)

    assert [line.split("\t")[0] for line in scoped.out.splitlines()[1:-1]] == [e3.subscription.name]
    assert (denied.code, denied.err.split(":")[0]) == (1, "error [permission_denied]")


# --- unassign_license and an inherited license ---------------------------------------------------------------


def test_unassigning_an_inherited_license_is_refused_naming_the_groups(run, e3, sales):
    (ann,) = members(sales, 1)
    support = GroupFactory(name="Support")
    group_members_change(by=SYSTEM, group=support, add=[ann])
    give(sales, e3)
    give(support, e3)
    bo = UserFactory(email="bo@example.test")
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[bo], by=SYSTEM)

    result = run(
        "unassign_license",
        "--subscription",
        e3.subscription.name,
        "--sku",
        "OFFICESERIES_E3",
        "--user",
        bo.email,
        "--user",
        ann.email,
    )

    assert result.code == 1
    assert result.err == (
        f"error [license_inherited]: {ann.email} has E3 from group Sales, Support: it cannot be removed from the "
        "user directly. Remove them from the group, or the product from the group.\n"
    )
    assert LicenseAssignment.objects.filter(pool=e3, user=bo, direct=True).exists()  # nothing changed


def test_unassigning_a_direct_license_also_inherited_keeps_it(run, e3, sales):
    (ann,) = members(sales, 1)
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[ann], by=SYSTEM)
    give(sales, e3)

    result = run(
        "unassign_license", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", ann.email
    )
    assert result.code == 0, result.err
    assert LicenseAssignment.objects.filter(pool=e3, user=ann).values_list("direct", flat=True).get() is False


def test_import_assignments_refuses_an_inherited_license_and_writes_nothing(run, e3, sales, write_file):
    (ann,) = members(sales, 1)
    give(sales, e3)
    bo = UserFactory(email="bo@example.test")
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[bo], by=SYSTEM)
    name = e3.subscription.name
    path = write_file(
        "leavers.csv",
        f"email,subscription,sku,action\n{bo.email},{name},OFFICESERIES_E3,unassign\n"
        f"{ann.email},{name},OFFICESERIES_E3,unassign\n",
    )

    result = run("import_assignments", path)

    assert (result.code, result.err.split(":")[0]) == (1, "error [license_inherited]")
    assert "from group Sales" in result.err
    assert pool_now(e3).assigned == 2


def test_a_license_unassigned_goes_to_the_first_in_line(run, e3, sales):
    bo = UserFactory(email="bo@example.test")
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[bo], by=SYSTEM)
    members(sales, 6)
    give(sales, e3)
    first = json.loads(license_line(run, e3, "--format", "json").out)[0]["email"]

    result = run(
        "unassign_license", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", bo.email
    )

    assert result.code == 0, result.err
    assert result.out.endswith("pool has 5 of 5 assigned, 0 available.\n")
    assert LicenseAssignment.objects.filter(pool=e3, user__email=first, direct=False).exists()
    assert [record["email"] for record in json.loads(license_line(run, e3, "--format", "json").out)] == [
        "m5@example.test"
    ]
