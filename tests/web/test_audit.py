"""Audit log: the subscription's events, filterable by user, product, action and date."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.services.assignments import user_licenses_change
from licensing.services.pools import pool_set_quantity
from tests.web.conftest import client_for
from tests.world import Org


def audit_url(org: Org, subscription=None) -> str:
    return reverse("licensing:subscription_audit", args=[(subscription or org.s).pk])


def events(response) -> list[tuple[str, str, str]]:
    """(action, subject user, product) of the listed events."""
    return [(event.action, event.subject_user_label, event.product_label) for event in response.context["page"]]


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


@pytest.fixture
def history(org):
    """On top of the fixture's three assignments: Adele gets E5 (yesterday), E3's quantity changes (today)."""
    # The audit log is append-only (on PostgreSQL a trigger refuses updates), so the event is written yesterday.
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=1)):
        user_licenses_change(
            user=org.adele, subscription=org.s, add=[org.e5], by=Actor(org.users["global_admin"], Source.WEB)
        )
    pool_set_quantity(pool=org.pool_e3, quantity=30, by=Actor(org.users["global_admin"], Source.WEB))


def test_lists_only_this_subscriptions_events_newest_first(org: Org, client, history):
    response = client.get(audit_url(org))

    assert events(response) == [
        (AuditAction.QUANTITY_CHANGED, "", "OFFICESERIES_E3"),
        (AuditAction.LICENSE_ASSIGNED, "henrietta.mueller@contoso.test", "VISIO_P2"),
        (AuditAction.LICENSE_ASSIGNED, "alex.wilber@contoso.test", "OFFICESERIES_E3"),
        (AuditAction.LICENSE_ASSIGNED, "adele.vance@contoso.test", "OFFICESERIES_E5"),
    ]
    html = response.content.decode()
    assert "Quantity 20 → 30" in html
    assert "Showing 1–4 of 4 events" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user": "adele"}, [(AuditAction.LICENSE_ASSIGNED, "adele.vance@contoso.test", "OFFICESERIES_E5")]),
        ({"user": "Alex Wil"}, [(AuditAction.LICENSE_ASSIGNED, "alex.wilber@contoso.test", "OFFICESERIES_E3")]),
        (
            {"product": "OFFICESERIES_E3"},
            [
                (AuditAction.QUANTITY_CHANGED, "", "OFFICESERIES_E3"),
                (AuditAction.LICENSE_ASSIGNED, "alex.wilber@contoso.test", "OFFICESERIES_E3"),
            ],
        ),
        ({"action": AuditAction.QUANTITY_CHANGED}, [(AuditAction.QUANTITY_CHANGED, "", "OFFICESERIES_E3")]),
        ({"action": AuditAction.LICENSE_UNASSIGNED}, []),
    ],
)
def test_filters(org: Org, client, history, params, expected):
    assert events(client.get(audit_url(org), params)) == expected


def test_date_filters(org: Org, client, history):
    today = timezone.now().date()
    yesterday = today - datetime.timedelta(days=1)

    assert [event[2] for event in events(client.get(audit_url(org), {"date_to": yesterday.isoformat()}))] == [
        "OFFICESERIES_E5"
    ]
    assert "OFFICESERIES_E5" not in [
        event[2] for event in events(client.get(audit_url(org), {"date_from": today.isoformat()}))
    ]
    assert (
        len(events(client.get(audit_url(org), {"date_from": yesterday.isoformat(), "date_to": today.isoformat()}))) == 4
    )


def test_invalid_date_is_shown_and_not_applied(org: Org, client, history):
    response = client.get(audit_url(org), {"date_from": "not-a-date"})

    assert "Enter a valid date." in response.content.decode()
    assert len(events(response)) == 4


def test_filter_form_keeps_the_chosen_values(org: Org, client, history):
    html = client.get(
        audit_url(org), {"product": "VISIO_P2", "action": "license_assigned", "user": "hen"}
    ).content.decode()

    assert '<option value="VISIO_P2" selected>' in html
    assert '<option value="license_assigned" selected>' in html
    assert 'name="user" value="hen"' in html


def test_subscription_admin_reads_only_their_subscription(org: Org, history):
    client = client_for(org.users["subscription_admin"])

    assert len(events(client.get(audit_url(org)))) == 4
    assert client.get(audit_url(org, org.t)).status_code == 404


def test_an_inverted_date_range_is_refused_with_a_message_and_no_events_query(org: Org, client, history):
    today = timezone.now().date()
    params = {"date_from": today.isoformat(), "date_to": (today - datetime.timedelta(days=3)).isoformat()}

    with CaptureQueriesContext(connection) as captured:
        response = client.get(audit_url(org), params)

    html = response.content.decode()
    assert "The From date is after the To date: choose a From date on or before the To date." in html
    assert events(response) == []
    assert not any("licensing_auditevent" in query["sql"] for query in captured.captured_queries)


def test_the_api_refuses_an_inverted_date_range_too(org: Org, history):
    """The FilterSet is shared with GET /api/v1/audit-events/: there it is a validation error."""
    api = APIClient()
    api.force_authenticate(org.users["global_admin"])

    response = api.get("/api/v1/audit-events/", {"date_from": "2026-03-02", "date_to": "2026-03-01"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_times_and_actors_are_shown_one_way_on_every_page(org: Org, client, history):
    """One date-time format with its time zone, and the actor by name, on the audit log, the overview and the
    profile."""
    event = AuditEvent.objects.filter(subject_user=org.adele).get()
    shown = f"{timezone.localtime(event.occurred_at):%b %-d, %Y, %H:%M} UTC"

    audit = client.get(audit_url(org)).content.decode()
    overview = client.get(reverse("licensing:subscription_overview", args=[org.s.pk])).content.decode()
    profile = client.get(reverse("licensing:user_profile", args=[org.adele.pk])).content.decode()
    for html in (audit, overview, profile):
        assert shown in html
        assert "Gloria Admin" in html
        assert "(s)" not in html
    assert "<td>System</td>" in audit  # Henrietta's license was assigned by the system
