"""Races on PostgreSQL over license alerts (README, "Alerts"): check_license_alerts on several servers at once raises
each alert once, gives each admin one notice and one e-mail, and clears a recovered alert once."""

import pytest
from django.core import mail

from core.audit import SYSTEM
from core.choices import AuditAction
from core.models import AuditEvent
from licensing.models import AlertNotice, PoolAlert
from licensing.services.alerts import pool_alerts_check
from licensing.services.pools import pool_set_quantity
from tests.concurrency import codes, run_at_once
from tests.world import Org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = 4
ADMINS_OF_S = 3


def test_concurrent_evaluations_raise_each_alert_once_and_e_mail_each_admin_once(org: Org):
    outcomes = run_at_once([lambda: pool_alerts_check(by=SYSTEM)] * RUNS)

    assert codes(outcomes) == {"ok": RUNS}
    assert sum(result.raised for _, result in outcomes) == 2  # Visio's 90 % and 100 %
    assert PoolAlert.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.POOL_ALERT_RAISED).count() == 2
    assert AlertNotice.objects.count() == 2 * ADMINS_OF_S
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        org.users[role].email for role in ("global_admin", "subscription_admin", "user_admin")
    )


def test_concurrent_evaluations_clear_a_recovered_alert_once(org: Org):
    pool_alerts_check(by=SYSTEM)
    pool_set_quantity(by=SYSTEM, pool=org.pool_visio, quantity=10)

    outcomes = run_at_once([lambda: pool_alerts_check(by=SYSTEM)] * RUNS)

    assert codes(outcomes) == {"ok": RUNS}
    assert sum(result.cleared for _, result in outcomes) == 2
    assert AuditEvent.objects.filter(action=AuditAction.POOL_ALERT_CLEARED).count() == 2
    assert not PoolAlert.objects.filter(cleared_at__isnull=True).exists()
