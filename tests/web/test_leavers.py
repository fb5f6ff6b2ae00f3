"""A disabled user who still holds licenses says on their row of User License Assignments when the licenses are
reclaimed (README, "Leavers' licenses"), without a query more for the page."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import Source
from tests.web.conftest import client_for
from tests.world import Org

OPERATOR = Actor(None, Source.CLI, label="ops")
DISABLED_AT = datetime.datetime(2026, 11, 29, 21, 30, tzinfo=datetime.UTC)


def page(org: Org) -> tuple[str, int]:
    client = client_for(org.users["global_admin"])
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    client.get(url)  # the session's first request loads what later ones have cached
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def row(html: str, user: User) -> str:
    start = html.index(f'id="user-row-{user.pk}"')
    return html[start : html.index("</tr>", start)]


def test_a_disabled_users_row_says_when_their_licenses_are_reclaimed(org: Org):
    _, queries_before = page(org)
    for user in (org.alex, org.adele):  # Alex holds E3 here, Adele holds nothing
        user_update(by=OPERATOR, user=user, is_active=False)
    User.objects.filter(pk__in=[org.alex.pk, org.adele.pk]).update(disabled_at=DISABLED_AT)

    html, queries = page(org)

    assert queries == queries_before
    assert "Licenses reclaimed on 2026-12-29" in row(html, org.alex)
    assert "Licenses reclaimed" not in row(html, org.adele)  # nothing to reclaim
    assert "Licenses reclaimed" not in row(html, org.henrietta)  # enabled


def test_the_day_follows_the_grace_setting(org: Org, settings):
    settings.LICENSE_RECLAIM_GRACE_DAYS = 7
    user_update(by=OPERATOR, user=org.alex, is_active=False)
    User.objects.filter(pk=org.alex.pk).update(disabled_at=DISABLED_AT)
    assert "Licenses reclaimed on 2026-12-06" in row(page(org)[0], org.alex)
