"""The FilterSets licensing shares between its pages and the API: UserLicenseFilterSet (users by the licenses they
hold, only ever counting licenses the reader may see) and AuditEventFilterSet."""

import datetime
from types import SimpleNamespace
from unittest import mock

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import AdminScope, admin_scope
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.filtersets import AuditEventFilterForm, AuditEventFilterSet, UserLicenseFilterSet
from licensing.services.assignments import user_licenses_change
from licensing.services.pools import pool_set_quantity
from tests.factories import LicensePoolFactory, ProductFactory, RoleAssignmentFactory, SubscriptionFactory, UserFactory

EVERYTHING = AdminScope(is_global_admin=True)


@pytest.fixture
def world(db) -> SimpleNamespace:
    """S (a Subscription Administrator's) and T (outside their scope). Alex holds E3 in S and T, Henrietta Visio
    in S (assigned by the system), Tess Project and E3 in T only; Adele holds nothing. Adele got E5 in S yesterday
    and lost it today; E3's quantity in S changed today."""
    s, t = SubscriptionFactory(name="Contoso Enterprise"), SubscriptionFactory(name="Fabrikam Research")
    e3 = ProductFactory(name="OfficeSeries E3", sku_part_number="OFFICESERIES_E3")
    e5 = ProductFactory(name="OfficeSeries E5", sku_part_number="OFFICESERIES_E5")
    visio = ProductFactory(name="OfficeSeries Visio Plan 2", sku_part_number="VISIO_P2")
    project = ProductFactory(name="Project Plan 3", sku_part_number="PROJECT_P3")
    pool_e3 = LicensePoolFactory(subscription=s, product=e3, quantity=20)
    for subscription, product in ((s, e5), (s, visio), (t, e3), (t, project)):
        LicensePoolFactory(subscription=subscription, product=product, quantity=5)
    admin = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN, user=UserFactory(display_name="Gloria Admin")).user
    sub_admin = RoleAssignmentFactory(
        role=Role.SUBSCRIPTION_ADMIN, subscription=s, user=UserFactory(display_name="Sam Subadmin")
    ).user
    adele = UserFactory(display_name="Adele Vance", email="adele.vance@contoso.test")
    alex = UserFactory(display_name="Alex Wilber", email="alex.wilber@contoso.test")
    henrietta = UserFactory(display_name="Henrietta Mueller", email="henrietta.mueller@xn--contos-1xa.example")
    tess = UserFactory(display_name="Tess Only", email="tess.only@contoso.test")
    web = Actor(admin, Source.WEB)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=1)):
        user_licenses_change(user=adele, subscription=s, add=[e5], by=web)
    user_licenses_change(user=adele, subscription=s, remove=[e5], by=web)
    user_licenses_change(user=alex, subscription=s, add=[e3], by=web)
    user_licenses_change(user=alex, subscription=t, add=[e3], by=web)
    user_licenses_change(user=henrietta, subscription=s, add=[visio], by=Actor(None, Source.SYSTEM))
    user_licenses_change(user=tess, subscription=t, add=[project, e3], by=web)
    pool_set_quantity(pool=pool_e3, quantity=30, by=web)
    return SimpleNamespace(s=s, t=t, e3=e3, e5=e5, sub_admin=sub_admin, adele=adele)


def users(params: dict, **kwargs) -> set[str]:
    kwargs.setdefault("scope", EVERYTHING)
    return {person.display_name for person in UserLicenseFilterSet(params, queryset=User.objects.all(), **kwargs).qs}


EVERYONE = {"Gloria Admin", "Sam Subadmin", "Adele Vance", "Alex Wilber", "Henrietta Mueller", "Tess Only"}


@pytest.mark.parametrize("product", ["OFFICESERIES_E3", "officeseries_e3", " OFFICESERIES_E3 "])
def test_users_by_product_part_number(world, product):
    assert users({"product": product}) == {"Alex Wilber", "Tess Only"}


def test_users_by_product_sku_id(world):
    assert users({"product": str(world.e3.sku_id)}) == {"Alex Wilber", "Tess Only"}
    assert users({"product": "NO_SUCH_PRODUCT"}) == set()
    assert users({"product": "OFFICESERIES_E5"}) == set()  # Adele's was removed


def test_users_licensed_or_not(world):
    assert users({"licensed": "true"}) == {"Alex Wilber", "Henrietta Mueller", "Tess Only"}
    assert users({"licensed": "false"}) == {"Gloria Admin", "Sam Subadmin", "Adele Vance"}
    assert users({"licensed": ""}) == EVERYONE


def test_users_within_a_fixed_subscription(world):
    """A page about one subscription: the license filters look only at it."""
    assert users({"licensed": "true"}, subscription=world.t) == {"Alex Wilber", "Tess Only"}
    assert "Henrietta Mueller" in users({"licensed": "false"}, subscription=world.t)
    assert users({"product": "OFFICESERIES_E3"}, subscription=world.s) == {"Alex Wilber"}
    assert users({"product": "VISIO_P2"}, subscription=world.t) == set()
    # The fixed subscription wins over one in the query.
    assert users({"subscription": world.s.pk, "licensed": "true"}, subscription=world.t) == {"Alex Wilber", "Tess Only"}


def test_users_within_a_subscription_in_the_query(world):
    """The API's `subscription`: it narrows `product` and `licensed`, and hides no one by itself."""
    assert users({"subscription": world.t.pk, "licensed": "true"}) == {"Alex Wilber", "Tess Only"}
    assert users({"subscription": world.t.pk, "product": "OFFICESERIES_E3"}) == {"Alex Wilber", "Tess Only"}
    assert users({"subscription": world.s.pk, "product": "PROJECT_P3"}) == set()
    assert users({"subscription": world.t.pk}) == EVERYONE


def test_users_filters_count_only_the_licenses_of_the_readers_scope(world):
    """A caller without a request (a command) passes the scope itself; T is outside the Subscription
    Administrator's, so Tess holds nothing they may see."""
    scope = admin_scope(world.sub_admin)
    assert users({"product": "PROJECT_P3"}, scope=scope) == set()
    assert users({"licensed": "true"}, scope=scope) == {"Alex Wilber", "Henrietta Mueller"}
    assert "Tess Only" in users({"licensed": "false"}, scope=scope)
    assert users({"product": "PROJECT_P3"}) == {"Tess Only"}


def test_the_scope_comes_from_the_request(world, rf):
    request = rf.get("/")
    request.user = world.sub_admin
    assert users({"licensed": "true"}, scope=None, request=request) == {"Alex Wilber", "Henrietta Mueller"}


def test_the_users_filterset_refuses_to_guess_its_scope(world):
    with pytest.raises(TypeError, match="scope"):
        UserLicenseFilterSet({}, queryset=User.objects.all())


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "1.5", "x"])
def test_the_users_filterset_refuses_ids_that_are_not_database_ids(world, value):
    """`subscription` is an API parameter: a bad id is a validation error, and the filter is not applied."""
    filterset = UserLicenseFilterSet(
        {"subscription": value, "licensed": "true"}, queryset=User.objects.all(), scope=EVERYTHING
    )

    assert "subscription" in filterset.errors
    assert {person.display_name for person in filterset.qs} == {"Alex Wilber", "Henrietta Mueller", "Tess Only"}


def events(params: dict) -> list[tuple[str, str, str]]:
    """(action, subject user, product) of the matching events, newest first."""
    found = AuditEventFilterSet(params, queryset=AuditEvent.objects.filter(action__startswith="license_")).qs
    return [(event.action, event.subject_user_label, event.product_label) for event in found]


def test_events_by_user_name_or_email_fragment(world):
    assert events({"user": "Alex Wil"}) == [
        ("license_assigned", "alex.wilber@contoso.test", "OFFICESERIES_E3"),
        ("license_assigned", "alex.wilber@contoso.test", "OFFICESERIES_E3"),
    ]
    assert [event[0] for event in events({"user": "ADELE.VANCE@"})] == ["license_unassigned", "license_assigned"]
    assert events({"user": "@contosö.example"}) == [
        ("license_assigned", "henrietta.mueller@xn--contos-1xa.example", "VISIO_P2")
    ]


def test_events_of_a_deleted_user_are_found_by_their_snapshot(world):
    AuditEvent.objects.filter(subject_user=world.adele).update(subject_user=None)
    assert len(events({"user": "adele.vance"})) == 2


def test_events_by_product(world):
    assert {event[1] for event in events({"product": "officeseries_e3"})} == {
        "alex.wilber@contoso.test",
        "tess.only@contoso.test",
    }
    assert len(events({"product": str(world.e5.sku_id)})) == 2


def test_events_of_a_deleted_product_are_found_by_their_snapshot(world):
    AuditEvent.objects.filter(product=world.e5).update(product=None)
    assert [event[1] for event in events({"product": "officeseries_e5"})] == ["adele.vance@contoso.test"] * 2


def test_events_by_action_and_source(world):
    assert events({"action": AuditAction.LICENSE_UNASSIGNED}) == [
        ("license_unassigned", "adele.vance@contoso.test", "OFFICESERIES_E5")
    ]
    assert events({"source": Source.SYSTEM}) == [
        ("license_assigned", "henrietta.mueller@xn--contos-1xa.example", "VISIO_P2")
    ]
    assert "action" in AuditEventFilterSet({"action": "exploded"}, queryset=AuditEvent.objects.all()).errors


def test_events_by_subscription(world):
    everything = AuditEventFilterSet({"subscription": world.t.pk}, queryset=AuditEvent.objects.all()).qs
    assert {event.subscription_id for event in everything} == {world.t.pk}
    assert len(everything) == 3  # Alex's E3, Tess's Project and E3


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "1.5", "x"])
def test_the_events_filterset_refuses_ids_that_are_not_database_ids(world, value):
    filterset = AuditEventFilterSet({"subscription": value}, queryset=AuditEvent.objects.all())

    assert "subscription" in filterset.errors
    assert filterset.qs.count() == AuditEvent.objects.count()  # the invalid filter is not applied


def test_events_by_date_range_inclusive(world):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    assert events({"date_to": yesterday.isoformat()}) == [
        ("license_assigned", "adele.vance@contoso.test", "OFFICESERIES_E5")
    ]
    assert len(events({"date_from": today.isoformat()})) == 6
    assert len(events({"date_from": yesterday.isoformat(), "date_to": yesterday.isoformat()})) == 1
    assert len(events({"date_from": yesterday.isoformat(), "date_to": today.isoformat()})) == 7


def test_an_inverted_date_range_is_an_error(world):
    today = timezone.localdate()
    filterset = AuditEventFilterSet(
        {"date_from": today.isoformat(), "date_to": (today - datetime.timedelta(days=1)).isoformat()},
        queryset=AuditEvent.objects.all(),
    )

    assert not filterset.is_valid()
    assert filterset.form.non_field_errors() == [AuditEventFilterForm.INVERTED_RANGE]
    assert filterset.form.has_error("__all__", code="inverted_range")


def test_an_invalid_date_is_an_error_of_its_field(world):
    filterset = AuditEventFilterSet({"date_from": "not-a-date"}, queryset=AuditEvent.objects.all())
    assert filterset.errors["date_from"] == ["Enter a valid date."]
