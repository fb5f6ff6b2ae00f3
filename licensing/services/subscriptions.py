"""A subscription's lifecycle: active, warning (grace period), suspended, expired (docs/architecture.md)."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.permissions import require_subscription_status_change
from core.audit import Actor, audit_record_one
from core.choices import AuditAction
from core.errors import StatusChangeNotAllowed, ValidationFailed

from ..choices import ASSIGNABLE_STATUSES, STATUS_TRANSITIONS, SubscriptionStatus
from ..models import LicensePool, Subscription
from .holders import line_serve
from .locks import pools_lock_all, subscription_lock


@transaction.atomic
def subscription_set_status(*, by: Actor, subscription: Subscription, status: str) -> Subscription:
    """Move a subscription along its lifecycle (STATUS_TRANSITIONS); the same status changes nothing. When it
    becomes assignable again, its free licenses go to the members waiting in its pools' lines."""
    require_subscription_status_change(by.user, subscription.pk)
    if not isinstance(status, str) or status not in SubscriptionStatus.values:
        raise ValidationFailed(
            f"Unknown status {status!r}; use one of {', '.join(SubscriptionStatus.values)}.",
            status=status,
            statuses=SubscriptionStatus.values,
        )
    locked = subscription_lock(subscription.pk)
    old_status = locked.status
    if status == old_status:
        return locked
    allowed = [choice for choice in SubscriptionStatus.values if choice in STATUS_TRANSITIONS[old_status]]
    if status not in allowed:
        raise StatusChangeNotAllowed(
            f"Subscription {locked.name} is {old_status}: it cannot become {status}.",
            subscription=locked.name,
            status=old_status,
            requested=status,
            allowed=allowed,
        )
    ends_on = _end_date_with_status(locked, status, allowed)
    details: dict[str, Any] = {"old": old_status, "new": status}
    if ends_on != locked.ends_on:
        details["ends_on"] = {"old": _iso(locked.ends_on), "new": _iso(ends_on)}
    Subscription.objects.filter(pk=locked.pk).update(status=status, ends_on=ends_on)
    audit_record_one(
        AuditAction.SUBSCRIPTION_STATUS_CHANGED,
        actor=by,
        subscription=locked,
        details=details,
    )
    locked.status, locked.ends_on = status, ends_on
    if status in ASSIGNABLE_STATUSES and old_status not in ASSIGNABLE_STATUSES:
        # Every pool, not only those with members waiting when this statement began: a change that held a pool's
        # lock may have added to its line, having read the old status, and this lock returns the pool as it left it.
        for pool in pools_lock_all(LicensePool.objects.filter(subscription=locked)):
            line_serve(by=by, pool=pool)
    return locked


def _end_date_with_status(subscription: Subscription, status: str, allowed: list[str]) -> datetime.date | None:
    """The end date that goes with the new status: expiring ends a subscription today unless it has ended already,
    and reactivating one whose end date has passed clears that date (a renewal's new end date is not known here)."""
    today = timezone.localdate()
    ends_on = subscription.ends_on
    if status == SubscriptionStatus.EXPIRED and (ends_on is None or ends_on > today):
        if subscription.starts_on > today:
            raise StatusChangeNotAllowed(
                f"Subscription {subscription.name} starts on {subscription.starts_on}: it cannot expire before it "
                "starts.",
                subscription=subscription.name,
                status=subscription.status,
                requested=status,
                allowed=[choice for choice in allowed if choice != SubscriptionStatus.EXPIRED],
            )
        return today
    if status == SubscriptionStatus.ACTIVE and ends_on is not None and ends_on < today:
        return None
    return ends_on


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None
