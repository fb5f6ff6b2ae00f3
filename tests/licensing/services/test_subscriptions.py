"""subscription_set_status: who may change a subscription's status, which changes the lifecycle allows, the end
date that follows, and one audit event in the same transaction."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import NotFound, PermissionDenied, StatusChangeNotAllowed, ValidationFailed
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import Subscription
from licensing.services.subscriptions import subscription_set_status
from tests.factories import RoleAssignmentFactory, SubscriptionFactory

ACTIVE, WARNING, SUSPENDED, EXPIRED = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.WARNING,
    SubscriptionStatus.SUSPENDED,
    SubscriptionStatus.EXPIRED,
)
TODAY = timezone.localdate()


def set_status(subscription, status, actor=None):
    return subscription_set_status(subscription=subscription, status=status, by=Actor(actor, Source.API))


def status_of(subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).status


def events():
    return list(AuditEvent.objects.filter(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED))


def test_a_global_administrator_reactivates_a_suspended_subscription(global_admin):
    subscription = SubscriptionFactory(status=SUSPENDED, ends_on=TODAY + datetime.timedelta(days=30))

    changed = set_status(subscription, ACTIVE, actor=global_admin)

    assert changed.status == status_of(subscription) == ACTIVE
    (event,) = events()
    assert (event.actor, event.source, event.subscription, event.subscription_label) == (
        global_admin,
        Source.API,
        subscription,
        subscription.name,
    )
    assert event.details == {"old": SUSPENDED, "new": ACTIVE}


@pytest.mark.parametrize(
    ("role", "in_scope", "error"),
    [
        (Role.SUBSCRIPTION_ADMIN, True, PermissionDenied),
        (Role.SUBSCRIPTION_ADMIN, False, NotFound),
        (Role.USER_ADMIN, False, PermissionDenied),
        (None, False, PermissionDenied),
    ],
)
def test_only_a_global_administrator_may_change_it(subscription, member, role, in_scope, error):
    actor = member
    if role is not None:
        scope = subscription if in_scope else (SubscriptionFactory() if role == Role.SUBSCRIPTION_ADMIN else None)
        actor = RoleAssignmentFactory(role=role, subscription=scope).user

    with pytest.raises(error):
        set_status(subscription, SUSPENDED, actor=actor)

    assert status_of(subscription) == ACTIVE
    assert events() == []


@pytest.mark.parametrize("status", ["paused", "", "ACTIVE", None, 1, ["active"]])
def test_an_unknown_status_is_a_validation_error_naming_the_allowed_ones(subscription, status):
    with pytest.raises(ValidationFailed) as error:
        set_status(subscription, status)

    assert error.value.details["statuses"] == ["active", "warning", "suspended", "expired"]
    assert status_of(subscription) == ACTIVE
    assert events() == []


def test_the_same_status_changes_nothing_and_is_not_audited(subscription, global_admin):
    changed = set_status(subscription, ACTIVE, actor=global_admin)

    assert changed.status == ACTIVE
    assert events() == []


ALLOWED = [
    (ACTIVE, WARNING),
    (ACTIVE, SUSPENDED),
    (ACTIVE, EXPIRED),
    (WARNING, ACTIVE),
    (WARNING, SUSPENDED),
    (WARNING, EXPIRED),
    (SUSPENDED, ACTIVE),
    (SUSPENDED, EXPIRED),
]
REFUSED = [(SUSPENDED, WARNING), (EXPIRED, ACTIVE), (EXPIRED, WARNING), (EXPIRED, SUSPENDED)]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_the_lifecycle_allows(db, old, new):
    subscription = SubscriptionFactory(status=old)

    set_status(subscription, new)

    assert status_of(subscription) == new
    assert [event.details["new"] for event in events()] == [new]


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_the_lifecycle_refuses(db, old, new):
    subscription = SubscriptionFactory(status=old, ends_on=TODAY - datetime.timedelta(days=1))

    with pytest.raises(StatusChangeNotAllowed) as error:
        set_status(subscription, new)

    assert error.value.code == "status_change_not_allowed"
    assert error.value.details["status"] == old
    assert error.value.details["requested"] == new
    assert error.value.details["allowed"] == [
        status for status in SubscriptionStatus.values if (old, status) in ALLOWED
    ]
    assert status_of(subscription) == old
    assert events() == []


@pytest.mark.parametrize("ends_on", [None, TODAY + datetime.timedelta(days=90)])
def test_expiring_ends_the_subscription_today(db, ends_on):
    subscription = SubscriptionFactory(status=ACTIVE, ends_on=ends_on)

    set_status(subscription, EXPIRED)

    assert Subscription.objects.get(pk=subscription.pk).ends_on == TODAY
    (event,) = events()
    assert event.details["ends_on"] == {"old": ends_on and ends_on.isoformat(), "new": TODAY.isoformat()}


def test_expiring_keeps_an_end_date_that_has_passed(db):
    ended = TODAY - datetime.timedelta(days=10)
    subscription = SubscriptionFactory(status=SUSPENDED, starts_on=ended - datetime.timedelta(days=365), ends_on=ended)

    set_status(subscription, EXPIRED)

    assert Subscription.objects.get(pk=subscription.pk).ends_on == ended
    assert events()[0].details == {"old": SUSPENDED, "new": EXPIRED}


def test_a_subscription_that_has_not_started_cannot_expire(db):
    subscription = SubscriptionFactory(starts_on=TODAY + datetime.timedelta(days=7))

    with pytest.raises(StatusChangeNotAllowed):
        set_status(subscription, EXPIRED)

    assert status_of(subscription) == ACTIVE


def test_reactivating_after_the_end_date_clears_it(db):
    ended = datetime.date(2025, 6, 30)
    subscription = SubscriptionFactory(status=SUSPENDED, starts_on=datetime.date(2025, 1, 1), ends_on=ended)

    set_status(subscription, ACTIVE)

    assert Subscription.objects.get(pk=subscription.pk).ends_on is None
    assert events()[0].details["ends_on"] == {"old": "2025-06-30", "new": None}


@pytest.mark.parametrize("status", [WARNING, SUSPENDED])
def test_the_grace_period_and_suspension_keep_the_dates(db, status):
    ends_on = TODAY - datetime.timedelta(days=3)
    subscription = SubscriptionFactory(status=ACTIVE, ends_on=ends_on)

    set_status(subscription, status)

    assert Subscription.objects.get(pk=subscription.pk).ends_on == ends_on
    assert "ends_on" not in events()[0].details


def test_the_audit_event_is_part_of_the_change_transaction(monkeypatch, subscription):
    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("licensing.services.subscriptions.audit_record_one", broken_audit)

    with pytest.raises(RuntimeError):
        set_status(subscription, SUSPENDED)

    assert status_of(subscription) == ACTIVE


def test_an_unknown_source_writes_nothing(subscription):
    with pytest.raises(ValidationFailed):
        subscription_set_status(subscription=subscription, status=SUSPENDED, by=Actor(None, "carrier pigeon"))

    assert status_of(subscription) == ACTIVE
    assert AuditEvent.objects.count() == 0


def test_the_status_is_read_under_the_lock_not_from_a_stale_object(subscription):
    Subscription.objects.filter(pk=subscription.pk).update(status=EXPIRED)  # subscription.status is still active

    with pytest.raises(StatusChangeNotAllowed):
        set_status(subscription, SUSPENDED)
