from accounts.models import User
from core.audit import Actor
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import LicensePoolFactory, ProductFactory, SubscriptionFactory, UserFactory

HEADER = "email,subscription,sku,action\n"


def holders(pool):
    return set(LicenseAssignment.objects.filter(pool=pool).values_list("user__email", flat=True))


def test_applies_assignments_and_unassignments(run, e3, write_file, assert_pool_counters):
    e5 = LicensePoolFactory(subscription=e3.subscription, product=ProductFactory(sku_part_number="E5"), quantity=1)
    a, b, c = UserFactory.create_batch(3)
    licenses_bulk_assign(subscription=e3.subscription, product=e5.product, users=[c], by=Actor(None, "system"))
    name = e3.subscription.name
    path = write_file(
        "changes.csv",
        HEADER + f"{a.email},{name},OFFICESERIES_E3,assign\n"
        f"{b.email},{name.upper()},officeseries_e3,ASSIGN\n"
        f"{c.email},{e3.subscription.pk},{e5.product.sku_id},unassign\n"
        f"{a.email},{name},E5,assign\n",  # takes the license c gives back: unassignments run first
    )

    result = run("import_assignments", path)

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "action\tsubscription\tsku\tchanged\tunchanged",
        f"unassign\t{name}\tE5\t1\t0",
        f"assign\t{name}\tE5\t1\t0",
        f"assign\t{name}\tOFFICESERIES_E3\t2\t0",
        "applied 4 rows, skipped 0 bad rows.",
    ]
    assert holders(e3) == {a.email, b.email}
    assert holders(e5) == {a.email}
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED, source="cli").count() == 3
    assert_pool_counters()


def test_every_bad_row_is_reported_and_nothing_is_written(run, e3, write_file):
    ProductFactory(sku_part_number="ELSEWHERE")
    user = UserFactory()
    name = e3.subscription.name
    path = write_file(
        "changes.csv",
        HEADER + f"{user.email},{name},OFFICESERIES_E3,assign\n"  # 2: good
        f"ghost@example.test,{name},OFFICESERIES_E3,assign\n"  # 3
        f"{user.email},No such subscription,OFFICESERIES_E3,assign\n"  # 4
        f"{user.email},{name},NO_SUCH_SKU,assign\n"  # 5
        f"{user.email},{name},ELSEWHERE,assign\n"  # 6
        f"{user.email},{name},OFFICESERIES_E3,unassign\n"  # 7
        f"bad-email,{name},OFFICESERIES_E3,give\n"  # 8
        f"{user.email},,OFFICESERIES_E3,assign\n",  # 9
    )

    result = run("import_assignments", path)

    assert result.code == 1
    reported = [line.removeprefix(f"{path}: ") for line in result.err.splitlines()]
    assert reported == [
        "line 3: [not_found] no user with email ghost@example.test",
        "line 4: [not_found] Unknown subscription: No such subscription.",
        "line 5: [not_found] Unknown product: NO_SUCH_SKU.",
        f"line 6: [product_not_in_subscription] subscription {name} has no ELSEWHERE licenses",
        "line 7: [validation_error] duplicate of line 2",
        "line 8: [validation_error] email 'bad-email': Enter a valid email address.",
        "line 8: [validation_error] action 'give': use assign or unassign",
        "line 9: [validation_error] subscription is missing",
        f"error [validation_error]: 7 bad rows in {path}; nothing was written.",
    ]
    assert not LicenseAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_subscription_outside_the_actors_scope_is_unknown(run, e3, write_file, other_subscription_admin):
    path = write_file("changes.csv", HEADER + f"{UserFactory().email},{e3.subscription.name},OFFICESERIES_E3,assign\n")

    result = run("import_assignments", path, "--as", other_subscription_admin.email)

    assert result.code == 1
    assert "line 2: [not_found] " in result.err
    assert not LicenseAssignment.objects.exists()


def test_a_refused_group_rolls_back_the_groups_before_it(run, e3, write_file):
    small = LicensePoolFactory(subscription=e3.subscription, product=ProductFactory(sku_part_number="ZZ"), quantity=1)
    users = UserFactory.create_batch(2)
    name = e3.subscription.name
    rows = [f"{user.email},{name},OFFICESERIES_E3,assign" for user in users]  # applied first (sorted by sku) ...
    rows += [f"{user.email},{name},ZZ,assign" for user in users]  # ... then refused: 2 wanted, 1 available
    path = write_file("changes.csv", HEADER + "\n".join(rows) + "\n")

    result = run("import_assignments", path)

    assert (result.code, result.err.split(":")[0]) == (1, "error [not_enough_licenses]")
    assert not LicenseAssignment.objects.exists()
    assert not AuditEvent.objects.exists()
    assert list(LicensePool.objects.order_by("pk").values_list("assigned", flat=True)) == [0, 0]
    assert small.pk


def test_skip_invalid_applies_the_good_rows(run, e3, write_file):
    user = UserFactory()
    path = write_file(
        "changes.csv",
        HEADER + f"{user.email},{e3.subscription.name},OFFICESERIES_E3,assign\nghost@example.test,x,y,assign\n",
    )

    result = run("import_assignments", path, "--skip-invalid")

    assert result.code == 0
    assert "line 3:" in result.err
    assert result.out.splitlines()[-1] == "applied 1 rows, skipped 1 bad rows."
    assert holders(e3) == {user.email}


def test_missing_columns(run, write_file, db):
    path = write_file("changes.csv", "email,subscription,product\na@example.test,S,X\n")

    result = run("import_assignments", path)

    assert result.code == 1
    assert "missing columns: sku, action; unknown columns: product" in result.err


def test_bom_windows_line_endings_and_dry_run(run, e3, write_file):
    user = UserFactory()
    content = (
        "\ufeffEmail,Subscription,SKU,Action\r\n" + f"{user.email},{e3.subscription.name},OFFICESERIES_E3,assign\r\n"
    )
    path = write_file("changes.csv", content.encode("utf-8"))

    result = run("import_assignments", path, "--dry-run")

    assert result.code == 0, result.err
    assert f"assign\t{e3.subscription.name}\tOFFICESERIES_E3\t1\t0" in result.out
    assert result.out.splitlines()[-1].startswith("dry run, nothing written")
    assert not LicenseAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_ten_thousand_users_imported_and_licensed(run, write_file, django_assert_max_num_queries):
    """The onboarding path at scale: import 10,000 users, then license every one of them from a CSV."""
    subscription = SubscriptionFactory(name="Contoso")
    pool = LicensePoolFactory(subscription=subscription, product=ProductFactory(sku_part_number="E3"), quantity=10_000)
    emails = [f"user{i:05d}@example.test" for i in range(10_000)]
    users_csv = write_file("users.csv", "email,department\n" + "".join(f"{email},Sales\n" for email in emails))
    changes_csv = write_file("changes.csv", HEADER + "".join(f"{email},Contoso,E3,assign\n" for email in emails))

    assert run("import_users", users_csv).code == 0
    with django_assert_max_num_queries(100):
        result = run("import_assignments", changes_csv)

    assert result.code == 0, result.err
    assert User.objects.count() == 10_000
    assert LicenseAssignment.objects.filter(pool=pool).count() == 10_000
    assert LicensePool.objects.get(pk=pool.pk).assigned == 10_000
