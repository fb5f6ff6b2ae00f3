"""core.sql.compiled_once and statement_once: an annotation's or a whole statement's SQL built once per key (and,
for a statement, per length of its lists of values), and the same rows as the query it stands for."""

import datetime
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.sql import compiled_once, statement_once
from core.writes import update_write_once, writes_run
from licensing.choices import ASSIGNABLE_STATUSES, SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool, Product
from licensing.selectors.skus import users_skus
from licensing.selectors.sources import users_licenses
from tests.factories import UserFactory


def _licenses_held(pool_ids: list[int]) -> Subquery:
    """How many of `pool_ids` the outer user holds."""
    held = (
        LicenseAssignment.objects.filter(user=OuterRef("pk"), pool_id__in=pool_ids)
        .order_by()
        .values("user")
        .annotate(held=Count("pk"))
        .values("held")
    )
    return Subquery(held)


def test_the_compiled_annotation_gives_each_row_what_the_expression_gives(org):
    pool_ids = [org.pool_e3.pk]
    users = User.objects.order_by("pk")

    expected = list(users.annotate(held=_licenses_held(pool_ids)).values_list("pk", "held"))
    compiled = compiled_once(User, object(), lambda: _licenses_held(pool_ids))

    assert list(users.annotate(held=compiled).values_list("pk", "held")) == expected
    assert (org.alex.pk, 1) in expected


def test_an_expression_is_built_once_per_key(org):
    built = []

    def build(pool_ids: list[int]):
        built.append(pool_ids)
        return _licenses_held(pool_ids)

    key, other_key = object(), object()  # keys no other test uses
    for _ in range(3):
        compiled_once(User, key, lambda: build([org.pool_e3.pk]))
    other = compiled_once(User, other_key, lambda: build([-1]))

    assert built == [[org.pool_e3.pk], [-1]]
    assert not User.objects.annotate(held=other).filter(held__isnull=False).exists()


def _licenses_of(user_ids: list[int]):
    """A values_list whose values need converting (a JSON list, a time, a boolean), of `user_ids`' licenses."""
    return (
        LicenseAssignment.objects.filter(user_id__in=user_ids)
        .order_by("pk")
        .values_list("pk", "user_id", "pool__product__name", "disabled_plans", "assigned_at", "direct")
    )


def test_a_statement_gives_the_rows_of_its_query_with_each_calls_own_ids(org):
    built = []

    def build(user_ids):
        built.append(list(user_ids))
        return _licenses_of(user_ids)

    key = object()
    for user_ids in ([org.alex.pk], [org.henrietta.pk], [org.adele.pk]):
        rows = statement_once(LicenseAssignment, key, build, user_ids=user_ids)
        assert rows == [list(row) for row in _licenses_of(user_ids)]
    both = [org.alex.pk, org.henrietta.pk]
    assert statement_once(LicenseAssignment, key, build, user_ids=both) == [list(row) for row in _licenses_of(both)]

    assert len(built) == 2, "compiled once per length of the list of ids"
    converted = statement_once(LicenseAssignment, key, build, user_ids=both)
    assert [(type(plans), type(assigned_at), type(direct)) for *_, plans, assigned_at, direct in converted] == [
        (list, datetime.datetime, bool)
    ] * 3


def test_a_statement_of_text_values(org):
    def build(emails):
        return User.objects.filter(email=emails[0]).values_list("pk", flat=True)

    key = object()
    assert statement_once(User, key, build, emails=[org.alex.email]) == [[org.alex.pk]]
    assert statement_once(User, key, build, emails=[org.adele.email]) == [[org.adele.pk]]
    assert statement_once(User, key, build, emails=["nobody@contoso.test"]) == []


def test_a_statement_of_uuid_values(org):
    """A UUID goes as one on PostgreSQL and as its hex text on SQLite: either way each call's own is used."""

    def build(sku_ids):
        return Product.objects.filter(sku_id__in=sku_ids).order_by("pk").values_list("sku_part_number", flat=True)

    key = object()
    assert statement_once(Product, key, build, sku_ids=[org.e3.sku_id]) == [["OFFICESERIES_E3"]]
    assert statement_once(Product, key, build, sku_ids=[org.e5.sku_id]) == [["OFFICESERIES_E5"]]
    assert statement_once(Product, key, build, sku_ids=[uuid.uuid4()]) == []


def test_a_statement_that_can_match_nothing_sends_no_query(org):
    with CaptureQueriesContext(connection) as captured:
        assert statement_once(LicenseAssignment, object(), _licenses_of, user_ids=[]) == []
    assert captured.captured_queries == []


def test_a_value_the_statement_does_not_take_as_a_parameter_is_refused(org):
    """Were a value compiled into the SQL itself, every later call would run with the first call's value."""
    with pytest.raises(ValueError, match="not parameters"):
        statement_once(LicenseAssignment, object(), lambda user_ids: _licenses_of([org.alex.pk]), user_ids=[1])


def test_the_licenses_read_in_one_scope_are_never_those_of_another(org):
    """users_licenses compiles its statement once per scope: a Subscription Administrator, read after a Global
    Administrator, still sees only their subscription."""
    everywhere = users_licenses(user_ids=[org.alex.pk], actor=org.users["global_admin"])[org.alex.pk]
    scoped = users_licenses(user_ids=[org.alex.pk], actor=org.users["subscription_admin"])[org.alex.pk]

    assert {entry.pool.subscription for entry in everywhere} == {org.s, org.t}
    assert {entry.pool.subscription for entry in scoped} == {org.s}


def test_the_skus_read_in_one_scope_are_never_those_of_another(org):
    """users_skus, Graph's licenses of users, is compiled once per scope too."""
    everywhere = users_skus(user_ids=[org.alex.pk], actor=org.users["global_admin"])[org.alex.pk]
    scoped = users_skus(user_ids=[org.alex.pk], actor=org.users["subscription_admin"])[org.alex.pk]

    # One source for each license: a product held in both subscriptions is one sku with a source from each.
    held = LicenseAssignment.objects.filter(user=org.alex)
    assert sum(len(sku.sources) for sku in everywhere) == held.count() > held.filter(pool__subscription=org.s).count()
    assert sum(len(sku.sources) for sku in scoped) == held.filter(pool__subscription=org.s).count()


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_is_refused_outside_a_transaction_on_every_call():
    """Django refuses select_for_update outside a transaction when it compiles the statement, which here is once."""
    user = UserFactory()

    def build(user_ids):
        return User.objects.select_for_update().filter(pk=user_ids[0]).values_list("pk")

    key = object()
    with transaction.atomic():
        assert statement_once(User, key, build, user_ids=[user.pk]) == [[user.pk]]
    with pytest.raises(TransactionManagementError):
        statement_once(User, key, build, user_ids=[user.pk])


def test_an_update_compiled_once_moves_the_rows_of_each_calls_own_ids(org):
    """core.writes.update_write_once, as every license change moves its pools' counters (counters_write): compiled
    once per shape, run with each call's ids, and the condition on a related row kept in it."""
    built = []

    def build(pool_ids: list[int]):
        built.append(list(pool_ids))
        rows = LicensePool.objects.filter(pk__in=pool_ids, subscription__status__in=ASSIGNABLE_STATUSES)
        return rows, {"assigned": F("assigned") + 1}

    key = object()
    before = dict(LicensePool.objects.values_list("pk", "assigned"))
    for pool in (org.pool_e3, org.pool_e5):
        assert writes_run([update_write_once(LicensePool, key, build, pool_ids=[pool.pk])]) == [1]
    org.t.status = SubscriptionStatus.EXPIRED
    org.t.save(update_fields=["status"])
    assert writes_run([update_write_once(LicensePool, key, build, pool_ids=[org.t.pools.first().pk])]) == [0]
    after = dict(LicensePool.objects.values_list("pk", "assigned"))
    assert {pk: after[pk] - before[pk] for pk in after if after[pk] != before[pk]} == {
        org.pool_e3.pk: 1,
        org.pool_e5.pk: 1,
    }
    assert len(built) == 1, "compiled once for every call with one id"
