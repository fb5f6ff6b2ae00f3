"""How the admin center shows times and people, the same on every page (numbers: humanize's `intcomma`)."""

from django import template
from django.template.defaultfilters import date, pluralize
from django.utils.html import format_html

register = template.Library()

# One date-time format everywhere, with the time zone it is shown in (the site's, TIME_ZONE), and one for days.
DATETIME_FORMAT = "M j, Y, H:i T"
DATE_FORMAT = "M j, Y"


@register.filter
def when(value):
    """A moment as `<time>`: readable text in the site's time zone, ISO 8601 for machines."""
    if value is None:
        return "—"
    return format_html('<time datetime="{}">{}</time>', date(value, "c"), date(value, DATETIME_FORMAT))


@register.filter
def day(value):
    """A day (or the day of a moment, in the site's time zone)."""
    return date(value, DATE_FORMAT) if value else "—"


@register.filter
def actor(user, label: str = ""):
    """Who did something: the admin's name while their account exists, else the name recorded with the event
    (an email, or the operator of a command); no one at all is the system."""
    if user is not None:
        return user.get_full_name()
    if not label or label == "system":
        return "System"
    return label


@register.filter
def days_left(subscription) -> str:
    """What is left of a subscription's term: "12 days left", "Ends today", "Ended 3 days ago", "No end date"."""
    days = subscription.days_left
    if days is None:
        return "No end date"
    if days == 0:
        return "Ends today"
    if days > 0:
        return f"{days:,} day{pluralize(days)} left"
    return f"Ended {-days:,} day{pluralize(-days)} ago"
