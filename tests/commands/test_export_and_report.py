import csv
import io
import json

from accounts.services.groups import group_members_change
from core.audit import Actor
from licensing.services.bulk import licenses_bulk_assign
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory


def give(pool, users, actor=None):
    licenses_bulk_assign(subscription=pool.subscription, product=pool.product, users=users, by=Actor(actor, "system"))


def test_export_csv_lists_every_assignment(run, e3, global_admin):
    ann, bob = UserFactory(email="ann@example.test", display_name="Ann"), UserFactory(email="bob@example.test")
    give(e3, [ann], actor=global_admin)
    give(e3, [bob])

    result = run("export_assignments")

    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [(row["email"], row["subscription"], row["sku"], row["product"], row["assigned_by"]) for row in rows] == [
        ("ann@example.test", e3.subscription.name, "OFFICESERIES_E3", "E3", global_admin.email),
        ("bob@example.test", e3.subscription.name, "OFFICESERIES_E3", "E3", ""),
    ]
    assert rows[0]["display_name"] == "Ann"
    assert rows[0]["assigned_at"].startswith("20")


def test_export_json_to_a_file_of_one_subscription(run, e3, tmp_path):
    other = LicensePoolFactory(subscription=SubscriptionFactory(), quantity=5)
    give(e3, [UserFactory(email="ann@example.test")])
    give(other, [UserFactory(email="bob@example.test")])
    target = tmp_path / "out.json"

    result = run(
        "export_assignments", "--subscription", e3.subscription.name, "--format", "json", "--output", str(target)
    )

    assert result.code == 0, result.err
    assert result.out == f"Exported 1 assignments to {target}.\n"
    records = json.loads(target.read_text())
    assert [(record["email"], record["sku"]) for record in records] == [("ann@example.test", "OFFICESERIES_E3")]


def test_export_json_of_nothing_is_an_empty_list(run, db):
    result = run("export_assignments", "--format", "json")

    assert json.loads(result.out) == []


def test_export_is_narrowed_to_the_actors_scope(run, e3, subscription_admin):
    other = LicensePoolFactory(subscription=SubscriptionFactory(), quantity=5)
    give(e3, [UserFactory(email="ann@example.test")])
    give(other, [UserFactory(email="bob@example.test")])

    result = run("export_assignments", "--as", subscription_admin.email)
    outside = run("export_assignments", "--as", subscription_admin.email, "--subscription", other.subscription.name)

    assert [row["email"] for row in csv.DictReader(io.StringIO(result.out))] == ["ann@example.test"]
    assert (outside.code, outside.err.split(":")[0]) == (1, "error [not_found]")


def usage_pools():
    subscription = SubscriptionFactory(name="Contoso")
    pools = {}
    for sku, quantity, holders in (("A_OK", 10, 5), ("B_WARN", 10, 9), ("C_FULL", 4, 4), ("D_NONE", 0, 0)):
        pools[sku] = LicensePoolFactory(
            subscription=subscription, product=ProductFactory(sku_part_number=sku, name=sku.title()), quantity=quantity
        )
        give(pools[sku], UserFactory.create_batch(holders))
    # Two members of a group given C_FULL wait in its line.
    group = GroupFactory()
    group_members_change(group=group, add=UserFactory.create_batch(2), by=Actor(None, "system"))
    group_licenses_change(
        group=group, subscription=subscription, add=[pools["C_FULL"].product], by=Actor(None, "system")
    )
    return pools


def test_license_report_json_has_counts_utilisation_and_level(run, db):
    usage_pools()

    result = run("license_report", "--format", "json")

    assert result.code == 0, result.err
    records = json.loads(result.out)
    assert [
        (r["sku"], r["quantity"], r["assigned"], r["available"], r["waiting"], r["utilisation"], r["level"])
        for r in records
    ] == [
        ("A_OK", 10, 5, 5, 0, 50.0, "ok"),
        ("B_WARN", 10, 9, 1, 0, 90.0, "warning"),
        ("C_FULL", 4, 4, 0, 2, 100.0, "full"),
        ("D_NONE", 0, 0, 0, 0, None, "full"),
    ]
    assert records[0]["subscription"] == "Contoso"


def test_license_report_table_marks_90_and_100_percent(run, db):
    usage_pools()

    lines = run("license_report").out.splitlines()

    assert lines[0].split() == [
        "SUBSCRIPTION",
        "STATUS",
        "SKU",
        "QUANTITY",
        "ASSIGNED",
        "AVAILABLE",
        "WAITING",
        "USED",
        "PLANS",
        "OFF",
    ]
    assert lines[1].split() == ["Contoso", "active", "A_OK", "10", "5", "5", "0", "50.0%"]
    assert lines[2].split() == ["Contoso", "active", "B_WARN", "10", "9", "1", "0", "90.0%", "!", "90%+"]
    assert lines[3].split() == ["Contoso", "active", "C_FULL", "4", "4", "0", "2", "100.0%", "!!", "FULL"]
    assert lines[4].split() == ["Contoso", "active", "D_NONE", "0", "0", "0", "0", "-", "!!", "FULL"]


def test_license_report_csv(run, db):
    usage_pools()

    rows = list(csv.DictReader(io.StringIO(run("license_report", "--format", "csv").out)))

    assert [(row["sku"], row["waiting"], row["utilisation"], row["level"]) for row in rows] == [
        ("A_OK", "0", "50.0", "ok"),
        ("B_WARN", "0", "90.0", "warning"),
        ("C_FULL", "2", "100.0", "full"),
        ("D_NONE", "0", "", "full"),
    ]
