"""The Notices and Alerts pages and the top bar's unread count (README, "Alerts"), for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import SYSTEM
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.choices import AlertKind
from licensing.models import AlertNotice, AlertPreference
from licensing.services.alerts import pool_alerts_check
from licensing.services.pools import pool_set_quantity
from tests.factories import LicensePoolFactory
from tests.web.conftest import client_for, messages_of
from tests.world import Org

NOTICES_URL = reverse("licensing:notices")
SETTINGS_URL = reverse("licensing:alert_settings")
ADMINS = ["global_admin", "user_admin", "subscription_admin"]


def badge(html: str) -> str | None:
    """The unread count in the top bar, or None without one."""
    marker = '<span class="notice-count">'
    if marker not in html:
        return None
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


@pytest.mark.parametrize("role", ADMINS)
def test_every_admin_sees_their_unread_count_and_their_notices(org: Org, role):
    pool_alerts_check(by=SYSTEM)  # Visio in S is full: 90 % and 100 %
    client = client_for(org.users[role])

    html = client.get(reverse("licensing:home")).content.decode()
    assert badge(html) == "2"
    page = client.get(NOTICES_URL).content.decode()
    assert "No license free: <a href" in page and "OfficeSeries Visio Plan 2</a> in Contoso Enterprise" in page
    assert "1 of 1 assigned (100 %), 0 free, 0 waiting." in page
    assert f'href="/subscriptions/{org.s.pk}/products/"' in page


def test_a_subscription_administrator_out_of_scope_sees_no_notice_of_s(org: Org, out_of_scope_admin):
    pool_alerts_check(by=SYSTEM)
    page = client_for(out_of_scope_admin).get(NOTICES_URL).content.decode()
    assert badge(page) is None
    assert "No notices" in page


def test_a_notice_about_a_subscription_no_longer_in_scope_is_hidden(org: Org):
    pool_alerts_check(by=SYSTEM)
    sam = org.users["subscription_admin"]
    sam.role_assignments.update(subscription=org.t)
    page = client_for(sam).get(NOTICES_URL).content.decode()
    assert "Visio" not in page and badge(page) is None


def test_a_member_and_anonymous_get_no_page(org: Org):
    assert client_for(org.users["member"]).get(NOTICES_URL).status_code == 403
    assert client_for(None).get(SETTINGS_URL).status_code == 302


def test_mark_one_read_then_all(org: Org):
    pool_alerts_check(by=SYSTEM)
    gloria = org.users["global_admin"]
    client = client_for(gloria)
    first = AlertNotice.objects.filter(user=gloria).first()

    response = client.post(reverse("licensing:notices_read"), {"notice": first.pk})
    assert response.status_code == 302 and response.url == NOTICES_URL
    assert badge(client.get(NOTICES_URL).content.decode()) == "1"

    response = client.post(reverse("licensing:notices_read"), follow=True)
    assert messages_of(response) == ["Marked 1 notice read."]
    assert badge(response.content.decode()) is None
    assert AlertNotice.objects.filter(user=org.users["user_admin"], read_at__isnull=True).count() == 2


def test_marking_all_read_counts_in_words(org: Org):
    pool_alerts_check(by=SYSTEM)
    client = client_for(org.users["user_admin"])

    response = client.post(reverse("licensing:notices_read"), follow=True)
    assert messages_of(response) == ["Marked 2 notices read."]
    response = client.post(reverse("licensing:notices_read"), follow=True)
    assert messages_of(response) == ["Marked 0 notices read."]


@pytest.mark.parametrize("notice", ["abc", "-1", "1.5", "9" * 30])
def test_a_bad_notice_id_is_an_error_and_marks_nothing_read(org: Org, notice):
    pool_alerts_check(by=SYSTEM)
    gloria = org.users["global_admin"]
    unread = AlertNotice.objects.filter(user=gloria, read_at__isnull=True).count()

    response = client_for(gloria).post(reverse("licensing:notices_read"), {"notice": notice}, follow=True)

    assert messages_of(response) == [f"No such notice: {notice!r}."]
    assert AlertNotice.objects.filter(user=gloria, read_at__isnull=True).count() == unread > 0


def test_marking_another_admins_notice_read_changes_nothing(org: Org):
    pool_alerts_check(by=SYSTEM)
    theirs = AlertNotice.objects.filter(user=org.users["user_admin"]).first()
    client_for(org.users["global_admin"]).post(reverse("licensing:notices_read"), {"notice": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("role", ADMINS)
def test_every_admin_sets_their_own_alerts(org: Org, role):
    admin = org.users[role]
    client = client_for(admin)
    page = client.get(SETTINGS_URL).content.decode()
    assert page.count(" checked") == 2 * len(AlertKind.values)  # all on by default

    response = client.post(
        SETTINGS_URL, {"by_email": ["full", "waiting"], "in_admin_center": ["forecast"]}, follow=True
    )

    assert messages_of(response) == ["Your alert settings are saved."]
    chosen = {p.kind: (p.by_email, p.in_admin_center) for p in AlertPreference.objects.filter(user=admin)}
    assert chosen == {
        "usage_90": (False, False),
        "full": (True, False),
        "waiting": (True, False),
        "forecast": (False, True),
    }
    assert response.content.decode().count(" checked") == 3
    assert AuditEvent.objects.filter(action=AuditAction.ALERT_PREFERENCES_CHANGED, subject_user=admin).count() == 1
    assert not AlertPreference.objects.exclude(user=admin).exists()


def test_an_unknown_kind_is_refused(org: Org):
    response = client_for(org.users["global_admin"]).post(SETTINGS_URL, {"by_email": ["everything"]})
    assert response.status_code == 400
    assert not AlertPreference.objects.exists()


def test_the_badge_costs_one_query_whatever_the_number_of_pools_and_notices(org: Org):
    client = client_for(org.users["global_admin"])
    url = reverse("licensing:roles")  # a page that lists no pool, so only the badge could grow with them

    def queries() -> tuple[int, int]:
        """All the page's queries, and those that read notices."""
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        sqls = [query["sql"] for query in captured.captured_queries]
        return len(sqls), sum("licensing_alertnotice" in sql for sql in sqls)

    before = queries()
    assert before[1] == 1
    pool_alerts_check(by=SYSTEM)
    for _ in range(10):
        LicensePoolFactory(subscription=org.t, quantity=0)
    pool_set_quantity(by=SYSTEM, pool=org.pool_e3, quantity=1)
    pool_alerts_check(by=SYSTEM)
    assert AlertNotice.objects.filter(user=org.users["global_admin"]).count() == 24
    assert queries() == before


def test_the_badge_is_not_counted_for_a_fragment(org: Org):
    client = client_for(org.users["global_admin"])
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("licensing:users_total"), headers={"HX-Request": "true"})
    assert not any("licensing_alertnotice" in query["sql"] for query in captured.captured_queries)
