"""check_license_alerts: the scheduled job that raises and clears license alerts (README, "Alerts")."""

from django.core import mail

from core.choices import AuditAction
from core.models import AuditEvent
from tests.world import Org


def test_a_run_says_what_it_did_and_a_second_run_does_nothing(run, org: Org):
    first = run("check_license_alerts")
    assert (first.code, first.out.strip()) == (0, "Raised 2 alerts and cleared 0; 6 notices and 3 e-mails sent.")
    assert len(mail.outbox) == 3
    event = AuditEvent.objects.filter(action=AuditAction.POOL_ALERT_RAISED).first()
    assert event.source == "cli"

    again = run("check_license_alerts")
    assert again.out.strip() == "Raised 0 alerts and cleared 0; 0 notices and 0 e-mails sent."


def test_a_member_may_not_run_it(run, org: Org):
    result = run("check_license_alerts", "--as", org.users["member"].email)
    assert result.code == 1
    assert "error [permission_denied]" in result.err
