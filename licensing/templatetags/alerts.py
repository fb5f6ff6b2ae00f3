"""An alert's summary on the notices page, the same sentence as in its e-mail (licensing/alert_mail.py)."""

from django import template

from ..alert_mail import alert_summary as summary

register = template.Library()


@register.filter
def alert_summary(details: dict) -> str:
    return summary(details)
