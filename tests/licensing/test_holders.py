"""SubscriptionHolder, kept by the database's triggers (migration 0011): every path that gives or takes a license
moves it in the same statement, on SQLite and on PostgreSQL, and the counts of the users lists read it."""

import pytest
from django.db import connection

from accounts.models import User
from accounts.permissions import admin_scope
from accounts.services.groups import group_members_change
from accounts.services.users import user_delete
from core.audit import Actor
from core.choices import Source
from licensing.filtersets import UserLicenseFilterSet
from licensing.integrity import holder_problems
from licensing.models import LicenseAssignment, SubscriptionHolder
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.group_licenses import group_licenses_change
from tests.concurrency import run_at_once, unexpected
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory

BY = Actor(None, Source.CLI)


def held(subscription, user) -> tuple[int, int]:
    row = SubscriptionHolder.objects.filter(subscription=subscription, user=user).first()
    return (row.licenses, row.direct) if row else (0, 0)


@pytest.fixture
def two_pools(db):
    subscription = SubscriptionFactory()
    return LicensePoolFactory(subscription=subscription), LicensePoolFactory(subscription=subscription)


def test_direct_and_group_sources_move_the_row(two_pools):
    first, second = two_pools
    subscription, user = first.subscription, UserFactory()
    user_licenses_change(user=user, subscription=subscription, add=[first.product, second.product], by=BY)
    assert held(subscription, user) == (2, 2)

    group = GroupFactory()
    group_licenses_change(by=BY, group=group, subscription=subscription, add=[first.product])
    group_members_change(by=BY, group=group, add=[user])
    user_licenses_change(user=user, subscription=subscription, remove=[first.product], by=BY)
    assert held(subscription, user) == (2, 1)  # the first license stays, from the group alone

    group_members_change(by=BY, group=group, remove=[user])
    assert held(subscription, user) == (1, 1)
    user_licenses_change(user=user, subscription=subscription, remove=[second.product], by=BY)
    assert held(subscription, user) == (0, 0)
    assert holder_problems() == []


def test_bulk_paths_and_a_deleted_user(two_pools):
    first, second = two_pools
    subscription, users = first.subscription, UserFactory.create_batch(3)
    for pool in two_pools:
        licenses_bulk_assign(subscription=subscription, product=pool.product, users=users, by=BY)
    assert [held(subscription, user) for user in users] == [(2, 2)] * 3
    licenses_bulk_unassign(subscription=subscription, product=first.product, users=users[:2], by=BY)
    assert [held(subscription, user) for user in users] == [(1, 1), (1, 1), (2, 2)]

    user_delete(by=BY, user=users[2])
    assert not SubscriptionHolder.objects.filter(user_id=users[2].pk).exists()
    assert holder_problems() == []


def test_hand_written_sql_moves_it_too(pool):
    user = UserFactory()
    LicenseAssignment.objects.create(pool=pool, user=user, direct=False)
    assert held(pool.subscription, user) == (1, 0)
    LicenseAssignment.objects.filter(pool=pool, user=user).update(direct=True)
    assert held(pool.subscription, user) == (1, 1)
    LicenseAssignment.objects.filter(pool=pool, user=user).delete()
    assert held(pool.subscription, user) == (0, 0)


def test_a_row_out_of_step_is_reported(pool):
    user = UserFactory()
    licenses_bulk_assign(subscription=pool.subscription, product=pool.product, users=[user], by=BY)
    with connection.cursor() as cursor:  # past the triggers, as a restore that skipped them would leave it
        cursor.execute("UPDATE licensing_subscriptionholder SET direct = 0")
    assert holder_problems() == [
        f"subscription {pool.subscription_id}, user {user.pk}: holder row (1, 0), assignment rows (1, 1) "
        "(licenses, direct)"
    ]


def test_the_counts_of_the_users_list_read_the_rows(two_pools, global_admin, subscription_admin, subscription):
    first, second = two_pools
    users = UserFactory.create_batch(4)
    licenses_bulk_assign(subscription=first.subscription, product=first.product, users=users[:3], by=BY)
    licenses_bulk_assign(subscription=first.subscription, product=second.product, users=users[1:3], by=BY)
    group = GroupFactory()
    group_licenses_change(by=BY, group=group, subscription=first.subscription, add=[second.product])
    group_members_change(by=BY, group=group, add=[users[3]])  # licensed from a group alone
    returned = UserFactory()  # held a license and gave it back: their row stays, at zero, and counts for nothing
    user_licenses_change(user=returned, subscription=first.subscription, add=[first.product], by=BY)
    user_licenses_change(user=returned, subscription=first.subscription, remove=[first.product], by=BY)
    assert held(first.subscription, returned) == (0, 0)

    def count(query: dict, admin=global_admin) -> tuple[int, int]:
        filterset = UserLicenseFilterSet(query, queryset=User.objects.all(), scope=admin_scope(admin))
        assert filterset.is_valid(), filterset.errors
        return filterset.count(filterset.qs), filterset.qs.count()

    one = {"subscription": first.subscription_id}
    for query in (
        {**one, "licensed": "true"},
        {**one, "licensed": "false"},
        {**one, "source": "direct"},
        {"licensed": "true"},
        {"licensed": "false"},
        {"source": "direct"},
    ):
        counted, listed = count(query)
        assert counted == listed, query
    assert count({**one, "licensed": "true"}) == (4, 4)
    assert count({**one, "source": "direct"}) == (3, 3)
    # An admin of another subscription sees none of these licenses.
    assert count({"licensed": "true"}, admin=subscription_admin) == (0, 0)


@pytest.mark.postgres
def test_a_second_license_updates_the_row_in_its_page(two_pools):
    """A HOT update (migration 0014): while `held` and `held_directly` stay as they were, PostgreSQL writes the
    row's new version in its page and no index entry. An index testing `licenses` itself would forbid it."""
    first, second = two_pools
    subscription, user = first.subscription, UserFactory()

    def updated() -> tuple[int, int]:  # this transaction's updates of the table, and how many were HOT
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
                " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                [SubscriptionHolder._meta.db_table] * 2,
            )
            return cursor.fetchone()

    user_licenses_change(user=user, subscription=subscription, add=[first.product], by=BY)
    before = updated()
    user_licenses_change(user=user, subscription=subscription, add=[second.product], by=BY)
    user_licenses_change(user=user, subscription=subscription, remove=[first.product], by=BY)
    assert held(subscription, user) == (1, 1)
    assert [after - earlier for after, earlier in zip(updated(), before, strict=True)] == [2, 2]
    # Room on each page for the new versions a bulk change writes, page by page.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [SubscriptionHolder._meta.db_table])
        assert cursor.fetchone()[0] == ["fillfactor=50"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_changes_of_one_users_subscription_keep_the_row(assert_pool_counters):
    """Two bulk changes on two pools of one subscription, over the same users in opposite orders, and a single
    change of each user on a third: the holder rows are locked in one order inside each statement, so nothing
    deadlocks and every row ends equal to its assignments."""
    subscription = SubscriptionFactory()
    pools = [LicensePoolFactory(subscription=subscription, quantity=100) for _ in range(3)]
    users = UserFactory.create_batch(30)

    def bulk(pool, ordered):
        for _ in range(5):
            licenses_bulk_assign(subscription=subscription, product=pool.product, users=ordered, by=BY)
            licenses_bulk_unassign(subscription=subscription, product=pool.product, users=ordered, by=BY)
        return licenses_bulk_assign(subscription=subscription, product=pool.product, users=ordered, by=BY).changed

    def singles():
        for user in users:
            user_licenses_change(user=user, subscription=subscription, add=[pools[2].product], by=BY)
        return len(users)

    outcomes = run_at_once([lambda: bulk(pools[0], users), lambda: bulk(pools[1], users[::-1]), singles])

    assert unexpected(outcomes) == [] and all(code == "ok" for code, _ in outcomes), outcomes
    assert set(SubscriptionHolder.objects.filter(subscription=subscription).values_list("licenses", "direct")) == {
        (3, 3)
    }
    assert_pool_counters()
