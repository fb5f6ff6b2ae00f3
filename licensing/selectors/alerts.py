"""Reads of alerts (README, "Alerts"): each admin's settings of which alerts reach them how, and their notices,
narrowed to the subscriptions they may see now."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import admin_scope

from ..choices import AlertKind
from ..models import AlertNotice, AlertPreference

NOTICES_SHOWN = 100  # the newest; older notices stay in the database and the audit log keeps every alert


def alert_preferences_of(*, user_ids: Iterable[int]) -> dict[int, dict[str, tuple[bool, bool]]]:
    """Per user, per kind, (by e-mail, in the admin center); a kind the user never set is on both ways."""
    user_ids = list(user_ids)
    chosen = {
        (user_id, kind): (by_email, in_admin_center)
        for user_id, kind, by_email, in_admin_center in AlertPreference.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "kind", "by_email", "in_admin_center")
    }
    return {
        user_id: {kind: chosen.get((user_id, kind), (True, True)) for kind in AlertKind.values} for user_id in user_ids
    }


def notices_visible(*, actor: User) -> QuerySet[AlertNotice]:
    """The actor's notices about pools of subscriptions they may still see, newest first."""
    notices = AlertNotice.objects.filter(user=actor)
    return admin_scope(actor).filter_subscriptions(notices, "alert__pool__subscription_id")


def notices_page(*, actor: User) -> list[AlertNotice]:
    """The newest NOTICES_SHOWN notices, with their alert, pool, product and subscription: one query."""
    return list(
        notices_visible(actor=actor).select_related("alert__pool__product", "alert__pool__subscription")[:NOTICES_SHOWN]
    )


def notices_unread_count(*, actor: User) -> int:
    """The badge in the top bar: one query, whatever the number of pools and notices."""
    return notices_visible(actor=actor).filter(read_at__isnull=True).count()
