"""set_subscription_status, and Django's createsuperuser and changepassword, which here write an audit event."""

import pytest
from django.core.management import CommandError, call_command, get_commands

from accounts.choices import Role
from accounts.models import User
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.choices import SubscriptionStatus
from licensing.models import Subscription
from tests.factories import RoleAssignmentFactory, SubscriptionFactory, UserFactory


@pytest.fixture(autouse=True)
def operator(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")


def status_of(subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).status


def test_set_subscription_status(run, db):
    legacy = SubscriptionFactory(name="Contoso Legacy", status=SubscriptionStatus.SUSPENDED, ends_on=None)

    result = run("set_subscription_status", "--subscription", "contoso legacy", "active")

    assert result.code == 0, result.err
    assert result.out == "Contoso Legacy: status suspended -> active, no end date.\n"
    assert status_of(legacy) == SubscriptionStatus.ACTIVE
    event = AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED)
    assert (event.source, event.actor_label, event.subscription, event.details) == (
        Source.CLI,
        "ops",
        legacy,
        {"old": "suspended", "new": "active"},
    )


def test_set_subscription_status_by_id_as_a_global_administrator(run, subscription, global_admin):
    result = run(
        "set_subscription_status", "--subscription", str(subscription.pk), "warning", "--as", global_admin.email
    )

    assert result.code == 0, result.err
    assert status_of(subscription) == SubscriptionStatus.WARNING
    assert AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_STATUS_CHANGED).actor == global_admin


@pytest.mark.parametrize(
    ("role", "in_scope", "code"),
    [
        (Role.SUBSCRIPTION_ADMIN, True, "permission_denied"),
        (Role.SUBSCRIPTION_ADMIN, False, "not_found"),
        (Role.USER_ADMIN, False, "permission_denied"),
    ],
)
def test_set_subscription_status_needs_a_global_administrator(run, subscription, role, in_scope, code):
    scope = (subscription if in_scope else SubscriptionFactory()) if role == Role.SUBSCRIPTION_ADMIN else None
    admin = RoleAssignmentFactory(role=role, subscription=scope).user

    result = run("set_subscription_status", "--subscription", subscription.name, "suspended", "--as", admin.email)

    assert (result.code, result.err.split(":")[0]) == (1, f"error [{code}]")
    assert status_of(subscription) == SubscriptionStatus.ACTIVE
    assert not AuditEvent.objects.exists()


def test_set_subscription_status_refuses_what_the_lifecycle_does_not_allow(run, db):
    trial = SubscriptionFactory(name="Contoso Trial", status=SubscriptionStatus.EXPIRED)

    result = run("set_subscription_status", "--subscription", "Contoso Trial", "active")

    assert result.code == 1
    assert (
        result.err
        == "error [status_change_not_allowed]: Subscription Contoso Trial is expired: it cannot become active.\n"
    )
    assert status_of(trial) == SubscriptionStatus.EXPIRED


@pytest.mark.parametrize(
    "argv",
    [
        ("--subscription", "Contoso Enterprise", "paused"),  # not a status
        ("active",),  # no --subscription
        ("--subscription", "Contoso Enterprise"),  # no status
    ],
)
def test_set_subscription_status_bad_usage_exits_2(run, db, argv):
    enterprise = SubscriptionFactory(name="Contoso Enterprise")

    result = run("set_subscription_status", *argv)

    assert result.code == 2
    assert status_of(enterprise) == SubscriptionStatus.ACTIVE


def test_set_subscription_status_of_an_unknown_subscription_exits_1(run, db):
    result = run("set_subscription_status", "--subscription", "Nope", "active")

    assert (result.code, result.err) == (1, "error [not_found]: Unknown subscription: Nope.\n")


# --- Django's own account commands ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["createsuperuser", "changepassword"])
def test_the_project_replaces_djangos_account_commands(name):
    assert get_commands()[name] == "accounts"


def test_createsuperuser_writes_a_user_created_event(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-break-glass-password")

    call_command("createsuperuser", "--noinput", "--email", "Root@Contoso.example", verbosity=0)

    root = User.objects.get(email="root@contoso.example")
    assert root.is_superuser and root.check_password("a-long-break-glass-password")
    event = AuditEvent.objects.get()
    assert (event.action, event.source, event.actor, event.actor_label, event.subject_user) == (
        AuditAction.USER_CREATED,
        Source.CLI,
        None,
        "ops",
        root,
    )
    assert event.details["is_superuser"] is True
    assert event.details["is_staff"] is True


def test_createsuperuser_that_fails_writes_nothing(db, monkeypatch):
    UserFactory(email="root@contoso.example")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-break-glass-password")

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", "--noinput", "--email", "root@contoso.example", verbosity=0)

    assert not AuditEvent.objects.exists()


def test_createsuperuser_and_its_event_are_one_transaction(db, monkeypatch):
    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("accounts.management.break_glass.audit_record_one", broken_audit)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-break-glass-password")

    with pytest.raises(RuntimeError):
        call_command("createsuperuser", "--noinput", "--email", "root@contoso.example", verbosity=0)

    assert not User.objects.filter(email="root@contoso.example").exists()


def test_changepassword_writes_a_user_updated_event(db, monkeypatch):
    user = UserFactory(email="ann.lee@contoso.example")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-new-long-password-2026")

    call_command("changepassword", "ann.lee@contoso.example")

    user.refresh_from_db()
    assert user.check_password("a-new-long-password-2026")
    event = AuditEvent.objects.get()
    assert (event.action, event.source, event.actor_label, event.subject_user, event.details) == (
        AuditAction.USER_UPDATED,
        Source.CLI,
        "ops",
        user,
        {"password": "changed"},
    )


def test_changepassword_with_mismatched_passwords_writes_nothing(db, monkeypatch):
    user = UserFactory(email="ann.lee@contoso.example")
    answers = iter(["a-new-long-password-2026", "something-else-entirely"] * 3)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    with pytest.raises(CommandError, match="Aborting"):
        call_command("changepassword", "ann.lee@contoso.example")

    user.refresh_from_db()
    assert not user.check_password("a-new-long-password-2026")
    assert not AuditEvent.objects.exists()
