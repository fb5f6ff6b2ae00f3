"""RowCount, kept by the database's triggers (core migration 0009, accounts 0015): every way of adding or removing
users, memberships and audit events moves it in the same statement, on SQLite and on PostgreSQL. The count of every
user or event and a group's number of members read it; a narrower count still counts the rows."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from accounts.models import Group, GroupMembership, User
from accounts.selectors import group_member_count, groups_visible, users_directory
from accounts.services.groups import group_members_change
from accounts.services.imports import users_import
from accounts.services.users import user_create, user_delete
from core.audit import Actor
from core.choices import Counted, Source
from core.models import AuditEvent, RowCount
from licensing.integrity import row_count_problems
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.group_licenses import group_licenses_change
from tests.concurrency import THREAD_TIMEOUT, run_at_once, unexpected
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory

SYSTEM = Actor(None, Source.SYSTEM)


def counted(model) -> int:
    """The table's rows, counted (not count(), which reads RowCount)."""
    return model.objects.order_by().aggregate(rows=Count("pk"))["rows"]


def members(group: Group) -> int:
    return GroupMembership.objects.filter(group=group).aggregate(rows=Count("pk"))["rows"]


def test_every_way_of_adding_and_removing_rows_moves_the_counts(global_admin):
    by = Actor(global_admin, Source.CLI)
    users, events = counted(User), counted(AuditEvent)
    group = GroupFactory()
    UserFactory()
    created = user_create(by=by, email="created@example.test")
    User.objects.bulk_create([User(email=f"bulk{n}@example.test") for n in range(3)])
    users_import(by=by, rows=[{"email": f"imported{n}@example.test"} for n in range(4)])
    group_members_change(by=by, group=group, add=list(User.objects.filter(email__startswith="imported")))
    assert RowCount.objects.total(Counted.USERS) == counted(User) == users + 9
    assert RowCount.objects.total(Counted.GROUP_MEMBERS, group.pk) == members(group) == 4
    assert RowCount.objects.total(Counted.AUDIT_EVENTS) == counted(AuditEvent) > events

    user_delete(by=by, user=created)
    user_delete(by=by, user=User.objects.get(email="imported0@example.test"))  # their membership goes with them
    User.objects.filter(email__startswith="bulk").delete()
    group_members_change(by=by, group=group, remove=[User.objects.get(email="imported1@example.test")])
    assert RowCount.objects.total(Counted.USERS) == counted(User) == users + 4
    assert RowCount.objects.total(Counted.GROUP_MEMBERS, group.pk) == members(group) == 2
    assert row_count_problems() == []


def test_a_subscriptions_holders_follow_every_way_of_giving_and_taking_licenses(db):
    """Users holding a license of the subscription, at all and directly: a second license or a group's moves
    neither count that should not move."""
    subscription = SubscriptionFactory()
    first, second = LicensePoolFactory.create_batch(2, subscription=subscription, quantity=5)
    user, member = UserFactory.create_batch(2)

    def kept() -> tuple[int, int]:
        return (
            RowCount.objects.total(Counted.HOLDERS, subscription.pk),
            RowCount.objects.total(Counted.DIRECT_HOLDERS, subscription.pk),
        )

    user_licenses_change(by=SYSTEM, user=user, subscription=subscription, add=[first.product, second.product])
    assert kept() == (1, 1)
    group = GroupFactory()
    group_licenses_change(by=SYSTEM, group=group, subscription=subscription, add=[first.product])
    group_members_change(by=SYSTEM, group=group, add=[user, member])
    assert kept() == (2, 1)
    user_licenses_change(by=SYSTEM, user=user, subscription=subscription, remove=[first.product, second.product])
    assert kept() == (2, 0)  # the user keeps the group's license
    licenses_bulk_assign(by=SYSTEM, subscription=subscription, product=second.product, users=[user, member])
    assert kept() == (2, 2)
    licenses_bulk_unassign(by=SYSTEM, subscription=subscription, product=second.product, users=[user, member])
    group_members_change(by=SYSTEM, group=group, remove=[member])
    assert kept() == (1, 0)
    user_delete(by=SYSTEM, user=user)
    assert kept() == (0, 0)
    assert row_count_problems() == []


def test_the_count_of_every_row_reads_the_kept_count_not_the_table(global_admin):
    UserFactory.create_batch(3)
    group = GroupFactory()
    GroupMembership.objects.create(group=group, user=global_admin)
    every, events = counted(User), counted(AuditEvent)
    for rows, expected, table in (
        (User.objects.all(), every, "accounts_user"),
        (User.objects.order_by("email"), every, "accounts_user"),
        (users_directory(actor=global_admin), every, "accounts_user"),  # its principal name is of the row itself
        (AuditEvent.objects.all(), events, "licensing_auditevent"),
        (groups_visible(actor=global_admin), 1, "accounts_groupmembership"),  # the groups, not their members
    ):
        with CaptureQueriesContext(connection) as captured:
            assert rows.count() == expected
        [statement] = [query["sql"] for query in captured.captured_queries]
        assert f'"{table}"' not in statement, statement
    with CaptureQueriesContext(connection) as captured:
        assert group_member_count(groups_visible(actor=global_admin).get()) == 1
        assert group_member_count(Group.objects.get()) == 1
    assert not any('"accounts_groupmembership"' in query["sql"] for query in captured.captured_queries)


def test_a_narrower_set_is_counted(db):
    """Each of these would be wrong read from the kept count: the count must be of the rows."""
    first, second, _ = UserFactory.create_batch(3)
    User.objects.filter(pk=first.pk).update(is_active=False)
    for group in GroupFactory.create_batch(2):
        GroupMembership.objects.create(group=group, user=second)  # one user, two rows once joined
    every = counted(User)
    assert User.objects.filter(is_active=False).count() == 1
    assert User.objects.none().count() == 0
    assert User.objects.all()[:2].count() == 2
    assert User.objects.values("group_memberships__group").count() == every + 1
    assert User.objects.filter(pk=first.pk).order_by().union(User.objects.filter(pk=second.pk).order_by()).count() == 2
    assert User.objects.values("department").distinct().count() == 1


def test_a_count_that_drifted_is_a_problem(db):
    UserFactory()
    group = GroupFactory()
    RowCount.objects.create(counted=Counted.USERS, slot=99, rows=1)  # a slot no trigger writes
    RowCount.objects.create(counted=Counted.GROUP_MEMBERS, subject_id=group.pk, slot=99, rows=-1)
    assert row_count_problems() == [
        f"A group's members of group {group.pk}: counted -1, there are 0",
        f"Users: counted {counted(User) + 1}, there are {counted(User)}",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_no_count_behind(db):
    """Tests empty every table between them (TRUNCATE on PostgreSQL, DELETE on SQLite, in either table order)."""
    UserFactory.create_batch(2)
    call_command("flush", interactive=False, verbosity=0)
    assert RowCount.objects.total(Counted.USERS) == counted(User) == 0
    UserFactory()
    assert RowCount.objects.total(Counted.USERS) == 1


@pytest.mark.django_db(transaction=True)
def test_migrating_back_and_forth_counts_the_rows_once(db):
    """Unapplying the migrations that keep the counts drops the counts with their triggers; applying them again
    counts the rows there are then, once."""
    group = GroupFactory()
    users = UserFactory.create_batch(3)
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=user) for user in users])
    pool = LicensePoolFactory(quantity=5)
    user_licenses_change(by=SYSTEM, user=users[0], subscription=pool.subscription, add=[pool.product])
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("accounts", "0014_list_order_index_declared"), ("licensing", "0014_holders_updated_in_place")])
    User.objects.bulk_create([User(email="uncounted@example.test")])  # no trigger counts it now
    MigrationExecutor(connection).migrate(leaves)
    assert RowCount.objects.total(Counted.USERS) == counted(User) == 4
    assert RowCount.objects.total(Counted.GROUP_MEMBERS, group.pk) == 3
    assert RowCount.objects.total(Counted.HOLDERS, pool.subscription_id) == 1
    assert row_count_problems() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connections_adding_and_removing_at_once_keep_the_counts_exact():
    """A row added in one transaction and deleted in another may leave one slot above zero and one below: the sum
    is the rows there are."""
    doomed = UserFactory.create_batch(4)
    group = GroupFactory()
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=user) for user in doomed])

    def add(n: int):
        return lambda: GroupMembership.objects.create(group=group, user=UserFactory(email=f"racer{n}@example.test"))

    def remove(user: User):
        return lambda: User.objects.filter(pk=user.pk).delete()

    outcomes = run_at_once([add(n) for n in range(8)] + [remove(user) for user in doomed])
    assert unexpected(outcomes) == []
    assert RowCount.objects.total(Counted.USERS) == counted(User)
    assert RowCount.objects.total(Counted.GROUP_MEMBERS, group.pk) == members(group) == 8
    assert row_count_problems() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_never_waits_for_another_to_count():
    """While one transaction holds the slot it added a user to, another adds a user and commits without waiting
    for it (on one counter row it would wait until the first commits: here it would fail after its lock timeout)."""
    UserFactory()  # a slot, committed, for the first writer to take
    added, released = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic():
            UserFactory(email="holder@example.test")
            added.set()
            assert released.wait(THREAD_TIMEOUT)

    def other():
        try:
            assert added.wait(THREAD_TIMEOUT)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                UserFactory(email="other@example.test")
        finally:
            released.set()

    assert unexpected(run_at_once([holder, other])) == []
    assert RowCount.objects.total(Counted.USERS) == counted(User) == 3
    assert RowCount.objects.filter(counted=Counted.USERS).count() == 2  # the second writer took a slot of its own
