"""Where licenses come from, on the licensing pages (README, "User License Assignments"): each license's source and
state in the user rows and on the profile, the filters by state and by source, the dialog's locked group licenses
(Save keeps them, and a direct assignment alongside), the line's waiting counts in the pool summaries."""

import re

import pytest
from django.urls import reverse

from accounts.choices import GroupKind
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment, PendingLicense
from licensing.services.group_licenses import group_licenses_change
from licensing.services.subscriptions import subscription_set_status
from tests.web.conftest import HTMX, client_for, messages_of
from tests.web.test_dialog import checkbox, dialog_url, option, users_url
from tests.world import Org

SYSTEM = Actor(None, Source.CLI, label="test")
MORGAN = "member"  # Morgan Member, in no group


@pytest.fixture
def sales(org: Org):
    """Sales holds E3 and Visio in S. Adele and Alex are members: Adele has E3 from Sales, Alex has it directly
    too; Visio's one license is Henrietta's, so both wait for it, Adele first."""
    group = group_create(by=SYSTEM, name="Sales", kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.e3, org.visio])
    group_members_change(by=SYSTEM, group=group, add=[org.adele])
    group_members_change(by=SYSTEM, group=group, add=[org.alex])
    return group


@pytest.fixture
def client(org: Org):
    return client_for(org.users["global_admin"])


def row_html(html: str, user) -> str:
    match = re.search(rf'<tr data-user-id="{user.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {user}"
    return match.group(0)


def licenses_text(html: str, user) -> str:
    cell = re.search(r'<td class="licenses">(.*?)</td>', row_html(html, user), re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def shown(client, url: str, **params) -> set[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {person.display_name for person in response.context["page"].object_list}


def direct_of(org: Org, user, pool) -> bool | None:
    return LicenseAssignment.objects.filter(user=user, pool=pool).values_list("direct", flat=True).first()


# --- the rows -------------------------------------------------------------------------------------------


def test_each_license_in_a_row_shows_its_source_and_state(org: Org, sales, client):
    html = client.get(users_url(org)).content.decode()

    assert licenses_text(html, org.adele) == (
        "OfficeSeries E3 from Sales, OfficeSeries Visio Plan 2 from Sales Pending waiting: not enough licenses"
    )
    assert licenses_text(html, org.alex) == (
        "OfficeSeries E3 Direct · from Sales, OfficeSeries Visio Plan 2 from Sales Pending waiting: not enough licenses"
    )
    assert licenses_text(html, org.henrietta) == "OfficeSeries Visio Plan 2 Direct"
    assert '<span class="license-chip is-pending">OfficeSeries Visio Plan 2' in row_html(html, org.adele)


def test_a_pending_license_of_a_subscription_not_active_says_so(org: Org, sales, client):
    subscription_set_status(subscription=org.s, status=SubscriptionStatus.SUSPENDED, by=SYSTEM)
    html = client.get(users_url(org)).content.decode()
    assert "Visio Plan 2 from Sales Pending waiting: subscription not active" in licenses_text(html, org.adele)


def test_the_row_after_a_save_shows_the_sources_too(org: Org, sales, client):
    response = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]}, headers=HTMX)
    assert response.status_code == 200
    assert licenses_text(response.content.decode(), org.adele) == (
        "OfficeSeries E3 from Sales, OfficeSeries E5 Direct, "
        "OfficeSeries Visio Plan 2 from Sales Pending waiting: not enough licenses"
    )


# --- the filters ----------------------------------------------------------------------------------------


def test_filter_by_state_pending(org: Org, sales, client):
    assert shown(client, users_url(org), state="pending") == {"Adele Vance", "Alex Wilber"}
    group_members_change(by=SYSTEM, group=sales, remove=[org.adele, org.alex])
    assert shown(client, users_url(org), state="pending") == set()


def test_filter_by_source(org: Org, sales, client):
    url = users_url(org)
    assert shown(client, url, source="direct") == {"Alex Wilber", "Henrietta Mueller"}
    assert shown(client, url, source=f"group:{sales.pk}") == {"Adele Vance", "Alex Wilber"}
    assert shown(client, url, source=f"group:{sales.pk}", product="OFFICESERIES_E3", state="pending") == {
        "Adele Vance",
        "Alex Wilber",
    }
    for unknown in ("group:999999", "group:x", "group:²", "Sales", "group:99999999999999999999"):
        assert shown(client, url, source=unknown) == set(), unknown


def test_filters_by_source_and_state_stay_in_the_pages_subscription(org: Org, client):
    """A group that holds a pool of T only is no source in S, and a place in T's line is not pending in S."""
    fabrikam = group_create(by=SYSTEM, name="Fabrikam staff", kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=fabrikam, subscription=org.t, add=[org.e3])
    group_members_change(by=SYSTEM, group=fabrikam, add=[org.adele])
    assert shown(client, users_url(org), source=f"group:{fabrikam.pk}") == set()
    t_url = reverse("licensing:subscription_users", args=[org.t.pk])
    assert shown(client, t_url, source=f"group:{fabrikam.pk}") == {"Adele Vance"}
    assert shown(client, t_url, source="direct") == {"Alex Wilber"}

    page = client.get(users_url(org)).content.decode()
    assert "Fabrikam staff" not in page
    assert f'<option value="group:{fabrikam.pk}">' in client.get(t_url).content.decode()


def test_the_source_filter_offers_direct_and_the_groups_that_hold_a_product_here(org: Org, sales, client):
    html = client.get(users_url(org), {"source": f"group:{sales.pk}"}).content.decode()
    assert '<option value="direct">Direct</option>' in html
    assert f'<option value="group:{sales.pk}" selected>Group Sales</option>' in html
    assert '<option value="pending">Pending (waiting for a license)</option>' in html


def test_the_api_shares_the_filters_within_the_callers_scope(org: Org, sales, out_of_scope_admin):
    """Sales holds pools of S only: to the Subscription Administrator of T it is no source, and nobody waits."""
    emails = lambda response: {user["email"] for user in response.json()["results"]}  # noqa: E731
    admin = client_for(org.users["global_admin"])
    assert emails(admin.get("/api/v1/users/", {"state": "pending"})) == {org.adele.email, org.alex.email}
    assert emails(admin.get("/api/v1/users/", {"source": f"group:{sales.pk}"})) == {org.adele.email, org.alex.email}
    outsider = client_for(out_of_scope_admin)
    assert emails(outsider.get("/api/v1/users/", {"state": "pending"})) == set()
    assert emails(outsider.get("/api/v1/users/", {"source": f"group:{sales.pk}"})) == set()
    assert admin.get("/api/v1/users/", {"state": "maybe"}).status_code == 400


# --- the dialog -----------------------------------------------------------------------------------------


def test_a_license_from_a_group_is_checked_and_locked_with_the_groups_named(org: Org, sales, client):
    html = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()
    e3 = checkbox(html, org.e3)
    assert "checked" in e3 and "disabled" in e3
    assert "from group Sales" in option(html, org.e3)
    assert "also assigned directly" not in option(html, org.e3)
    assert "disabled" not in checkbox(html, org.e5)


def test_a_license_also_assigned_directly_says_so(org: Org, sales, client):
    marketing = group_create(by=SYSTEM, name="Marketing", kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=marketing, subscription=org.s, add=[org.e3])
    group_members_change(by=SYSTEM, group=marketing, add=[org.alex])
    html = client.get(dialog_url(org, org.alex), headers=HTMX).content.decode()
    assert "checked" in checkbox(html, org.e3) and "disabled" in checkbox(html, org.e3)
    assert "from groups Marketing, Sales; also assigned directly" in option(html, org.e3)


def test_a_pending_license_shows_the_line(org: Org, sales, client):
    html = client.get(dialog_url(org, org.alex), headers=HTMX).content.decode()
    visio = checkbox(html, org.visio)
    assert "disabled" in visio and "checked" not in visio
    assert "waiting for a license (2 in line), from group Sales" in option(html, org.visio)


def test_a_pool_with_members_waiting_says_a_freed_license_goes_to_them(org: Org, sales, client):
    """Henrietta holds Visio directly: she may give it up, and it goes to the line; Morgan may not take one."""
    waiting = "2 waiting for a license: one that frees up goes to them first, so a direct assignment here is refused."
    henrietta = client.get(dialog_url(org, org.henrietta), headers=HTMX).content.decode()
    assert "disabled" not in checkbox(henrietta, org.visio)
    assert waiting in option(henrietta, org.visio)
    morgan = client.get(dialog_url(org, org.users[MORGAN]), headers=HTMX).content.decode()
    assert "disabled" in checkbox(morgan, org.visio)
    assert waiting in option(morgan, org.visio)
    assert "waiting for a license" not in option(morgan, org.e3)


def test_save_keeps_a_group_license_and_a_direct_assignment_alongside(org: Org, sales, client):
    """The locked checkboxes are never sent: Alex's direct E3 stays direct, Adele's group E3 stays."""
    response = client.post(dialog_url(org, org.alex), {"products": [org.e5.pk]}, headers=HTMX)
    assert response.status_code == 200
    assert org.held(org.alex) == {"OfficeSeries E3", "OfficeSeries E5"}
    assert direct_of(org, org.alex, org.pool_e3) is True

    client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]}, headers=HTMX)
    assert org.held(org.adele) == {"OfficeSeries E3", "OfficeSeries E5"}
    assert direct_of(org, org.adele, org.pool_e3) is False
    assert not AuditEvent.objects.filter(action=AuditAction.LICENSE_DIRECT_REMOVED).exists()


def test_save_never_trusts_the_request_for_a_locked_product(org: Org, sales, client):
    """A hand-made POST with Adele's group license checked does not make it direct, one without Alex's does not
    take his direct assignment away, and a product waited for is not assigned past the line."""
    client.post(dialog_url(org, org.adele), {"products": [org.e3.pk, org.visio.pk]})
    assert direct_of(org, org.adele, org.pool_e3) is False
    assert PendingLicense.objects.filter(user=org.adele, pool=org.pool_visio).exists()
    client.post(dialog_url(org, org.alex), {"products": []})
    assert direct_of(org, org.alex, org.pool_e3) is True
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.LICENSE_DIRECT_ADDED, AuditAction.LICENSE_DIRECT_REMOVED]
    ).exists()


def test_unassigning_a_license_gives_it_to_the_first_in_line(org: Org, sales, client):
    response = client.post(dialog_url(org, org.henrietta), {"products": []}, follow=True)
    assert "Licenses updated for Henrietta Mueller: removed OfficeSeries Visio Plan 2." in messages_of(response)
    assert "OfficeSeries Visio Plan 2" in org.held(org.adele)
    assert list(PendingLicense.objects.values_list("user", flat=True)) == [org.alex.pk]


def test_a_direct_assignment_past_the_line_is_refused_with_the_message_and_changes_nothing(org: Org, sales, client):
    morgan = org.users[MORGAN]
    before = AuditEvent.objects.count()
    response = client.post(dialog_url(org, morgan), {"products": [org.visio.pk]}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#license-dialog"
    error = re.search(r'<div id="license-dialog-error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "Visio" in error
    assert org.held(morgan) == set()
    assert AuditEvent.objects.count() == before


# --- the profile and the pool summaries -----------------------------------------------------------------


def test_the_profile_shows_each_license_with_its_sources_and_state(org: Org, sales):
    response = client_for(org.users["user_admin"]).get(reverse("licensing:user_profile", args=[org.alex.pk]))
    html = response.content.decode()
    licenses = html[html.index('id="licenses-heading"') :]
    assert "2 licenses · 1 waiting" in licenses
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in re.findall(r"<tr.*?</tr>", licenses, re.S)
    ]
    assert any(row.startswith("OfficeSeries E3 Direct · from Sales") for row in rows)
    assert "OfficeSeries Visio Plan 2 from Sales Pending waiting: not enough licenses — —" in rows
    assert any(row.startswith("OfficeSeries E3 Direct") and "from" not in row for row in rows)  # in T


def test_the_profile_hides_the_lines_of_subscriptions_out_of_scope(org: Org, out_of_scope_admin):
    group = group_create(by=SYSTEM, name="Sales", kind=GroupKind.ASSIGNED)
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.visio])
    group_members_change(by=SYSTEM, group=group, add=[org.adele])
    html = client_for(out_of_scope_admin).get(reverse("licensing:user_profile", args=[org.adele.pk])).content.decode()
    assert "Visio" not in html and "waiting" not in html


def test_pool_summaries_count_the_members_waiting(org: Org, sales, client):
    waiting = '<span class="pool-waiting">2 waiting</span>'
    assert waiting in client.get(reverse("licensing:home")).content.decode()
    assert waiting in client.get(users_url(org)).content.decode()
    assert waiting in client.get(reverse("licensing:subscription_overview", args=[org.s.pk])).content.decode()
    products = client.get(reverse("licensing:subscription_products", args=[org.s.pk])).content.decode()
    assert '<span class="pool-waiting">2 waiting</span></td>' in products
    assert products.count(" waiting<") == 1  # Visio only
