"""Subscription Overview: status, term, totals, availability per product and recent activity."""

from django.urls import reverse

from licensing.choices import SubscriptionStatus
from tests.web.conftest import client_for
from tests.world import Org


def overview(org: Org, user_key: str = "global_admin") -> str:
    return (
        client_for(org.users[user_key])
        .get(reverse("licensing:subscription_overview", args=[org.s.pk]))
        .content.decode()
    )


def test_totals_availability_and_recent_activity(org: Org):
    html = overview(org)

    assert "<h1>Overview</h1>" in html
    assert '<span class="stat-value">2 <span class="stat-of">of 26</span></span>' in html  # assigned of quantity
    assert '<span class="stat-label">Licenses available</span><span class="stat-value">24</span>' in html
    assert "19 of 20 available" in html and "0 of 1 available" in html
    activity = html[html.index('id="activity-heading"') :]
    assert "License assigned: OfficeSeries Visio Plan 2 · Henrietta Mueller" in activity
    assert "Fabrikam" not in activity


def test_inactive_subscription_says_licenses_cannot_be_assigned(org: Org):
    org.s.status = SubscriptionStatus.SUSPENDED
    org.s.save(update_fields=["status"])

    assert "This subscription is suspended: licenses can be unassigned but not assigned." in overview(org)
