"""The rows of the two lists of users (User License Assignments and Users), and where a license comes from, rendered
in Python: a page shows 50 to 100 rows, and the template engine spent more time on their markup (a variable costs
a lookup, a localisation and an escape; an include, a context) than the database on their data (README, "Where a
list page's time goes"). Each row's markup lives here only; the templates call these tags."""

from collections.abc import Callable, Iterable
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

register = template.Library()

# An id no row has, reversed once and split around: the URL of every row for the cost of one reverse().
_MARKER = 2**62 + 1
_SEPARATOR = '<span class="visually-hidden">, </span>'
_NO_LICENSES = '<span class="muted">No licenses</span>'
_ENABLED = '<span class="badge badge-active">Enabled</span>'
_DISABLED = '<span class="badge badge-muted">Disabled</span>'


def _url_of_each(name: str, key: str, **kwargs) -> Callable[[int], str]:
    """reverse(name) with `key` set to any id, at the cost of one reverse()."""
    prefix, suffix = reverse(name, kwargs={**kwargs, key: _MARKER}).split(str(_MARKER))
    return lambda pk: f"{prefix}{pk}{suffix}"


@register.simple_tag
def license_sources(sources, reason: str) -> SafeString:
    """Where one license comes from and its state (`sources`: selectors.sources.LicenseSources, `reason`: why it
    waits, in words): "Direct", "from Sales, Marketing" or both, and a Pending badge."""
    origins = []
    if sources.direct:
        origins.append("Direct")
    if sources.groups:
        origins.append("from " + ", ".join(group.name for group in sources.groups))
    html = f'<span class="license-source">{escape(" · ".join(origins))}</span>'
    if sources.pending:
        html += ' <span class="badge badge-pending">Pending</span>'
        html += f' <span class="license-reason">waiting: {escape(reason)}</span>'
    return mark_safe(html)  # every value is escaped above


def _licenses_cell(names: Iterable[str], chips: list[str], note: str = "") -> str:
    """The licenses cell: the chips and the note after them (both escaped), the product names as its title."""
    title = escape(", ".join(names))
    shown = _SEPARATOR.join(chips) or _NO_LICENSES
    return f'<td class="licenses"><div class="chip-line" title="{title}">{shown}{note}</div></td>'


def _person_cells(person) -> tuple[str, str, str, str, str]:
    """What both lists show of a user, escaped: the row's class attribute, the select box's cell, the name, the
    email and the department."""
    inactive = "" if person.is_active else ' class="is-inactive"'
    name = escape(person.get_full_name())
    select = (
        f'<td class="select-col"><input type="checkbox" name="users" value="{person.pk}" aria-label="Select {name}">'
        "</td>"
    )
    return inactive, select, name, escape(person.label), escape(person.department or "—")


@register.simple_tag
def user_license_rows(people, subscription, return_to: str, oob: bool = False) -> SafeString:
    """The rows of User License Assignments: each user's name (it opens the license dialog), email, department,
    account status and the licenses they hold or wait for in `subscription` (`subscription_licenses`, from
    selectors.sources.users_with_subscription_licenses), with their sources. `oob` marks the row for htmx to
    swap in place (after a save in the dialog). A click elsewhere on a row selects it (static/js/app.js)."""
    dialog_url = _url_of_each("licensing:user_licenses", "user_id", subscription_id=subscription.pk)
    profile_url = _url_of_each("licensing:user_profile", "user_id")
    next_query = "?next=" + escape(quote(return_to, safe="/"))
    swap = ' hx-swap-oob="true"' if oob else ""
    rows = []
    for person in people:
        inactive, select, name, email, department = _person_cells(person)
        opens = f"{dialog_url(person.pk)}{next_query}"
        dialog_link = (
            f'href="{opens}" hx-get="{opens}" hx-target="#dialog-host" hx-swap="innerHTML" hx-push-url="false" '
            "data-opens-dialog"
        )
        licenses = person.subscription_licenses
        chips = [
            f'<span class="license-chip{" is-pending" if license.sources.pending else ""}">'
            f"{escape(license.pool.product.name)} {license_sources(license.sources, license.reason)}</span>"
            for license in licenses
        ]
        reclaimed = person.licenses_reclaimed_on if licenses else None
        note = (
            f' <span class="muted reclaim-note">Licenses reclaimed on {reclaimed:%Y-%m-%d}</span>' if reclaimed else ""
        )
        names = (license.pool.product.name for license in licenses)
        rows.append(
            f'<tr data-user-id="{person.pk}" id="user-row-{person.pk}"{swap}{inactive}>\n'
            f"  {select}\n"
            f'  <td class="name-col"><a id="open-name-{person.pk}" {dialog_link}>{name}</a></td>\n'
            f'  <td class="email-col">{email}</td>\n'
            f"  <td>{department}</td>\n"
            f"  <td>{_ENABLED if person.is_active else _DISABLED}</td>\n"
            f"  {_licenses_cell(names, chips, note)}\n"
            f'  <td class="actions-col"><a id="open-licenses-{person.pk}" class="button button-small" {dialog_link}>'
            f'Add or remove licenses</a> <a class="row-link" href="{profile_url(person.pk)}">Profile</a></td>\n'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # every value is escaped above


@register.simple_tag
def user_license_row(person, subscription, return_to: str, oob: bool = False) -> SafeString:
    """One row of User License Assignments (user_license_rows)."""
    return user_license_rows([person], subscription, return_to, oob)


@register.simple_tag
def directory_rows(people) -> SafeString:
    """The rows of Users: each user's name (a link to their profile), email, department, creation day, account
    status and licenses in every subscription the reader may see (`subscription_licenses`, from selectors.sources.
    users_with_subscription_licenses given those subscriptions' pools), a waiting one marked."""
    profile_url = _url_of_each("licensing:user_profile", "user_id")
    rows = []
    for person in people:
        inactive, select, name, email, department = _person_cells(person)
        chips = [
            f'<span class="license-chip{" is-pending" if license.sources.pending else ""}" '
            f'title="{escape(license.pool.subscription.name)}">{escape(license.pool.product.name)}'
            f"{' (waiting)' if license.sources.pending else ''}</span>"
            for license in person.subscription_licenses
        ]
        names = (license.pool.product.name for license in person.subscription_licenses)
        rows.append(
            f'<tr data-user-id="{person.pk}" id="user-row-{person.pk}"{inactive}>\n'
            f"  {select}\n"
            f'  <td class="name-col"><a href="{profile_url(person.pk)}">{name}</a></td>\n'
            f'  <td class="email-col">{email}</td>\n'
            f"  <td>{department}</td>\n"
            f'  <td class="nowrap">{localtime(person.created_at):%Y-%m-%d}</td>\n'
            f"  <td>{_ENABLED if person.is_active else _DISABLED}</td>\n"
            f"  {_licenses_cell(names, chips)}\n"
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # every value is escaped above
