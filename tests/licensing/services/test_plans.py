"""Service plans switched off on a license (README, "Service plans"): on the direct source through
user_licenses_change / user_licenses_set, on a group's through group_licenses_change; the enabled plans are the
union over the sources; plans alone change no counter and write one event."""

import pytest

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import ValidationFailed
from core.models import AuditEvent
from licensing.models import GroupLicense
from licensing.selectors.assignments import user_licenses_version
from licensing.selectors.plans import plans_disabled
from licensing.services.assignments import user_licenses_change, user_licenses_set
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_set_quantity
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

BY = Actor(None, Source.CLI, label="operator")


def ids(org, *names) -> list[str]:
    return sorted(str(org.plans[name].service_plan_id) for name in names)


def disabled(org, user, pool) -> list[str]:
    return plans_disabled([user.pk], [pool.pk])[user.pk, pool.pk]


def plan_events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_assigning_with_plans_off_stores_them_by_id_whether_named_or_by_id(org):
    teams = str(org.plans["TEAMS1"].service_plan_id)
    user_licenses_change(
        by=BY,
        user=org.adele,
        subscription=org.s,
        add=[org.e3],
        disabled_plans={org.e3: ["sharepointenterprise", teams]},
    )
    assert org.assignment(org.adele, org.pool_e3).disabled_plans == ids(org, "TEAMS1", "SHAREPOINTENTERPRISE")
    event = AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).latest("id")
    assert event.details == {"disabled_plans": ids(org, "TEAMS1", "SHAREPOINTENTERPRISE")}


def test_a_new_license_has_every_plan_on_and_its_event_says_nothing_of_plans(org):
    user_licenses_change(by=BY, user=org.adele, subscription=org.s, add=[org.e5])
    assert org.assignment(org.adele, org.pool_e5).disabled_plans == []
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).latest("id").details == {}


def test_changing_only_plans_changes_no_counter_and_writes_one_event(org):
    before = org.pool(org.pool_e3).assigned
    count = AuditEvent.objects.count()
    change = user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    assert (change.added, change.removed, change.plans_changed, change.changed) == ([], [], [org.e3], True)
    assert org.pool(org.pool_e3).assigned == before
    assert AuditEvent.objects.count() == count + 1
    (event,) = plan_events(AuditAction.LICENSE_PLANS_CHANGED)
    assert (event.subject_user, event.product, event.source) == (org.alex, org.e3, Source.CLI)
    assert event.details == {
        "sku": "OFFICESERIES_E3",
        "disabled_plans_before": [],
        "disabled_plans_after": ids(org, "TEAMS1"),
    }


def test_setting_the_plans_a_license_already_has_changes_nothing(org):
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    count = AuditEvent.objects.count()
    change = user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    assert not change.changed
    assert AuditEvent.objects.count() == count


@pytest.mark.parametrize(
    "plans", [["VISIO_PLAN2"], ["NO_SUCH_PLAN"], ["00000000-0000-0000-0000-000000000000"], ["TEAMS1", "nope"]]
)
def test_a_plan_that_is_not_in_the_product_is_a_validation_error_and_nothing_is_written(org, plans):
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as error:
        user_licenses_change(by=BY, user=org.adele, subscription=org.s, add=[org.e3], disabled_plans={org.e3: plans})
    assert error.value.code == "validation_error"
    assert error.value.details["sku"] == "OFFICESERIES_E3"
    assert org.held(org.adele) == set()
    assert AuditEvent.objects.count() == count


def test_plans_go_only_on_a_license_added_or_held_directly(org):
    with pytest.raises(ValidationFailed, match="only be set on a license"):
        user_licenses_change(by=BY, user=org.adele, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    with pytest.raises(ValidationFailed, match="being removed"):
        user_licenses_change(
            by=BY, user=org.alex, subscription=org.s, remove=[org.e3], disabled_plans={org.e3: ["TEAMS1"]}
        )
    assert org.held(org.alex) == {"OfficeSeries E3"}


def test_set_keeps_the_plans_of_products_it_does_not_name(org):
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    user_licenses_set(
        by=BY, user=org.alex, subscription=org.s, products=[org.e3, org.e5], disabled_plans={org.e5: ["MCOEV"]}
    )
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == ids(org, "TEAMS1")
    assert org.assignment(org.alex, org.pool_e5).disabled_plans == ids(org, "MCOEV")
    user_licenses_set(by=BY, user=org.alex, subscription=org.s, products=[org.e3], disabled_plans={org.e3: []})
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == []


def test_the_enabled_plans_are_the_union_over_the_sources(org):
    sales = GroupFactory(name="Sales")
    group_members_change(by=BY, group=sales, add=[org.alex])
    group_licenses_change(
        by=BY,
        group=sales,
        subscription=org.s,
        add=[org.e3],
        disabled_plans={org.e3: ["TEAMS1", "EXCHANGE_S_ENTERPRISE"]},
    )
    user_licenses_change(
        by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1", "SHAREPOINTENTERPRISE"]}
    )
    assert disabled(org, org.alex, org.pool_e3) == ids(org, "TEAMS1")
    # Without the direct source the group's plans alone count, and the direct source's are gone with it.
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, remove=[org.e3])
    assert disabled(org, org.alex, org.pool_e3) == ids(org, "TEAMS1", "EXCHANGE_S_ENTERPRISE")
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == []
    # A direct source added again starts with every plan on: so does the license.
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, add=[org.e3])
    assert disabled(org, org.alex, org.pool_e3) == []


def test_a_group_license_with_plans_off_gives_them_to_members_who_get_it_later_from_the_line(org):
    pool_set_quantity(by=BY, pool=org.pool_visio, quantity=1)  # Henrietta holds the only one
    research = GroupFactory(name="Research")
    group_members_change(by=BY, group=research, add=[org.adele])
    change = group_licenses_change(
        by=BY, group=research, subscription=org.s, add=[org.visio], disabled_plans={org.visio: ["VISIO_PLAN2"]}
    )
    assert change.added == [org.visio]
    added = AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_ADDED)
    assert added.details["disabled_plans"] == ids(org, "VISIO_PLAN2")
    assert plans_disabled([org.adele.pk]) == {}  # she waits
    user_licenses_change(by=BY, user=org.henrietta, subscription=org.s, remove=[org.visio])
    assert plans_disabled([org.adele.pk]) == {(org.adele.pk, org.pool_visio.pk): ids(org, "VISIO_PLAN2")}


def test_changing_a_group_licenses_plans_changes_no_counter_and_writes_one_event(org):
    sales = GroupFactory(name="Sales")
    group_members_change(by=BY, group=sales, add=[org.adele, org.henrietta])
    group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e5])
    assigned, count = org.pool(org.pool_e5).assigned, AuditEvent.objects.count()
    change = group_licenses_change(by=BY, group=sales, subscription=org.s, disabled_plans={org.e5: ["mcoev"]})
    assert change.plans_changed == [org.e5]
    assert GroupLicense.objects.get(group=sales).disabled_plans == ids(org, "MCOEV")
    assert org.pool(org.pool_e5).assigned == assigned
    assert AuditEvent.objects.count() == count + 1
    event = AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_PLANS_CHANGED)
    assert event.details == {
        "group_id": sales.pk,
        "group": "Sales",
        "sku": "OFFICESERIES_E5",
        "disabled_plans_before": [],
        "disabled_plans_after": ids(org, "MCOEV"),
    }
    assert plans_disabled([org.adele.pk, org.henrietta.pk], [org.pool_e5.pk]) == {
        (org.adele.pk, org.pool_e5.pk): ids(org, "MCOEV"),
        (org.henrietta.pk, org.pool_e5.pk): ids(org, "MCOEV"),
    }


def test_group_plans_are_validated_and_set_only_on_its_pools(org):
    sales = GroupFactory(name="Sales")
    with pytest.raises(ValidationFailed, match="only be set on a license the group"):
        group_licenses_change(by=BY, group=sales, subscription=org.s, disabled_plans={org.e5: ["MCOEV"]})
    with pytest.raises(ValidationFailed, match="Not a service plan of OFFICESERIES_E3"):
        group_licenses_change(by=BY, group=sales, subscription=org.s, add=[org.e3], disabled_plans={org.e3: ["MCOEV"]})
    assert not GroupLicense.objects.filter(group=sales).exists()


def test_the_licenses_version_changes_with_the_direct_plans(org):
    before = user_licenses_version(user=org.alex)
    user_licenses_change(by=BY, user=org.alex, subscription=org.s, disabled_plans={org.e3: ["TEAMS1"]})
    assert user_licenses_version(user=org.alex) != before
