"""How an alert reads (README, "Alerts"): the one-line summary that notices and e-mails share, and the e-mails, one
per admin per run listing that admin's new alerts, sent through Django's e-mail framework (console by default, SMTP
by settings)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string

from accounts.models import User

from .forecast import HORIZON_DAYS, Outlook
from .models import PoolAlert

SUBJECT_POOLS_NAMED = 3


def alert_summary(details: dict) -> str:
    """The numbers an alert was raised on, and its forecast, in a sentence or two."""
    quantity, assigned, pending = details["quantity"], details["assigned"], details["pending"]
    used = f" ({100 * assigned // quantity} %)" if quantity else ""
    text = f"{assigned:,} of {quantity:,} assigned{used}, {max(quantity - assigned, 0):,} free, {pending:,} waiting."
    return f"{text} {_forecast_text(details)}"


def _forecast_text(details: dict) -> str:
    outlook, days_left = details["outlook"], details["days_left"]
    if outlook == Outlook.EXHAUSTED:
        return "No license is left for those who want one."
    if outlook == Outlook.RUNS_OUT:
        rate = details["rate_per_day"]
        return f"At this rate it runs out in about {days_left} days ({rate:g} more licenses wanted a day)."
    if outlook == Outlook.NOT_WITHIN_HORIZON:
        return f"At this rate it does not run out within {HORIZON_DAYS} days."
    return "Too little history for a forecast."


def _pool_name(alert: PoolAlert) -> str:
    return f"{alert.pool.product.name} in {alert.pool.subscription.name}"


def alert_subject(alerts: list[PoolAlert]) -> str:
    if len(alerts) == 1:
        return f"OfficeSeries alert: {_pool_name(alerts[0])}: {alerts[0].get_kind_display()}"
    pools = list(dict.fromkeys(_pool_name(alert) for alert in alerts))
    named = ", ".join(pools[:SUBJECT_POOLS_NAMED])
    more = ", …" if len(pools) > SUBJECT_POOLS_NAMED else ""
    return f"OfficeSeries: {len(alerts)} license alerts ({named}{more})"


def alert_emails_send(alerts_by_admin: dict[User, list[PoolAlert]]) -> int:
    """One e-mail per admin with alerts and an address, over one connection; returns how many were sent. A pool's
    alerts come one after another (services/alerts.py raises them pool by pool), so the e-mail names it once."""
    messages = [
        EmailMessage(
            subject=alert_subject(alerts),
            body=render_to_string(
                "licensing/email/pool_alerts.txt",
                {"admin": admin, "alerts": alerts, "site_url": settings.SITE_URL},
            ),
            to=[admin.email],
        )
        for admin, alerts in alerts_by_admin.items()
        if alerts and admin.email
    ]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
