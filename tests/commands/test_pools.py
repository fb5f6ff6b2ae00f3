"""set_quantity and reconcile_licenses."""

from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import LicensePoolFactory, UserFactory


def give(pool, count):
    users = UserFactory.create_batch(count)
    licenses_bulk_assign(subscription=pool.subscription, product=pool.product, users=users, by=Actor(None, "system"))
    return users


def test_set_quantity(run, e3, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    give(e3, 2)

    result = run("set_quantity", "--subscription", e3.subscription.name, "--sku", "officeseries_e3", "12")

    assert result.code == 0, result.err
    assert result.out == f"OFFICESERIES_E3 in {e3.subscription.name}: quantity 5 -> 12 (2 assigned, 10 available).\n"
    assert LicensePool.objects.get(pk=e3.pk).quantity == 12
    event = AuditEvent.objects.get(action=AuditAction.QUANTITY_CHANGED)
    assert (event.source, event.actor_label, event.details) == (
        Source.CLI,
        "ops",
        {"old_quantity": 5, "new_quantity": 12},
    )


def test_set_quantity_below_assigned_is_refused(run, e3):
    give(e3, 3)

    result = run("set_quantity", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "1")

    assert result.code == 1
    assert result.err == (
        "error [quantity_below_assigned]: E3 has 3 licenses assigned: unassign 2 before lowering the quantity to 1.\n"
    )
    assert LicensePool.objects.get(pk=e3.pk).quantity == 5


def test_set_quantity_needs_the_role(run, e3, user_admin):
    result = run(
        "set_quantity",
        "--subscription",
        e3.subscription.name,
        "--sku",
        "OFFICESERIES_E3",
        "9",
        "--as",
        user_admin.email,
    )

    assert (result.code, result.err.split(":")[0]) == (1, "error [permission_denied]")


def test_set_quantity_negative_is_a_validation_error(run, e3):
    result = run("set_quantity", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--", "-1")

    assert (result.code, result.err.split(":")[0]) == (1, "error [validation_error]")


def test_reconcile_without_drift(run, e3):
    give(e3, 2)

    result = run("reconcile_licenses", "--fix")

    assert result.code == 0
    assert result.out == "No drift: every pool's counter matches its assignments.\n"
    assert not AuditEvent.objects.filter(action=AuditAction.POOL_RECONCILED).exists()


def make_drift(e3):
    """Drift made by hand, past the services: one pool's counter is bumped, another loses a row."""
    other = LicensePoolFactory(subscription=e3.subscription, quantity=5)
    give(e3, 2)
    users = give(other, 3)
    LicensePool.objects.filter(pk=e3.pk).update(assigned=4)
    LicenseAssignment.objects.filter(pool=other, user=users[0]).delete()
    return other


def test_reconcile_without_drift_and_without_fix_exits_0(run, e3):
    give(e3, 2)

    result = run("reconcile_licenses")

    assert (result.code, result.err) == (0, "")
    assert result.out == "No drift: every pool's counter matches its assignments.\n"


def test_reconcile_reports_drift_exits_1_and_changes_nothing(run, e3):
    """Like `makemigrations --check`: a scheduled run that finds drift fails, so that it alerts."""
    other = make_drift(e3)

    result = run("reconcile_licenses")

    assert result.code == 1
    name = e3.subscription.name
    assert result.out.splitlines() == [
        "subscription\tsku\tcounter\trows",
        f"{name}\tOFFICESERIES_E3\t4\t2",
        f"{name}\t{other.product.sku_part_number}\t3\t2",
    ]
    assert result.err == "drift: 2 pools' counters differ from their assignments; run with --fix to repair them.\n"
    assert LicensePool.objects.get(pk=e3.pk).assigned == 4
    assert not AuditEvent.objects.filter(action=AuditAction.POOL_RECONCILED).exists()


def test_reconcile_fix_repairs_and_audits(run, e3, assert_pool_counters, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    other = make_drift(e3)

    result = run("reconcile_licenses", "--fix")

    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "Fixed 2 pools."
    assert_pool_counters()
    assert [LicensePool.objects.get(pk=pool.pk).assigned for pool in (e3, other)] == [2, 2]
    events = AuditEvent.objects.filter(action=AuditAction.POOL_RECONCILED)
    assert {event.product_id: (event.details, event.source, event.actor_label) for event in events} == {
        e3.product_id: ({"old_assigned": 4, "new_assigned": 2}, Source.CLI, "ops"),
        other.product_id: ({"old_assigned": 3, "new_assigned": 2}, Source.CLI, "ops"),
    }
    assert run("reconcile_licenses").out.startswith("No drift")


def test_reconcile_fix_refuses_rows_beyond_the_quantity_and_writes_nothing(run, e3):
    other = LicensePoolFactory(subscription=e3.subscription, quantity=5)
    give(other, 1)
    LicensePool.objects.filter(pk=other.pk).update(assigned=3)  # fixable drift ...
    give(e3, 5)
    LicenseAssignment.objects.create(pool=e3, user=UserFactory())  # ... and a sixth row in a pool of five

    result = run("reconcile_licenses", "--fix")

    assert result.code == 1
    assert result.err == (
        "error [quantity_below_assigned]: E3 has 6 licenses assigned: unassign 1 before lowering the quantity to 5.\n"
    )
    assert LicensePool.objects.get(pk=other.pk).assigned == 3
    assert not AuditEvent.objects.filter(action=AuditAction.POOL_RECONCILED).exists()


def test_reconcile_as_a_subscription_admin_sees_only_their_pools(run, e3, other_subscription_admin):
    make_drift(e3)

    result = run("reconcile_licenses", "--as", other_subscription_admin.email)

    assert result.out.startswith("No drift")
