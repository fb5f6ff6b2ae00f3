"""Group licenses (README, "Group licenses"): inheritance, one license however many sources, the line of pending
members and every change that serves it, in the transaction of the change. The autouse check of conftest.py
verifies after every test that counters equal rows and that every license and place in the line has a source."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import GroupKind
from accounts.models import GroupMembership
from accounts.services.groups import group_create, group_delete, group_members_change, group_update
from accounts.services.users import user_create, user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import LicenseInherited, NotEnoughLicenses, NotFound, PermissionDenied, SubscriptionNotActive
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, LicensePool, PendingLicense
from licensing.selectors.groups import licenses_freed_by_group_delete, pool_line
from licensing.selectors.sources import license_sources
from licensing.services.group_licenses import group_licenses_change, pools_reprocess
from licensing.services.subscriptions import subscription_set_status
from tests.factories import GroupFactory, LicensePoolFactory, RoleAssignmentFactory, UserFactory
from tests.licensing.services.conftest import assigned, bulk_assign, bulk_unassign, change, held, set_quantity

pytestmark = pytest.mark.django_db

SYSTEM = Actor(None, Source.CLI, label="operator")


def give(group, *pools, by=SYSTEM):
    return group_licenses_change(by=by, group=group, subscription=pools[0].subscription, add=[p.product for p in pools])


def take(group, *pools, by=SYSTEM):
    return group_licenses_change(
        by=by, group=group, subscription=pools[0].subscription, remove=[p.product for p in pools]
    )


def join(group, *users):
    return group_members_change(by=SYSTEM, group=group, add=list(users))


def leave(group, *users):
    return group_members_change(by=SYSTEM, group=group, remove=list(users))


def waiting(pool) -> list[int]:
    return [entry.user_id for entry in pool_line(pool)]


def pending(pool) -> int:
    return LicensePool.objects.values_list("pending", flat=True).get(pk=pool.pk)


def actions(*names) -> list[tuple[str, str]]:
    wanted = names or None
    return [
        (event.action, event.subject_user_label)
        for event in AuditEvent.objects.order_by("pk")
        if wanted is None or event.action in wanted
    ]


@pytest.fixture
def sales():
    return GroupFactory(name="Sales")


@pytest.fixture
def people():
    return [UserFactory() for _ in range(5)]


def test_a_product_given_to_a_group_licenses_every_member(sales, people, pool_a, subscription):
    join(sales, *people[:3])

    change_ = give(sales, pool_a)

    assert change_.added == [pool_a.product]
    assert all(held(user) == {"SKU_A"} for user in people[:3])
    assert assigned(pool_a) == 3
    assert not LicenseAssignment.objects.filter(direct=True).exists()
    group_event = AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_ADDED)
    assert (group_event.product_label, group_event.details["group"]) == ("SKU_A", "Sales")
    licensed = AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED)
    assert sorted(event.subject_user_id for event in licensed) == [user.pk for user in people[:3]]
    assert {event.details["group"] for event in licensed} == {"Sales"}


def test_a_new_member_gets_the_license_at_once_and_a_leaver_loses_it(sales, people, pool_a):
    give(sales, pool_a)

    join(sales, people[0])
    assert held(people[0]) == {"SKU_A"}

    leave(sales, people[0])
    assert held(people[0]) == set()
    assert assigned(pool_a) == 0
    assert actions(AuditAction.LICENSE_ASSIGNED, AuditAction.LICENSE_UNASSIGNED) == [
        (AuditAction.LICENSE_ASSIGNED, people[0].email),
        (AuditAction.LICENSE_UNASSIGNED, people[0].email),
    ]


def test_members_beyond_the_free_licenses_wait_in_line_and_nobody_is_skipped(sales, people, pool_a):
    join(sales, *people)  # five members, three licenses

    give(sales, pool_a)

    assert assigned(pool_a) == 3
    assert waiting(pool_a) == [user.pk for user in people[3:]]
    assert pending(pool_a) == 2
    reasons = AuditEvent.objects.filter(action=AuditAction.LICENSE_PENDING).values_list("details", flat=True)
    assert {details["reason"] for details in reasons} == {"not_enough_licenses"}
    sources = license_sources(user_ids=[people[4].pk], pools=[pool_a])
    assert sources[people[4].pk, pool_a.pk].pending
    assert [group.name for group in sources[people[4].pk, pool_a.pk].groups] == ["Sales"]


def test_a_license_that_frees_up_goes_to_the_first_in_line_in_the_same_transaction(sales, people, pool_a):
    join(sales, *people)
    give(sales, pool_a)

    leave(sales, people[1])

    assert held(people[3]) == {"SKU_A"}  # the first in line, not people[4]
    assert waiting(pool_a) == [people[4].pk]
    assert assigned(pool_a) == 3
    filled = AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED, details__from_line=True).get()
    assert filled.subject_user_id == people[3].pk


def test_a_waiting_member_who_leaves_leaves_the_line(sales, people, pool_a):
    join(sales, *people)
    give(sales, pool_a)

    leave(sales, people[3])

    assert waiting(pool_a) == [people[4].pk]
    assert actions(AuditAction.LICENSE_PENDING_CANCELLED) == [(AuditAction.LICENSE_PENDING_CANCELLED, people[3].email)]


def test_a_direct_unassignment_serves_the_line(sales, people, pool_a, subscription):
    outsider = UserFactory()
    change(outsider, subscription, add=[pool_a])
    join(sales, *people[:3])
    give(sales, pool_a)  # 1 direct + 2 from the group, people[2] waits

    change(outsider, subscription, remove=[pool_a])

    assert held(people[2]) == {"SKU_A"}
    assert waiting(pool_a) == []


def test_a_direct_assignment_cannot_jump_the_line(sales, people, pool_a, subscription):
    join(sales, *people)
    give(sales, pool_a)

    with pytest.raises(NotEnoughLicenses) as caught:
        change(UserFactory(), subscription, add=[pool_a])

    assert caught.value.details["waiting"] == 2
    assert caught.value.message.endswith("2 group members wait in line and get the next free licenses.")
    with pytest.raises(NotEnoughLicenses):
        bulk_assign(pool_a, [UserFactory()])


def test_more_licenses_go_to_the_line_in_order(sales, people, pool_a):
    join(sales, *people)
    give(sales, pool_a)

    set_quantity(pool_a, 4)
    assert waiting(pool_a) == [people[4].pk]
    set_quantity(pool_a, 10)
    assert waiting(pool_a) == []
    assert assigned(pool_a) == 5


def test_members_wait_while_the_subscription_is_not_active_and_get_licenses_when_it_is(
    sales, people, pool_a, subscription
):
    subscription_set_status(by=SYSTEM, subscription=subscription, status=SubscriptionStatus.SUSPENDED)
    join(sales, *people[:2])

    give(sales, pool_a)  # never fails for lack of licenses

    assert assigned(pool_a) == 0
    assert waiting(pool_a) == [people[0].pk, people[1].pk]
    reasons = AuditEvent.objects.filter(action=AuditAction.LICENSE_PENDING).values_list("details", flat=True)
    assert {details["reason"] for details in reasons} == {"subscription_not_active"}
    with pytest.raises(SubscriptionNotActive):
        change(UserFactory(), subscription, add=[pool_a])

    subscription_set_status(by=SYSTEM, subscription=subscription, status=SubscriptionStatus.ACTIVE)

    assert waiting(pool_a) == []
    assert assigned(pool_a) == 2


def test_one_license_however_many_sources(sales, people, pool_a, subscription):
    marketing = GroupFactory(name="Marketing")
    user = people[0]
    join(sales, user)
    join(marketing, user)
    give(sales, pool_a)
    give(marketing, pool_a)
    change(user, subscription, add=[pool_a])  # direct too: consumes nothing more

    assert assigned(pool_a) == 1
    sources = license_sources(user_ids=[user.pk], pools=[pool_a])[user.pk, pool_a.pk]
    assert sources.direct
    assert [group.name for group in sources.groups] == ["Marketing", "Sales"]
    assert actions(AuditAction.LICENSE_DIRECT_ADDED) == [(AuditAction.LICENSE_DIRECT_ADDED, user.email)]

    change(user, subscription, remove=[pool_a])
    leave(sales, user)
    assert held(user) == {"SKU_A"}  # Marketing still gives it
    leave(marketing, user)
    assert held(user) == set()
    assert assigned(pool_a) == 0


def test_an_inherited_license_cannot_be_removed_from_the_user(sales, people, pool_a, subscription):
    join(sales, people[0])
    give(sales, pool_a)
    events_before = AuditEvent.objects.count()

    with pytest.raises(LicenseInherited) as caught:
        change(people[0], subscription, remove=[pool_a])
    with pytest.raises(LicenseInherited):
        bulk_unassign(pool_a, [people[0]])

    assert caught.value.code == "license_inherited"
    assert caught.value.http_status == 409
    assert caught.value.details["groups"] == [{"id": sales.pk, "name": "Sales"}]
    assert "from group Sales" in caught.value.message
    assert held(people[0]) == {"SKU_A"}
    assert AuditEvent.objects.count() == events_before


def test_a_direct_assignment_survives_the_group(sales, people, pool_a, subscription):
    user = people[0]
    change(user, subscription, add=[pool_a])
    join(sales, user)
    give(sales, pool_a)

    take(sales, pool_a)

    assert held(user) == {"SKU_A"}
    assert LicenseAssignment.objects.get(user=user).direct


def test_the_dialog_save_sets_direct_assignments_only(sales, people, pool_a, pool_c, subscription):
    from licensing.services.assignments import user_licenses_set

    user = people[0]
    join(sales, user)
    give(sales, pool_a)

    user_licenses_set(by=SYSTEM, user=user, subscription=subscription, products=[pool_c.product])

    assert held(user) == {"SKU_A", "SKU_C"}  # the inherited license stays
    user_licenses_set(by=SYSTEM, user=user, subscription=subscription, products=[])
    assert held(user) == {"SKU_A"}


def test_removing_a_product_from_a_group_frees_its_licenses_for_the_line(sales, people, pool_b, subscription):
    marketing = GroupFactory(name="Marketing")
    join(sales, people[0])
    join(marketing, people[1])
    give(sales, pool_b)  # pool_b has one license
    give(marketing, pool_b)
    assert waiting(pool_b) == [people[1].pk]

    take(sales, pool_b)

    assert held(people[0]) == set()
    assert held(people[1]) == {"SKU_B"}


def test_deleting_a_group_frees_the_licenses_only_it_gave(sales, people, pool_a, subscription):
    change(people[0], subscription, add=[pool_a])
    join(sales, *people[:3])
    give(sales, pool_a)
    assert licenses_freed_by_group_delete(sales) == 2

    group_delete(by=SYSTEM, group=sales)

    assert held(people[0]) == {"SKU_A"}
    assert held(people[1]) == held(people[2]) == set()
    assert assigned(pool_a) == 1
    assert not GroupMembership.objects.exists()
    unassigned = AuditEvent.objects.filter(action=AuditAction.LICENSE_UNASSIGNED)
    assert {event.details["group"] for event in unassigned} == {"Sales"}


def test_a_dynamic_group_licenses_hires_and_takes_it_from_movers_and_leavers(pool_a):
    group = group_create(
        by=SYSTEM, name="US Sales", kind=GroupKind.DYNAMIC, rule={"department": ["Sales"], "is_active": [True]}
    )
    give(group, pool_a)

    hire = user_create(by=SYSTEM, email="hire@example.test", department="Sales")
    assert held(hire) == {"SKU_A"}

    user_update(by=SYSTEM, user=hire, department="Finance")
    assert held(hire) == set()

    user_update(by=SYSTEM, user=hire, department="Sales")
    user_update(by=SYSTEM, user=hire, is_active=False)
    assert held(hire) == set()


def test_a_rule_change_recomputes_licenses_set_based(pool_a):
    sales_people = [UserFactory(department="Sales") for _ in range(2)]
    finance = UserFactory(department="Finance")
    group = group_create(by=SYSTEM, name="Dyn", kind=GroupKind.DYNAMIC, rule={"department": ["Sales"]})
    give(group, pool_a)

    group_update(by=SYSTEM, group=group, rule={"department": ["Finance"]})

    assert all(held(user) == set() for user in sales_people)
    assert held(finance) == {"SKU_A"}


def test_reprocess_repairs_what_a_manual_change_broke(sales, people, pool_a):
    join(sales, *people[:2])
    give(sales, pool_a)
    LicenseAssignment.objects.filter(user=people[0]).delete()  # a manual SQL fix gone wrong
    LicensePool.objects.filter(pk=pool_a.pk).update(assigned=1)

    outcomes = pools_reprocess(by=SYSTEM, pools=LicensePool.objects.filter(pk=pool_a.pk))

    assert outcomes[pool_a] == (0, 1)
    assert held(people[0]) == {"SKU_A"}


def test_changing_a_groups_licenses_needs_license_management_of_the_subscription(sales, pool_a, org, member):
    other_scope = RoleAssignmentFactory(role="subscription_admin", subscription=org.t).user

    with pytest.raises(NotFound):  # outside a Subscription Administrator's scope the subscription does not exist
        give(sales, pool_a, by=Actor(other_scope, Source.API))
    with pytest.raises(PermissionDenied):
        give(sales, pool_a, by=Actor(member, Source.API))

    assert not sales.licenses.exists()


def test_joining_a_group_with_five_licensed_products_takes_a_fixed_number_of_queries(sales, people, subscription):
    pools = [LicensePoolFactory(subscription=subscription) for _ in range(5)]
    give(sales, *pools)
    join(sales, people[0])

    with CaptureQueriesContext(connection) as first:
        join(sales, people[1])
    with CaptureQueriesContext(connection) as second:
        join(sales, people[2], people[3])

    assert len(first) == len(second)
    assert all(held(user) == {pool.product.sku_part_number for pool in pools} for user in people[:4])
    assert not PendingLicense.objects.exists()
