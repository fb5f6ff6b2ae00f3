import pytest

from core.audit import Actor
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import ProductFactory, UserFactory


def assign(run, pool, *argv):
    return run("assign_license", "--subscription", pool.subscription.name, "--sku", "OFFICESERIES_E3", *argv)


def test_assigns_to_the_users_named(run, e3):
    users = UserFactory.create_batch(2)

    result = assign(run, e3, "--user", users[0].email, "--user", users[1].email.upper())

    assert result.code == 0, result.err
    assert result.out == (
        f"OFFICESERIES_E3 in {e3.subscription.name}: changed 2, unchanged 0; pool has 2 of 5 assigned, 3 available.\n"
    )
    assert set(LicenseAssignment.objects.values_list("user_id", flat=True)) == {user.pk for user in users}
    e3.refresh_from_db()
    assert e3.assigned == 2
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).count() == 2


def test_subscription_by_id_and_product_by_sku_id(run, e3):
    user = UserFactory()

    result = run(
        "assign_license",
        "--subscription",
        str(e3.subscription.pk),
        "--sku",
        str(e3.product.sku_id),
        "--user",
        user.email,
    )

    assert result.code == 0, result.err
    assert LicenseAssignment.objects.filter(user=user, pool=e3).exists()


@pytest.mark.parametrize(
    "content",
    [
        "{a}\n{b}\n\n",
        "email,name\r\n{a},A\r\n{b},B\r\n",
        "\ufeff{a}\r\n{b}\r\n{a}\r\n",
    ],
    ids=["lines", "csv-crlf", "bom-and-repeat"],
)
def test_users_file(run, e3, write_file, content):
    a, b = UserFactory.create_batch(2)
    path = write_file("users.txt", content.format(a=a.email, b=b.email))

    result = assign(run, e3, "--users-file", path)

    assert result.code == 0, result.err
    assert set(LicenseAssignment.objects.values_list("user_id", flat=True)) == {a.pk, b.pk}


def test_one_unknown_user_and_nothing_is_assigned(run, e3):
    user = UserFactory()

    result = assign(run, e3, "--user", user.email, "--user", "ghost@example.test")

    assert result.code == 1
    assert result.err == "error [not_found]: Unknown user: ghost@example.test.\n"
    assert not LicenseAssignment.objects.exists()


def test_a_bad_line_in_the_users_file_and_nothing_is_assigned(run, e3, write_file):
    user = UserFactory()
    path = write_file("users.txt", f"{user.email}\nnot an email\n")

    result = assign(run, e3, "--users-file", path)

    assert result.code == 1
    assert f"{path}: line 2: [validation_error] email 'not an email'" in result.err
    assert not LicenseAssignment.objects.exists()


def test_skip_invalid_goes_on_with_the_others(run, e3, write_file):
    user = UserFactory()
    path = write_file("users.txt", f"{user.email}\nnot an email\nghost@example.test\n")

    result = assign(run, e3, "--users-file", path, "--skip-invalid")

    assert result.code == 0
    assert "skipped ghost@example.test: [not_found]" in result.err
    assert list(LicenseAssignment.objects.values_list("user_id", flat=True)) == [user.pk]


def test_not_enough_licenses_assigns_none(run, e3):
    users = UserFactory.create_batch(6)

    result = assign(run, e3, *[arg for user in users for arg in ("--user", user.email)])

    assert result.code == 1
    assert result.err == "error [not_enough_licenses]: Not enough E3 licenses: needs 6, 5 available.\n"
    assert not LicenseAssignment.objects.exists()
    assert LicensePool.objects.get(pk=e3.pk).assigned == 0


def test_suspended_subscription_refuses(run, e3):
    e3.subscription.status = SubscriptionStatus.SUSPENDED
    e3.subscription.save()

    result = assign(run, e3, "--user", UserFactory().email)

    assert (result.code, result.err.split(":")[0]) == (1, "error [subscription_not_active]")


@pytest.mark.parametrize(
    ("option", "value", "code"),
    [("--subscription", "No such", "not_found"), ("--sku", "NO_SUCH_SKU", "not_found")],
)
def test_unknown_subscription_or_product(run, e3, option, value, code):
    argv = {"--subscription": e3.subscription.name, "--sku": "OFFICESERIES_E3", option: value}
    result = run("assign_license", *[part for pair in argv.items() for part in pair], "--user", UserFactory().email)

    assert (result.code, result.err.split(":")[0]) == (1, f"error [{code}]")


def test_product_not_in_subscription(run, e3):
    ProductFactory(sku_part_number="LONELY")

    result = run(
        "assign_license", "--subscription", e3.subscription.name, "--sku", "lonely", "--user", UserFactory().email
    )

    assert (result.code, result.err.split(":")[0]) == (1, "error [product_not_in_subscription]")


def test_no_users_is_bad_usage(run, e3):
    assert assign(run, e3).code == 2


def test_dry_run_prints_the_plan_and_the_pool_after_and_writes_nothing(run, e3):
    holder, newcomer = UserFactory.create_batch(2)
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[holder], by=Actor(None, "system"))
    events_before = AuditEvent.objects.count()

    result = assign(run, e3, "--user", holder.email, "--user", newcomer.email, "--dry-run")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"unchanged\t{holder.email}",
        f"would assign\t{newcomer.email}",
        f"OFFICESERIES_E3 in {e3.subscription.name}: would change 1, unchanged 1; "
        "pool would have 2 of 5 assigned, 3 available.",
    ]
    assert list(LicenseAssignment.objects.values_list("user_id", flat=True)) == [holder.pk]
    assert LicensePool.objects.get(pk=e3.pk).assigned == 1
    assert AuditEvent.objects.count() == events_before


def test_dry_run_of_a_refused_change_exits_1(run, e3):
    result = assign(
        run, e3, *[arg for user in UserFactory.create_batch(6) for arg in ("--user", user.email)], "--dry-run"
    )

    assert (result.code, result.err.split(":")[0]) == (1, "error [not_enough_licenses]")


def test_unassign(run, e3):
    holder, other = UserFactory.create_batch(2)
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[holder], by=Actor(None, "system"))

    result = run(
        "unassign_license",
        *("--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3"),
        *("--user", holder.email, "--user", other.email, "-v", "2"),
    )

    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [f"unassigned\t{holder.email}", f"not_assigned\t{other.email}"]
    assert not LicenseAssignment.objects.exists()
    assert LicensePool.objects.get(pk=e3.pk).assigned == 0
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_UNASSIGNED).count() == 1


def test_unassign_dry_run_writes_nothing(run, e3):
    holder = UserFactory()
    licenses_bulk_assign(subscription=e3.subscription, product=e3.product, users=[holder], by=Actor(None, "system"))

    result = run(
        "unassign_license",
        *("--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", holder.email, "--dry-run"),
    )

    assert result.out.splitlines()[0] == f"would unassign\t{holder.email}"
    assert "pool would have 0 of 5 assigned" in result.out
    assert LicenseAssignment.objects.count() == 1
