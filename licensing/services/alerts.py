"""Alerts before a pool runs dry (README, "Alerts"): `pool_alerts_check`, run by a scheduler
(`manage.py check_license_alerts`), raises and clears alerts by the rules of licensing/alert_rules.py, gives each
admin who may manage the pool a notice and an e-mail as they chose; `alert_preferences_set` and `notices_mark_read`
are an admin's own.

Safe on several servers at once without locking any pool: an alert is raised by an INSERT that the partial unique
constraint "one open alert per pool and kind" turns into nothing when another run raised it first (ON CONFLICT DO
NOTHING … RETURNING tells this run which rows are its own), and cleared under its row lock, skipping rows another run
holds. Only what this run raised or cleared is audited and told, so each crossing is told once."""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_admin
from accounts.selectors import admins_with_scopes
from accounts.services.locks import users_lock
from core.audit import SYSTEM, Actor, audit_event_new, audit_record, audit_record_one, chunks
from core.choices import AuditAction
from core.errors import PermissionDenied, ValidationFailed

from ..alert_mail import alert_emails_send
from ..alert_rules import Verdict, alert_verdict
from ..choices import AlertKind
from ..models import AlertNotice, AlertPreference, LicensePool, PoolAlert
from ..selectors.alerts import alert_preferences_of, notices_visible
from ..selectors.history import pool_history
from ..selectors.subscriptions import pools_visible

INSERT_CHUNK = 500


@dataclass
class AlertsResult:
    """What a run did: alerts raised and cleared, notices given, e-mails sent."""

    raised: int = 0
    cleared: int = 0
    notices: int = 0
    emails: int = 0


def pool_alerts_check(*, by: Actor = SYSTEM) -> AlertsResult:
    """Evaluate every pool the actor may see, set-based: one read of the pools, one of their history, then one
    transaction that raises and clears; the e-mails go once it has committed."""
    require_admin(by.user)
    pools = {pool.pk: pool for pool in pools_visible(actor=by.user)}
    history = pool_history(pools=pools.values())
    verdicts = {
        pool_id: alert_verdict(points, forecast_days=settings.LICENSE_FORECAST_ALERT_DAYS)
        for pool_id, points in history.items()
    }
    with transaction.atomic():
        raised, cleared = _alerts_change(verdicts, pools)
        events = [_audit_event(alert, pools[alert.pool_id], by, raised=True) for alert in raised]
        events += [_audit_event(alert, pools[alert.pool_id], by, raised=False) for alert in cleared]
        audit_record(events)
        told = _recipients(raised, pools)
        notices = [AlertNotice(alert=alert, user=admin) for alert in raised for admin in told.in_admin_center[alert.pk]]
        AlertNotice.objects.bulk_create(notices)
    emails = alert_emails_send(
        {admin: [alert for alert in raised if admin in told.by_email[alert.pk]] for admin in told.admins}
    )
    return AlertsResult(raised=len(raised), cleared=len(cleared), notices=len(notices), emails=emails)


def _alerts_change(verdicts: dict[int, Verdict], pools: dict[int, LicensePool]):
    """Raise what fires and is not open; clear what is open and has recovered. Returns this run's own alerts."""
    open_alerts = {
        (alert.pool_id, alert.kind): alert.pk
        for alert in PoolAlert.objects.filter(pool__in=list(pools), cleared_at__isnull=True).only("pool_id", "kind")
    }
    now = timezone.now()
    to_raise = [
        PoolAlert(pool_id=pool_id, kind=kind, raised_at=now, details=_details(verdict, pools[pool_id]))
        for pool_id, verdict in verdicts.items()
        for kind in AlertKind
        if kind in verdict.firing
        if (pool_id, kind) not in open_alerts
    ]
    recovered = [alert_id for (pool_id, kind), alert_id in open_alerts.items() if kind in verdicts[pool_id].recovered]
    cleared = list(
        PoolAlert.objects.select_for_update(skip_locked=True).filter(pk__in=recovered, cleared_at__isnull=True)
    )
    PoolAlert.objects.filter(pk__in=[alert.pk for alert in cleared]).update(cleared_at=now)
    for alert in cleared:
        alert.cleared_at = now
        alert.pool = pools[alert.pool_id]
    return _alerts_insert(to_raise, pools), cleared


def _alerts_insert(alerts: list[PoolAlert], pools: dict[int, LicensePool]) -> list[PoolAlert]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id (PostgreSQL and SQLite alike): the alerts another run raised
    first come back as nothing, so each is raised, audited and told once."""
    table = connection.ops.quote_name(PoolAlert._meta.db_table)
    as_json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    inserted = []
    with connection.cursor() as cursor:
        for chunk in chunks(alerts, INSERT_CHUNK):
            values = ", ".join([f"(%s, %s, %s, {as_json})"] * len(chunk))
            params = [value for a in chunk for value in (a.pool_id, a.kind, a.raised_at, json.dumps(a.details))]
            cursor.execute(
                f"INSERT INTO {table} (pool_id, kind, raised_at, details) VALUES {values} "
                "ON CONFLICT DO NOTHING RETURNING id, pool_id, kind",
                params,
            )
            ids = {(pool_id, kind): alert_id for alert_id, pool_id, kind in cursor.fetchall()}
            for alert in chunk:
                if (alert.pool_id, alert.kind) in ids:
                    alert.pk = ids[(alert.pool_id, alert.kind)]
                    alert.pool = pools[alert.pool_id]
                    inserted.append(alert)
    return inserted


def _details(verdict: Verdict, pool: LicensePool) -> dict:
    forecast = verdict.forecast
    return {
        "quantity": pool.quantity,
        "assigned": pool.assigned,
        "pending": pool.pending,
        "outlook": str(forecast.outlook),
        "days_left": forecast.days_left,
        "rate_per_day": None if forecast.rate_per_day is None else round(forecast.rate_per_day, 2),
    }


def _audit_event(alert: PoolAlert, pool: LicensePool, by: Actor, *, raised: bool):
    action = AuditAction.POOL_ALERT_RAISED if raised else AuditAction.POOL_ALERT_CLEARED
    return audit_event_new(
        action,
        actor=by,
        subscription=pool.subscription,
        product=pool.product,
        details={"alert_id": alert.pk, "kind": alert.kind, **_audit_numbers(pool, alert, raised)},
    )


def _audit_numbers(pool: LicensePool, alert: PoolAlert, raised: bool) -> dict:
    """A raise records the numbers that raised it; a clear, the counters that cleared it."""
    if raised:
        return alert.details
    return {"quantity": pool.quantity, "assigned": pool.assigned, "pending": pool.pending}


@dataclass(frozen=True)
class _Recipients:
    admins: list[User]
    by_email: dict[int, set[User]]  # by alert id
    in_admin_center: dict[int, set[User]]


def _recipients(alerts: list[PoolAlert], pools: dict[int, LicensePool]) -> _Recipients:
    """Per alert, the admins who may assign licenses in the pool's subscription (the one policy), split by their
    settings; nothing is read when nothing was raised."""
    if not alerts:
        return _Recipients([], {}, {})
    admins = admins_with_scopes()
    preferences = alert_preferences_of(user_ids=[admin.pk for admin, _ in admins])
    by_email: dict[int, set[User]] = {}
    in_admin_center: dict[int, set[User]] = {}
    for alert in alerts:
        subscription_id = pools[alert.pool_id].subscription_id
        managers = [admin for admin, scope in admins if scope.can_assign_licenses(subscription_id)]
        by_email[alert.pk] = {admin for admin in managers if preferences[admin.pk][alert.kind][0]}
        in_admin_center[alert.pk] = {admin for admin in managers if preferences[admin.pk][alert.kind][1]}
    return _Recipients([admin for admin, _ in admins], by_email, in_admin_center)


@transaction.atomic
def alert_preferences_set(*, by: Actor, user: User, by_email: Iterable[str], in_admin_center: Iterable[str]) -> bool:
    """An admin's own settings: the kinds they want by e-mail and in the admin center (the others are off).
    Returns whether anything changed; a change is audited."""
    require_admin(by.user)
    if by.user is not None and by.user.pk != user.pk:
        raise PermissionDenied("An admin's alert settings are their own to change.")
    by_email, in_admin_center = set(by_email), set(in_admin_center)
    unknown = sorted((by_email | in_admin_center) - set(AlertKind.values))
    if unknown:
        raise ValidationFailed(f"Unknown alert kind: {', '.join(unknown)}.", kinds=unknown)
    users_lock([user.pk])  # the one lock order: two saves of one admin's settings queue, each audited once
    before = alert_preferences_of(user_ids=[user.pk])[user.pk]
    after = {kind: (kind in by_email, kind in in_admin_center) for kind in AlertKind.values}
    if after == before:
        return False
    AlertPreference.objects.bulk_create(
        [
            AlertPreference(user=user, kind=kind, by_email=mail, in_admin_center=center)
            for kind, (mail, center) in after.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["by_email", "in_admin_center"],
    )
    audit_record_one(
        AuditAction.ALERT_PREFERENCES_CHANGED,
        actor=by,
        subject_user=user,
        details={
            "by_email": sorted(kind for kind, (mail, _) in after.items() if mail),
            "in_admin_center": sorted(kind for kind, (_, center) in after.items() if center),
        },
    )
    return True


def notices_mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one of the admin's notices read, or all of them: their own reading state, not a change to audit."""
    notices = notices_visible(actor=user).filter(read_at__isnull=True)
    if notice_id is not None:
        notices = notices.filter(pk=notice_id)
    return notices.update(read_at=timezone.now())
