"""The "Add or remove licenses" dialog: htmx fragment and no-JavaScript page, Save through user_licenses_set,
and every error path, after which nothing has changed."""

import re

import pytest
from django.urls import reverse

from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, ProductFactory, UserFactory
from tests.web.conftest import HTMX, client_for
from tests.world import Org

NONE_AVAILABLE = "None available — free a license or buy more"


def dialog_url(org: Org, user, subscription=None) -> str:
    return reverse("licensing:user_licenses", args=[(subscription or org.s).pk, user.pk])


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


def checkbox(html: str, product) -> str:
    match = re.search(rf'<input type="checkbox" name="products" value="{product.pk}"[^>]*>', html)
    assert match, f"no checkbox for {product}"
    return match.group(0)


def option(html: str, product) -> str:
    start = html.index(checkbox(html, product))
    return html[start : html.index("</div>", start)]


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


# --- opening --------------------------------------------------------------------------------------------


def test_htmx_get_returns_the_dialog_fragment(org: Org, client):
    response = client.get(dialog_url(org, org.alex), headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith(
        '<dialog id="license-dialog" class="modal" aria-modal="true" aria-labelledby="license-dialog-title">'
    )
    assert "<html" not in html
    assert re.search(r'<h2 id="license-dialog-title">Add or remove licenses .*Alex Wilber.*</h2>', html)
    assert "checked" in checkbox(html, org.e3)  # held
    assert "checked" not in checkbox(html, org.e5)
    assert "19 of 20 available" in option(html, org.e3)
    assert "5 of 5 available" in option(html, org.e5)
    assert f'hx-post="{dialog_url(org, org.alex)}"' in html
    assert ">Save</button>" in html and ">Cancel</button>" in html


def test_product_with_none_available_is_disabled_with_the_reason_unless_held(org: Org, client):
    adele = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()
    assert "disabled" in checkbox(adele, org.visio)
    assert "0 of 1 available" in option(adele, org.visio)
    assert NONE_AVAILABLE in option(adele, org.visio)
    assert f'aria-describedby="product-reason-{org.visio.pk}"' in checkbox(adele, org.visio)
    assert "disabled" not in checkbox(adele, org.e5)

    henrietta = client.get(dialog_url(org, org.henrietta), headers=HTMX).content.decode()
    assert "disabled" not in checkbox(henrietta, org.visio)
    assert "checked" in checkbox(henrietta, org.visio)
    assert NONE_AVAILABLE not in henrietta


def test_plain_get_is_a_full_page_with_the_same_form(org: Org, client):
    next_url = f"{users_url(org)}?q=adele"
    response = client.get(dialog_url(org, org.adele), {"next": next_url})
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html and '<nav aria-label="Subscription settings"' in html
    assert re.search(r'<h1 id="license-dialog-title">Add or remove licenses .*Adele Vance.*</h1>', html)
    assert "<dialog" not in html and "hx-post" not in html
    assert f'<input type="hidden" name="next" value="{users_url(org)}?q=adele">' in html
    assert "disabled" in checkbox(html, org.visio)


def test_unknown_user_is_404(org: Org, client):
    assert client.get(reverse("licensing:user_licenses", args=[org.s.pk, 999_999]), headers=HTMX).status_code == 404
    response = client.post(reverse("licensing:user_licenses", args=[org.s.pk, 999_999]), {"products": [org.e5.pk]})
    assert response.status_code == 404
    assert org.pool(org.pool_e5).assigned == 0


@pytest.mark.parametrize("products", [[], "e5"])
def test_unknown_subscription_is_404_and_the_save_changes_nothing(org: Org, client, products):
    """The Save reads the subscription with the pools it locks, not apart: one that does not exist is still 404,
    whether products are sent (no pool of them is found) or none (no pool is locked at all)."""
    url = reverse("licensing:user_licenses", args=[999_999, org.adele.pk])
    assert client.get(url, headers=HTMX).status_code == 404
    sent = {"products": [org.e5.pk]} if products else {}
    assert client.post(url, sent, headers=HTMX).status_code == 404
    assert client.post(url, sent).status_code == 404
    assert org.held(org.adele) == set() and org.pool(org.pool_e5).assigned == 0


# --- saving ---------------------------------------------------------------------------------------------


def test_htmx_save_updates_row_pool_summary_and_message_at_once(org: Org, client):
    response = client.post(dialog_url(org, org.alex), {"products": [org.e5.pk], "next": users_url(org)}, headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert org.held(org.alex) == {"OfficeSeries E5"}
    assert org.pool(org.pool_e3).assigned == 0
    assert org.pool(org.pool_e5).assigned == 1
    # The dialog's host is emptied (the dialog closes); the rest are out-of-band swaps.
    assert "<dialog" not in html
    row = re.search(
        rf'<template><tr data-user-id="{org.alex.pk}" id="user-row-{org.alex.pk}" hx-swap-oob="true".*?</tr>',
        html,
        re.S,
    )
    assert row and "OfficeSeries E5" in row.group(0) and "OfficeSeries E3" not in row.group(0)
    summary = re.search(r'<section id="pool-summary"[^>]*hx-swap-oob="true">.*?</section>', html, re.S).group(0)
    assert "20 of 20 available" in summary and "4 of 5 available" in summary
    assert '<div hx-swap-oob="innerHTML:#messages">' in html
    assert (
        '<div class="message message-success" role="status">Licenses updated for Alex Wilber: added OfficeSeries E5; '
        "removed OfficeSeries E3.</div>"
    ) in html


def test_plain_save_redirects_back_with_the_message(org: Org, client):
    next_url = f"{users_url(org)}?q=adele"
    response = client.post(dialog_url(org, org.adele), {"products": [org.e3.pk, org.e5.pk], "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == next_url
    assert org.held(org.adele) == {"OfficeSeries E3", "OfficeSeries E5"}
    page = client.get(next_url).content.decode()
    assert "Licenses updated for Adele Vance: added OfficeSeries E3, OfficeSeries E5." in page
    assert "18 of 20 available" in page


def test_unassigning_frees_the_license_and_it_leaves_the_row_and_the_profile(org: Org, client):
    assert "OfficeSeries E3" in client.get(reverse("licensing:user_profile", args=[org.alex.pk])).content.decode()

    response = client.post(dialog_url(org, org.alex), {"products": []}, headers=HTMX)

    html = response.content.decode()
    assert "Licenses updated for Alex Wilber: removed OfficeSeries E3." in html
    assert "20 of 20 available" in html
    assert org.pool(org.pool_e3).assigned == 0
    assert org.held(org.alex) == set()
    profile = client.get(reverse("licensing:user_profile", args=[org.alex.pk])).content.decode()
    assert "Contoso Enterprise" not in profile.split("Licenses", 1)[1].split("Assign a license in")[0]
    assert "Fabrikam Research" in profile  # still holds E3 in T


def test_saving_without_changes_says_so(org: Org, client):
    response = client.post(dialog_url(org, org.alex), {"products": [org.e3.pk]}, headers=HTMX)
    assert "No changes for Alex Wilber" in response.content.decode()
    assert AuditEvent.objects.filter(subject_user=org.alex).count() == 2  # the fixture's two


def test_save_is_recorded_as_a_web_change_by_the_admin(org: Org, client):
    client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]})

    event = AuditEvent.objects.get(subject_user=org.adele)
    assert (event.action, event.source, event.actor) == (
        AuditAction.LICENSE_ASSIGNED,
        Source.WEB,
        org.users["global_admin"],
    )


def test_cancel_changes_nothing(org: Org, client):
    htmx = client.post(dialog_url(org, org.alex), {"products": [], "cancel": "1"}, headers=HTMX)
    assert htmx.status_code == 200 and htmx.content == b""
    plain = client.post(dialog_url(org, org.alex), {"products": [], "cancel": "1", "next": users_url(org)})
    assert plain.status_code == 302 and plain["Location"] == users_url(org)
    assert org.held(org.alex) == {"OfficeSeries E3"}


def test_next_pointing_elsewhere_is_ignored(org: Org, client):
    response = client.post(dialog_url(org, org.adele), {"products": [], "next": "https://evil.example/"})
    assert response["Location"] == users_url(org)


# --- errors: the dialog shows them and nothing changes ------------------------------------------------


def assert_dialog_error(response, message: str) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#license-dialog"
    assert response["HX-Reswap"] == "innerHTML"
    assert "<dialog" not in html  # only the content: the dialog stays open
    assert re.search(r'<div id="license-dialog-error" class="message message-error" role="alert"[^>]*>', html)
    assert message in html
    assert "Licenses updated" not in html
    return html


def test_pool_ran_out_between_opening_and_save(org: Org, client):
    opened = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()
    assert "disabled" not in checkbox(opened, org.e5)
    org.pool_e5.quantity = 1
    org.pool_e5.save(update_fields=["quantity"])
    rival = UserFactory()
    user_licenses_change(user=rival, subscription=org.s, add=[org.e5], by=Actor(None, Source.SYSTEM))

    response = client.post(dialog_url(org, org.adele), {"products": [org.e3.pk, org.e5.pk]}, headers=HTMX)

    html = assert_dialog_error(response, "Not enough OfficeSeries E5 licenses: needs 1, 0 available.")
    # Fresh availability: E5 is now disabled with the reason; E3 keeps the admin's choice.
    assert "disabled" in checkbox(html, org.e5) and NONE_AVAILABLE in option(html, org.e5)
    assert "checked" in checkbox(html, org.e3)
    assert org.held(org.adele) == set()  # all or nothing: E3 was not assigned either
    assert org.pool(org.pool_e3).assigned == 1
    assert org.pool(org.pool_e5).assigned == 1


def test_pool_ran_out_without_javascript_rerenders_the_page(org: Org, client):
    org.pool_e5.quantity = 0
    org.pool_e5.save(update_fields=["quantity"])

    response = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]})

    assert response.status_code == 409
    html = response.content.decode()
    assert '<h1 id="license-dialog-title">' in html
    assert "Not enough OfficeSeries E5 licenses: needs 1, 0 available." in html
    assert org.held(org.adele) == set()


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_subscription_not_active(org: Org, client, status):
    org.s.status = status
    org.s.save(update_fields=["status"])

    notice = client.get(dialog_url(org, org.adele), headers=HTMX).content.decode()
    assert "licenses can be unassigned but not assigned" in notice
    response = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]}, headers=HTMX)

    assert_dialog_error(response, f"Subscription Contoso Enterprise is {status}")
    assert org.held(org.adele) == set()


def test_unassigning_in_an_inactive_subscription_works(org: Org, client):
    org.s.status = SubscriptionStatus.SUSPENDED
    org.s.save(update_fields=["status"])

    client.post(dialog_url(org, org.alex), {"products": []}, headers=HTMX)

    assert org.held(org.alex) == set()


def test_product_of_another_subscription_is_refused(org: Org, client):
    elsewhere = ProductFactory(name="Fabrikam Special", sku_part_number="FABRIKAM_SPECIAL")
    LicensePoolFactory(subscription=org.t, product=elsewhere, quantity=5)

    response = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk, elsewhere.pk]}, headers=HTMX)

    assert_dialog_error(response, "Subscription Contoso Enterprise has no licenses of: FABRIKAM_SPECIAL.")
    assert org.held(org.adele) == set()
    assert org.pool(org.pool_e5).assigned == 0


def test_unknown_product_is_refused(org: Org, client):
    response = client.post(dialog_url(org, org.adele), {"products": [org.e5.pk, "999999"]}, headers=HTMX)

    assert_dialog_error(response, "Subscription Contoso Enterprise has no licenses of: no product 999999.")
    assert org.held(org.adele) == set()


def test_plain_error_status_follows_the_error(org: Org, client):
    response = client.post(dialog_url(org, org.adele), {"products": ["not-a-number"]})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "Not an id: not-a-number." in response.content.decode()
    assert org.held(org.adele) == set()


def test_user_admin_may_assign(org: Org):
    client_for(org.users["user_admin"]).post(dialog_url(org, org.adele), {"products": [org.e5.pk]})
    assert org.held(org.adele) == {"OfficeSeries E5"}


def test_subscription_admin_may_assign_in_scope_only(org: Org):
    client = client_for(org.users["subscription_admin"])
    assert client.post(dialog_url(org, org.adele), {"products": [org.e5.pk]}).status_code == 302
    assert org.held(org.adele) == {"OfficeSeries E5"}
    assert client.post(dialog_url(org, org.adele, org.t), {"products": [org.e3.pk]}, headers=HTMX).status_code == 404
    assert org.held(org.adele, org.t) == set()


def test_member_gets_403_and_nothing_changes(org: Org):
    response = client_for(org.users["member"]).post(dialog_url(org, org.adele), {"products": [org.e5.pk]})
    assert response.status_code == 403
    assert org.held(org.adele) == set()
