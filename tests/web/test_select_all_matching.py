"""'Select all N users that match' (README, "In the browser"): a bulk action on every user a list's filters match,
the filters carried as the list's query string and re-applied on the server with the reader's scope; first a
confirmation with the count and, for an assignment, the shortfall; then the services, set-based."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.factories import UserFactory
from tests.web.conftest import HTMX, client_for, messages_of
from tests.world import Org

DIRECTORY_URL = reverse("licensing:users")
DIRECTORY_BULK_URL = reverse("licensing:users_directory_bulk")


def bulk_url(org: Org) -> str:
    return reverse("licensing:users_bulk", args=[org.s.pk])


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


def all_matching(query: str, **data) -> dict:
    return {"all_matching": "true", "query": query, **data}


# --- the control -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["global_admin", "subscription_admin"])
def test_the_assignments_list_offers_every_user_that_matches(org: Org, role):
    html = client_for(org.users[role]).get(users_url(org), {"department": "Sales", "ordering": "-name"}).content
    html = html.decode()
    assert "Select all 2 users that match</label>" in html  # Adele and Morgan
    assert '<input type="hidden" name="query" value="department=Sales">' in html  # sorting is not a filter


@pytest.mark.parametrize("role", ["global_admin", "user_admin", "subscription_admin"])
def test_the_users_list_offers_every_user_that_matches(org: Org, role):
    html = client_for(org.users[role]).get(DIRECTORY_URL, {"q": "vance", "page": "1"}).content.decode()
    assert "Select all 1 user that match</label>" in html
    assert '<input type="hidden" name="query" value="q=vance">' in html


def test_the_users_list_of_a_member_is_403(org: Org):
    response = client_for(org.users["member"]).post(DIRECTORY_BULK_URL, all_matching("", action="disable"))
    assert response.status_code == 403


# --- a subscription's User License Assignments -----------------------------------------------------------------


def test_the_confirmation_states_the_count_and_nothing_changes_yet(org: Org):
    response = client_for(org.users["global_admin"]).post(
        bulk_url(org), all_matching("department=Sales", action="assign", product=org.e5.pk)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Assign OfficeSeries E5 to 2 users?" in html
    assert "Needs 2 of the 5 available." in html
    assert '<input type="hidden" name="confirmed" value="true">' in html
    assert org.pool(org.pool_e5).assigned == 0


def test_the_confirmation_states_the_shortfall_before_the_admin_confirms(org: Org):
    org.pool_e5.quantity = 1
    org.pool_e5.save(update_fields=["quantity"])
    html = (
        client_for(org.users["global_admin"])
        .post(bulk_url(org), all_matching("department=Sales", action="assign", product=org.e5.pk))
        .content.decode()
    )
    assert "Needs 2, 1 available: nothing will change." in html
    assert "disabled>Assign to 2</button>" in html


def test_those_who_hold_it_need_no_license(org: Org):
    html = (
        client_for(org.users["global_admin"])
        .post(bulk_url(org), all_matching("", action="assign", product=org.e3.pk))
        .content.decode()
    )
    # Everyone (Adele, Alex, Henrietta, the four in tests/world.py's roles) but Alex, who holds E3 already.
    assert "Needs 6 of the 19 available; 7 match, the others have it already." in html


def test_with_htmx_the_confirmation_is_a_dialog(org: Org):
    response = client_for(org.users["global_admin"]).post(
        bulk_url(org), all_matching("department=Sales", action="unassign", product=org.e3.pk), headers=HTMX
    )
    assert response["HX-Retarget"] == "#dialog-host"
    assert response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert html.startswith('<dialog id="bulk-all-dialog" class="modal"')
    assert "Unassign OfficeSeries E3 from 2 users?" in html


@pytest.mark.parametrize("role", ["global_admin", "subscription_admin"])
def test_confirmed_it_assigns_every_user_that_matches_and_no_one_else(org: Org, role):
    response = client_for(org.users[role]).post(
        bulk_url(org),
        all_matching("department=Sales", action="assign", product=org.e5.pk, confirmed="true", next=users_url(org)),
        follow=True,
    )
    assert messages_of(response) == ["Assigned OfficeSeries E5 to 2 users."]
    assert org.held(org.adele) == {"OfficeSeries E5"}
    assert org.held(org.users["member"]) == {"OfficeSeries E5"}
    assert org.held(org.alex) == {"OfficeSeries E3"}


def test_confirmed_with_too_few_licenses_nothing_changes(org: Org):
    org.pool_e5.quantity = 1
    org.pool_e5.save(update_fields=["quantity"])
    response = client_for(org.users["global_admin"]).post(
        bulk_url(org),
        all_matching("department=Sales", action="assign", product=org.e5.pk, confirmed="true"),
        headers=HTMX,
    )
    assert "Not enough OfficeSeries E5 licenses: needs 2, 1 available." in response.content.decode()
    assert org.pool(org.pool_e5).assigned == 0


def test_a_subscription_admin_of_another_subscription_gets_404(org: Org):
    response = client_for(org.users["subscription_admin"]).post(
        reverse("licensing:users_bulk", args=[org.t.pk]), all_matching("", action="assign", product=org.e3.pk)
    )
    assert response.status_code == 404
    assert org.pool(org.pool_t_e3).assigned == 1


# --- the organisation's Users ----------------------------------------------------------------------------------


def test_the_users_confirmation_names_a_few_and_counts_them_all(org: Org, monkeypatch):
    from licensing.views.directory import UsersBulkView

    monkeypatch.setattr(UsersBulkView, "names_shown", 1)
    html = (
        client_for(org.users["user_admin"])
        .post(DIRECTORY_BULK_URL, all_matching("department=Sales", action="disable"))
        .content.decode()
    )
    assert "Disable 2 users?" in html
    assert "Every user that matches the list's filters: 2." in html
    assert "and 1 more</li>" in html
    assert 'name="users"' not in html  # the filters travel, not the ids
    assert '<input type="hidden" name="query" value="department=Sales">' in html


def test_a_user_admin_disables_every_user_that_matches(org: Org):
    response = client_for(org.users["user_admin"]).post(
        DIRECTORY_BULK_URL, all_matching("department=Sales", action="disable", confirmed="true"), follow=True
    )
    assert messages_of(response) == ["Disabled 2 users."]
    org.adele.refresh_from_db()
    org.alex.refresh_from_db()
    assert (org.adele.is_active, org.alex.is_active) == (False, True)


def test_a_user_admin_cannot_disable_admins_among_the_matches(org: Org):
    response = client_for(org.users["user_admin"]).post(
        DIRECTORY_BULK_URL, all_matching("q=admin", action="disable", confirmed="true")
    )
    assert response.status_code == 403
    org.users["global_admin"].refresh_from_db()
    assert org.users["global_admin"].is_active


def test_a_subscription_admin_may_not_disable_every_user_that_matches(org: Org):
    response = client_for(org.users["subscription_admin"]).post(
        DIRECTORY_BULK_URL, all_matching("", action="disable", confirmed="true")
    )
    assert response.status_code == 403
    org.adele.refresh_from_db()
    assert org.adele.is_active


def test_the_filters_are_reapplied_with_the_readers_scope(org: Org):
    """`licensed=true` counts licenses in the subscriptions the reader may see: a Subscription Administrator of S
    does not match a user licensed only in T."""
    only_in_t = UserFactory(display_name="Tess Other", department="Ops")
    user_licenses_change(user=only_in_t, subscription=org.t, add=[org.e3], by=Actor(None, Source.SYSTEM))
    data = all_matching("licensed=true", action="assign", pool=org.pool_e5.pk)

    as_global = client_for(org.users["global_admin"]).post(DIRECTORY_BULK_URL, data).content.decode()
    as_subscription_admin = client_for(org.users["subscription_admin"]).post(DIRECTORY_BULK_URL, data)

    assert "Assign OfficeSeries E5 to 3 users?" in as_global  # Alex, Henrietta, Tess
    assert "Assign OfficeSeries E5 to 2 users?" in as_subscription_admin.content.decode()
    client_for(org.users["subscription_admin"]).post(DIRECTORY_BULK_URL, {**data, "confirmed": "true"})
    assert org.held(only_in_t) == set()
    assert org.held(org.henrietta) == {"OfficeSeries Visio Plan 2", "OfficeSeries E5"}


def test_the_users_confirmation_states_the_shortfall(org: Org):
    html = (
        client_for(org.users["global_admin"])
        .post(DIRECTORY_BULK_URL, all_matching("", action="assign", pool=org.pool_visio.pk))
        .content.decode()
    )
    assert "Needs 6, 0 available: nothing will change." in html


# --- the cost does not grow with the number matched ------------------------------------------------------------


def _queries(client, url: str, data: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code in {200, 302}
    return len(captured)


@pytest.mark.parametrize("confirmed", ["", "true"])
def test_queries_do_not_grow_with_the_number_matched(org: Org, confirmed):
    client = client_for(org.users["global_admin"])
    org.pool_e5.quantity = 100
    org.pool_e5.save(update_fields=["quantity"])
    UserFactory.create_batch(2, department="Ops")
    UserFactory.create_batch(40, department="Field")

    def queries(department: str) -> int:
        data = all_matching(f"department={department}", action="assign", product=org.e5.pk, confirmed=confirmed)
        return _queries(client, bulk_url(org), data)

    assert queries("Ops") == queries("Field")
    assert org.pool(org.pool_e5).assigned == (42 if confirmed else 0)


@pytest.mark.parametrize("action", ["assign", "disable"])
def test_the_users_confirmation_costs_the_same_for_any_number_matched(org: Org, action):
    client = client_for(org.users["global_admin"])
    data = all_matching("department=Ops", action=action, pool=org.pool_e5.pk)
    UserFactory.create_batch(2, department="Ops")
    few = _queries(client, DIRECTORY_BULK_URL, data)
    UserFactory.create_batch(40, department="Ops")
    assert _queries(client, DIRECTORY_BULK_URL, data) == few
