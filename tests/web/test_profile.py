"""A user's profile: their licenses in every subscription the admin may see, assigned when and by whom."""

import re

from django.urls import reverse

from tests.web.conftest import client_for
from tests.world import Org


def profile_url(user) -> str:
    return reverse("licensing:user_profile", args=[user.pk])


def licenses_section(html: str) -> str:
    return html[html.index('id="licenses-heading"') : html.index('id="events-heading"')]


def test_lists_licenses_in_every_subscription_with_when_and_by_whom(org: Org):
    response = client_for(org.users["user_admin"]).get(profile_url(org.alex))
    html = licenses_section(response.content.decode())

    assert "<h1>Alex Wilber</h1>" in response.content.decode()
    assert "2 licenses" in html
    assert html.index("Contoso Enterprise") < html.index("Fabrikam Research")
    assert html.count("OfficeSeries E3") == 2
    assert html.count("Gloria Admin") == 2  # assigned by
    assert len(re.findall(r'<time datetime="\d{4}-\d\d-\d\dT', html)) == 2
    manage = reverse("licensing:user_licenses", args=[org.s.pk, org.alex.pk])
    assert f'href="{manage}?next=' in html


def test_licenses_assigned_by_the_system_say_so(org: Org):
    html = licenses_section(client_for(org.users["global_admin"]).get(profile_url(org.henrietta)).content.decode())
    assert "OfficeSeries Visio Plan 2" in html
    assert "<td>System</td>" in html


def test_subscription_admin_sees_only_their_subscription(org: Org):
    html = licenses_section(client_for(org.users["subscription_admin"]).get(profile_url(org.alex)).content.decode())

    assert "Contoso Enterprise" in html
    assert "Fabrikam Research" not in html
    assert "1 license<" in html


def test_user_without_licenses(org: Org):
    html = client_for(org.users["global_admin"]).get(profile_url(org.adele)).content.decode()

    assert "No licenses in the subscriptions you can see." in html
    assert "Assign a license in:" in html
    assert reverse("licensing:user_licenses", args=[org.t.pk, org.adele.pk]) in html


def test_unknown_user_is_404(org: Org):
    assert (
        client_for(org.users["global_admin"]).get(reverse("licensing:user_profile", args=[999_999])).status_code == 404
    )
