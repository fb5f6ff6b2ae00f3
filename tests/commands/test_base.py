"""The shared behaviour of every operator command: actor, audit source, exit codes, progress on a terminal."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from core.choices import AuditAction, Source
from core.commands import ProgressBar
from core.models import AuditEvent
from licensing.models import LicenseAssignment
from tests.factories import UserFactory


def test_without_as_the_audit_names_the_operating_system_user(run, e3, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops-alice")
    user = UserFactory()

    result = run(
        "assign_license", "--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", user.email
    )

    assert result.code == 0, result.err
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_ASSIGNED)
    assert (event.source, event.actor, event.actor_label) == (Source.CLI, None, "ops-alice")


def test_as_acts_as_that_admin_and_the_audit_names_them(run, e3, subscription_admin):
    user = UserFactory()

    result = run(
        "assign_license",
        *("--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", user.email),
        *("--as", subscription_admin.email.upper()),
    )

    assert result.code == 0, result.err
    event = AuditEvent.objects.get(action=AuditAction.LICENSE_ASSIGNED)
    assert (event.source, event.actor, event.actor_label) == (Source.CLI, subscription_admin, subscription_admin.email)
    assert LicenseAssignment.objects.get().assigned_by == subscription_admin


def test_as_enforces_the_admins_role(run, e3, member):
    result = run(
        "assign_license",
        *("--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", member.email),
        *("--as", member.email),
    )

    assert result.code == 1
    assert result.err.startswith("error [permission_denied]: ")
    assert not LicenseAssignment.objects.exists()


def test_as_outside_a_subscription_admins_scope_is_not_found(run, e3, other_subscription_admin):
    result = run(
        "assign_license",
        *("--subscription", e3.subscription.name, "--sku", "OFFICESERIES_E3", "--user", other_subscription_admin.email),
        *("--as", other_subscription_admin.email),
    )

    assert (result.code, result.err.split(":")[0]) == (1, "error [not_found]")


def test_as_an_unknown_user_is_not_found(run, e3):
    result = run("license_report", "--as", "nobody@example.test")

    assert result.code == 1
    assert "error [not_found]: No user with email nobody@example.test" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ("assign_license", "--sku", "X", "--user", "a@example.test"),  # --subscription missing
        ("license_report", "--format", "xml"),
        ("set_quantity", "--subscription", "S", "--sku", "X", "many"),
        ("grant_role", "a@example.test", "emperor"),
        ("import_users", "/no/such/file.csv"),
    ],
)
def test_bad_usage_exits_2_and_writes_nothing(run, argv):
    result = run(*argv)

    assert result.code == 2
    assert result.err
    assert not AuditEvent.objects.exists()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_on_a_terminal(write_file, db):
    stderr = FakeTerminal()
    path = write_file("users.csv", "email\n" + "".join(f"u{i}@example.test\n" for i in range(3)))

    call_command("import_users", path, stdout=io.StringIO(), stderr=stderr)

    assert "Importing users [" in stderr.getvalue()
    assert "100% 3/3" in stderr.getvalue()


def test_no_progress_bar_when_not_a_terminal(run, write_file):
    path = write_file("users.csv", "email\n" + "".join(f"u{i}@example.test\n" for i in range(3)))

    result = run("import_users", path)

    assert result.code == 0
    assert result.err == ""
    assert result.out == "created 3, updated 0, unchanged 0, skipped 0 bad rows.\n"


def test_progress_bar_counts_up_and_ends_its_line():
    stream = FakeTerminal()
    with ProgressBar(OutputWrapper(stream), 4, "Work") as bar:
        bar.advance(2)
        bar.advance(2)

    frames = stream.getvalue().split("\r")[1:]
    assert [frame.split("] ")[1].strip() for frame in frames] == ["0% 0/4", "50% 2/4", "100% 4/4"]
    assert stream.getvalue().endswith("\n")
