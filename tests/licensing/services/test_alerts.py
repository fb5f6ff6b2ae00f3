"""pool_alerts_check and the admins' alert settings (README, "Alerts"), on the shared organisation (tests/world.py):
in S, Visio is exhausted (1 of 1), E3 has 1 of 20 and E5 0 of 5; in T, E3 has 1 of 7. The counters move only
through the services, so every test still ends with the pools' counters right."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.services.groups import group_members_change
from core.audit import SYSTEM, Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEvent
from licensing.choices import AlertKind
from licensing.models import AlertNotice, AlertPreference, PoolAlert, PoolSnapshot
from licensing.services.alerts import alert_preferences_set, notices_mark_read, pool_alerts_check
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_set_quantity
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory
from tests.world import Org, admin_new

S_ADMINS = ["global_admin", "subscription_admin", "user_admin"]


def check():
    return pool_alerts_check(by=SYSTEM)


def open_alerts() -> set[tuple[str, str]]:
    return {
        (alert.pool.product.sku_part_number, alert.kind)
        for alert in PoolAlert.objects.filter(cleared_at__isnull=True).select_related("pool__product")
    }


def quantity(pool, value: int) -> None:
    pool_set_quantity(by=SYSTEM, pool=pool, quantity=value)


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_full_pool_raises_90_and_100_percent_once_for_every_admin_who_may_manage_it(org: Org):
    result = check()

    assert open_alerts() == {("VISIO_P2", AlertKind.USAGE_90), ("VISIO_P2", AlertKind.FULL)}
    assert (result.raised, result.cleared, result.notices, result.emails) == (2, 0, 6, 3)
    for role in S_ADMINS:
        admin = org.users[role]
        assert AlertNotice.objects.filter(user=admin).count() == 2
        assert len(emails_to(admin)) == 1  # both alerts in one e-mail
    assert emails_to(org.users["member"]) == []
    raised = AuditEvent.objects.filter(action=AuditAction.POOL_ALERT_RAISED)
    assert {(event.subscription_id, event.product_label, event.details["kind"]) for event in raised} == {
        (org.s.pk, "VISIO_P2", "usage_90"),
        (org.s.pk, "VISIO_P2", "full"),
    }
    assert {event.details["assigned"] for event in raised} == {1}


def test_staying_crossed_raises_nothing_again(org: Org):
    check()
    mail.outbox.clear()

    again = check()

    assert (again.raised, again.cleared, again.notices, again.emails) == (0, 0, 0, 0)
    assert mail.outbox == []
    assert PoolAlert.objects.count() == 2


def test_recovering_clears_the_alert_and_re_arms_it(org: Org):
    check()

    quantity(org.pool_visio, 5)  # 1 of 5: 20 %
    cleared = check()
    assert (cleared.raised, cleared.cleared, cleared.emails) == (0, 2, 0)  # recovering is told by no e-mail
    assert len(mail.outbox) == 3  # the first run's
    assert open_alerts() == set()
    assert AuditEvent.objects.filter(action=AuditAction.POOL_ALERT_CLEARED).count() == 2

    mail.outbox.clear()
    quantity(org.pool_visio, 1)
    again = check()
    assert again.raised == 2
    assert PoolAlert.objects.filter(kind=AlertKind.FULL).count() == 2  # one cleared, one open
    assert len(mail.outbox) == 3


def test_90_percent_alone_stays_open_while_100_clears(org: Org):
    check()
    group = GroupFactory(name="Designers")
    people = [UserFactory() for _ in range(8)]
    group_members_change(by=SYSTEM, group=group, add=people)
    quantity(org.pool_e5, 10)
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.e5])  # 8 of 10 (80 %)
    assert check().raised == 0
    group_members_change(by=SYSTEM, group=group, add=[UserFactory()])  # 9 of 10
    check()
    assert ("OFFICESERIES_E5", AlertKind.USAGE_90) in open_alerts()
    assert ("OFFICESERIES_E5", AlertKind.FULL) not in open_alerts()


def test_members_starting_to_wait_raise_an_alert_and_an_empty_line_clears_it(org: Org):
    group = GroupFactory(name="Designers")
    people = [UserFactory() for _ in range(7)]
    group_members_change(by=SYSTEM, group=group, add=people)
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.e5])  # 5 licensed, 2 wait
    check()
    assert ("OFFICESERIES_E5", AlertKind.WAITING) in open_alerts()
    waiting = PoolAlert.objects.get(kind=AlertKind.WAITING)
    assert (waiting.details["assigned"], waiting.details["pending"]) == (5, 2)

    quantity(org.pool_e5, 7)  # the line is served
    check()
    assert ("OFFICESERIES_E5", AlertKind.WAITING) not in open_alerts()


def snapshots(pool, *assigned: int) -> None:
    """The pool's days before today, oldest first, each with `assigned` licenses of its quantity now."""
    today = timezone.localdate()
    PoolSnapshot.objects.bulk_create(
        PoolSnapshot(
            pool=pool,
            day=today - datetime.timedelta(days=len(assigned) - i),
            quantity=pool.quantity,
            assigned=count,
            pending=0,
        )
        for i, count in enumerate(assigned)
    )


@override_settings(LICENSE_FORECAST_ALERT_DAYS=14)
def test_a_forecast_under_the_threshold_raises_an_alert_and_a_flat_one_does_not(org: Org):
    quantity(org.pool_e3, 2)  # E3 in S: 1 of 2 now, as for nine days
    snapshots(org.pool_e3, *[1] * 9)
    quantity(org.pool_t_e3, 2)  # E3 in T: 1 of 2 now, after a slope of 0.15 a day: the one left goes in 7 days
    snapshots(org.pool_t_e3, 0, 0, 0, 0, 0, 1, 1, 1, 1)

    check()

    forecast = PoolAlert.objects.get(kind=AlertKind.FORECAST)  # T's only
    assert forecast.pool == org.pool_t_e3
    assert (forecast.details["outlook"], forecast.details["days_left"]) == ("runs_out", 7)
    assert "At this rate it runs out in about 7 days (0.15 more licenses wanted a day)." in mail.outbox[-1].body


def test_a_subscription_administrator_hears_only_of_their_subscriptions(org: Org, out_of_scope_admin):
    quantity(org.pool_t_e3, 1)  # T: 1 of 1
    check()

    sam = org.users["subscription_admin"]
    assert {n.alert.pool.subscription_id for n in AlertNotice.objects.filter(user=sam)} == {org.s.pk}
    assert {n.alert.pool.subscription_id for n in AlertNotice.objects.filter(user=out_of_scope_admin)} == {org.t.pk}
    assert {n.alert.pool.subscription_id for n in AlertNotice.objects.filter(user=org.users["global_admin"])} == {
        org.s.pk,
        org.t.pk,
    }


def test_a_disabled_admin_hears_nothing(org: Org):
    admin = admin_new(Role.GLOBAL_ADMIN, "Dora Disabled")
    admin.is_active = False
    admin.save()

    check()

    assert not AlertNotice.objects.filter(user=admin).exists()
    assert emails_to(admin) == []


def test_each_admin_chooses_which_alerts_reach_them_and_how(org: Org):
    gloria, sam = org.users["global_admin"], org.users["subscription_admin"]
    by = Actor(gloria, Source.WEB)
    everything = AlertKind.values
    assert alert_preferences_set(by=by, user=gloria, by_email=[AlertKind.USAGE_90], in_admin_center=[])
    assert alert_preferences_set(by=Actor(sam, Source.WEB), user=sam, by_email=[], in_admin_center=everything)

    check()

    assert not AlertNotice.objects.filter(user=gloria).exists()
    [email] = emails_to(gloria)
    assert "90 % of licenses assigned" in email.subject
    assert "No license free" not in email.body
    assert emails_to(sam) == []
    assert AlertNotice.objects.filter(user=sam).count() == 2
    changed = AuditEvent.objects.get(action=AuditAction.ALERT_PREFERENCES_CHANGED, subject_user=gloria)
    assert changed.details == {"by_email": ["usage_90"], "in_admin_center": []}


def test_saving_the_same_settings_changes_and_audits_nothing(org: Org):
    gloria = org.users["global_admin"]
    everything = AlertKind.values

    assert not alert_preferences_set(
        by=Actor(gloria, Source.WEB), user=gloria, by_email=everything, in_admin_center=everything
    )
    assert not AuditEvent.objects.filter(action=AuditAction.ALERT_PREFERENCES_CHANGED).exists()


def test_an_admin_changes_only_their_own_settings_and_only_to_known_kinds(org: Org):
    gloria, sam = org.users["global_admin"], org.users["subscription_admin"]

    with pytest.raises(PermissionDenied):
        alert_preferences_set(by=Actor(gloria, Source.WEB), user=sam, by_email=[], in_admin_center=[])
    with pytest.raises(ValidationFailed) as refused:
        alert_preferences_set(by=Actor(sam, Source.WEB), user=sam, by_email=["usage_95"], in_admin_center=[])

    assert refused.value.details["kinds"] == ["usage_95"]
    assert not AlertPreference.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ALERT_PREFERENCES_CHANGED).exists()


@override_settings(SITE_URL="https://admin.contoso.example")
def test_the_e_mail_names_the_pool_its_numbers_its_forecast_and_links_to_products_and_licenses(org: Org):
    quantity(org.pool_e3, 2)  # E3 in S: 1 of 2 (50 %), and Visio full: Sam gets Visio's two alerts

    check()

    [email] = emails_to(org.users["subscription_admin"])
    assert email.subject == "OfficeSeries: 2 license alerts (OfficeSeries Visio Plan 2 in Contoso Enterprise)"
    assert email.body.startswith("Hello Sam Subadmin,")
    assert "A license pool you manage needs attention:" in email.body
    assert (
        "OfficeSeries Visio Plan 2 (VISIO_P2) in Contoso Enterprise: 90 % of licenses assigned; No license free"
        in email.body
    )
    assert "1 of 1 assigned (100 %), 0 free, 0 waiting. No license is left for those who want one." in email.body
    assert f"https://admin.contoso.example/subscriptions/{org.s.pk}/products/" in email.body
    assert "https://admin.contoso.example/account/alerts/" in email.body
    assert "&" in email.body  # "Products & licenses", not escaped for HTML


def test_one_alert_has_a_subject_of_its_own(org: Org):
    gloria = org.users["global_admin"]
    alert_preferences_set(
        by=Actor(gloria, Source.WEB), user=gloria, by_email=[AlertKind.FULL], in_admin_center=AlertKind.values
    )
    check()
    [email] = emails_to(gloria)
    assert email.subject == "OfficeSeries alert: OfficeSeries Visio Plan 2 in Contoso Enterprise: No license free"


def test_notices_are_marked_read_one_or_all(org: Org):
    check()
    gloria = org.users["global_admin"]
    first, second = AlertNotice.objects.filter(user=gloria)

    assert notices_mark_read(user=gloria, notice_id=first.pk) == 1
    assert notices_mark_read(user=gloria, notice_id=first.pk) == 0
    assert notices_mark_read(user=gloria) == 1
    assert not AlertNotice.objects.filter(read_at__isnull=True, user=gloria).exists()
    assert AlertNotice.objects.filter(read_at__isnull=True, user=org.users["user_admin"]).count() == 2


def test_acting_as_a_subscription_administrator_evaluates_their_pools_only(org: Org):
    quantity(org.pool_t_e3, 1)
    pool_alerts_check(by=Actor(org.users["subscription_admin"], Source.CLI))
    assert {alert.pool.subscription_id for alert in PoolAlert.objects.all()} == {org.s.pk}


def test_a_member_cannot_run_the_check(org: Org):
    with pytest.raises(PermissionDenied):
        pool_alerts_check(by=Actor(org.users["member"], Source.CLI))


def test_evaluating_costs_the_same_queries_whatever_the_number_of_pools(org: Org):
    check()  # today's organisation raises its alerts first
    subscription = SubscriptionFactory()

    def queries_of_a_run_raising_for(count: int) -> int:
        for _ in range(count):
            LicensePoolFactory(subscription=subscription, quantity=0)  # full from the start: 90 % and 100 %
        with CaptureQueriesContext(connection) as captured:
            assert check().raised == 2 * count
        return len(captured.captured_queries)

    assert queries_of_a_run_raising_for(1) == queries_of_a_run_raising_for(20)
