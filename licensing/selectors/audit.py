"""The audit log as an admin may read it."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import admin_scope
from core.models import AuditEvent

from ..models import Subscription


def audit_events_visible(*, actor: User | None) -> QuerySet[AuditEvent]:
    """The audit events `actor` may read: all, or a Subscription Administrator's subscriptions' events."""
    queryset = AuditEvent.objects.all()
    if actor is None:
        return queryset
    scope = admin_scope(actor)
    if not scope.can_read_audit_log:
        return queryset.none()
    return scope.filter_subscriptions(queryset, "subscription_id")


def audit_events_of_subscription(*, actor: User | None, subscription: Subscription) -> QuerySet[AuditEvent]:
    """The audit events of one subscription the actor may read, newest first, with their subjects joined."""
    return (
        audit_events_visible(actor=actor)
        .filter(subscription=subscription)
        .select_related("subject_user", "product", "actor")
        .order_by("-occurred_at", "-id")
    )
