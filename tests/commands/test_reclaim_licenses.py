"""reclaim_licenses: the scheduled job that returns leavers' licenses to their pools (README, "Leavers' licenses")."""

import datetime

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.services.users import user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment
from licensing.services.assignments import user_licenses_change
from tests.factories import RoleAssignmentFactory, UserFactory

OPERATOR = Actor(None, Source.CLI, label="ops")


def leaver(pool, email: str, days_ago: int) -> User:
    user = UserFactory(email=email)
    user_licenses_change(by=OPERATOR, user=user, subscription=pool.subscription, add=[pool.product])
    user_update(by=OPERATOR, user=user, is_active=False)
    disabled_at = timezone.now() - datetime.timedelta(days=days_ago)
    User.objects.filter(pk=user.pk).update(disabled_at=disabled_at)
    return User.objects.get(pk=user.pk)


def test_a_dry_run_lists_who_and_what_and_writes_nothing(run, e3):
    gone = leaver(e3, "gone@contoso.test", 31)
    leaver(e3, "recent@contoso.test", 3)

    result = run("reclaim_licenses", "--dry-run")

    assert result.code == 0, result.err
    assert result.out == (
        "user\tdisabled_at\tsubscription\tsku\tstate\n"
        f"gone@contoso.test\t{gone.disabled_at.isoformat()}\t{e3.subscription.name}\tOFFICESERIES_E3\tlicensed\n"
        "dry run, nothing written: would reclaim 1 licenses and 0 places in line from 1 disabled accounts.\n"
    )
    assert LicenseAssignment.objects.filter(pool=e3).count() == 2


def test_the_job_reclaims_and_says_how_much(run, e3, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "cron")
    leaver(e3, "gone@contoso.test", 31)
    leaver(e3, "recent@contoso.test", 3)

    result = run("reclaim_licenses")

    assert result.code == 0, result.err
    assert result.out == "Reclaimed 1 licenses and 0 places in line from 1 disabled accounts.\n"
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_RECLAIMED)
    assert (event.subject_user_label, event.source, event.actor_label) == ("gone@contoso.test", Source.CLI, "cron")
    assert run("reclaim_licenses").out == "Reclaimed 0 licenses and 0 places in line from 0 disabled accounts.\n"


def test_only_user_managers_may_run_it(run, e3):
    admin = RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=e3.subscription).user
    for argv in (["reclaim_licenses"], ["reclaim_licenses", "--dry-run"]):
        result = run(*argv, "--as", admin.email)
        assert (result.code, result.err.split("]")[0]) == (1, "error [permission_denied")
