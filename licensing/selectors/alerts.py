"""Reads of alerts (README, "Alerts"): each admin's settings of which alerts reach them how, and their notices,
narrowed to the subscriptions they may see now."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from accounts.models import User
from accounts.permissions import AdminScope, admin_scope
from core.sql import statement_once

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
    return _notices_of(actor.pk, admin_scope(actor))


def _notices_of(user_id: int, scope: AdminScope) -> QuerySet[AlertNotice]:
    return scope.filter_subscriptions(AlertNotice.objects.filter(user_id=user_id), "alert__pool__subscription_id")


def notices_page(*, actor: User) -> list[AlertNotice]:
    """The newest NOTICES_SHOWN notices, with their alert, pool, product and subscription: one query."""
    return list(
        notices_visible(actor=actor).select_related("alert__pool__product", "alert__pool__subscription")[:NOTICES_SHOWN]
    )


def notices_unread_count(*, actor: User) -> int:
    """The badge in the top bar: one query, whatever the number of pools and notices, compiled once per scope
    (core.sql.statement_once): every page reads it."""
    scope = admin_scope(actor)

    def statement(user_id: list[int]) -> QuerySet:
        unread = _notices_of(user_id[0], scope).filter(read_at__isnull=True).order_by()
        return unread.values("user").annotate(unread=Count("pk")).values_list("unread")

    rows = statement_once(AlertNotice, ("unread notices", scope.reach), statement, user_id=[actor.pk])
    return rows[0][0] if rows else 0
