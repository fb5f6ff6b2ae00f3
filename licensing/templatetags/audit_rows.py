"""The rows of a subscription's audit log, rendered in Python: a page shows 50 events, and the template engine spent
more time on their markup (two date formats, a URL and a dozen lookups, localisations and escapes per event) than
the database on their data (README, "Where a list page's time goes"). Each row's markup lives here only."""

from collections.abc import Iterable

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .display import actor, when
from .user_rows import _url_of_each

register = template.Library()


def _details(details) -> str:
    """What changed beyond the action: a quantity's change, a bulk change or a role; escaped."""
    details = details or {}
    if "old_quantity" in details:
        old, new = (escape(intcomma(details.get(key, ""))) for key in ("old_quantity", "new_quantity"))
        return f"Quantity {old} → {new}"
    if details.get("bulk"):
        return "Bulk change"
    if details.get("role"):
        return escape(details["role"])
    return '<span class="muted">—</span>'


@register.simple_tag
def audit_rows(events: Iterable) -> SafeString:
    """The events' rows: when, the action, the user and the product concerned (linked to the user's profile while
    their account exists), the details, who did it and through what."""
    profile_url = _url_of_each("licensing:user_profile", "user_id")
    rows = []
    for event in events:
        if event.subject_user is not None:
            subject = f'<a href="{profile_url(event.subject_user.pk)}">{escape(event.subject_user.get_full_name())}</a>'
        else:
            subject = escape(event.subject_user_label or "—")
        product = escape(event.product.name if event.product is not None else event.product_label or "—")
        rows.append(
            f'\n      <tr>\n        <td class="nowrap">{when(event.occurred_at)}</td>\n'
            f'        <td><span class="action action-{escape(event.action)}">{escape(event.get_action_display())}'
            f"</span></td>\n        <td>{subject}</td>\n        <td>{product}</td>\n"
            f'        <td class="details">{_details(event.details)}</td>\n'
            f"        <td>{escape(actor(event.actor, event.actor_label))}</td>\n"
            f'        <td><span class="badge badge-muted">{escape(event.get_source_display())}</span></td>\n'
            "      </tr>\n    "
        )
    return mark_safe("".join(rows))  # every value is escaped above
