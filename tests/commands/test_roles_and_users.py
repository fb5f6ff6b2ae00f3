import io

from accounts.models import RoleAssignment, User
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.factories import RoleAssignmentFactory, UserFactory


def test_grant_and_revoke_a_global_role(run, member):
    granted = run("grant_role", member.email, "user_admin")
    again = run("grant_role", member.email, "user_admin")
    revoked = run("revoke_role", member.email, "user_admin")
    not_held = run("revoke_role", member.email, "user_admin")

    assert granted.out == f"{member.email} is User Administrator.\n"
    assert again.code == 0
    assert revoked.out == f"{member.email} is no longer User Administrator.\n"
    assert not_held.out == f"{member.email} was not User Administrator.\n"
    assert not RoleAssignment.objects.filter(user=member).exists()
    assert list(
        AuditEvent.objects.filter(subject_user=member, source=Source.CLI)
        .order_by("id")
        .values_list("action", flat=True)
    ) == [AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED]


def test_grant_a_subscription_admin_role(run, member, subscription):
    result = run("grant_role", member.email, "subscription_admin", "--subscription", str(subscription.pk))

    assert result.code == 0, result.err
    assert RoleAssignment.objects.get(user=member).subscription == subscription


def test_subscription_admin_without_subscription_is_a_validation_error(run, member):
    result = run("grant_role", member.email, "subscription_admin")

    assert (result.code, result.err.split(":")[0]) == (1, "error [validation_error]")


def test_only_a_global_admin_may_grant(run, member, user_admin, global_admin):
    refused = run("grant_role", member.email, "global_admin", "--as", user_admin.email)
    done = run("grant_role", member.email, "global_admin", "--as", global_admin.email)

    assert (refused.code, refused.err.split(":")[0]) == (1, "error [permission_denied]")
    assert done.code == 0
    assert AuditEvent.objects.get(action=AuditAction.ROLE_GRANTED).actor == global_admin


def test_the_last_global_admin_keeps_the_role(run, global_admin):
    as_themselves = run("revoke_role", global_admin.email, "global_admin", "--as", global_admin.email)
    as_operator = run("revoke_role", global_admin.email, "global_admin")

    for result in (as_themselves, as_operator):
        assert (result.code, result.err.split(":")[0]) == (1, "error [permission_denied]")
    assert RoleAssignment.objects.filter(user=global_admin, role="global_admin").exists()
    assert not AuditEvent.objects.exists()


def test_grant_to_an_unknown_user(run, db):
    result = run("grant_role", "ghost@example.test", "user_admin")

    assert result.err == "error [not_found]: Unknown user: ghost@example.test.\n"
    assert result.code == 1


def test_create_user(run, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-Passw0rd\n"))

    result = run(
        "create_user",
        *("New@Example.test", "--display-name", "New Person", "--department", "Legal"),
        *("--usage-location", "gb", "--password-stdin"),
    )

    assert result.code == 0, result.err
    user = User.objects.get(email="new@example.test")
    assert (user.display_name, user.department, user.usage_location, user.is_active) == (
        "New Person",
        "Legal",
        "GB",
        True,
    )
    assert user.check_password("s3cret-Passw0rd")
    event = AuditEvent.objects.get(action=AuditAction.USER_CREATED)
    assert (event.subject_user, event.source) == (user, Source.CLI)


def test_create_user_refuses_a_taken_email_and_a_bad_country(run, db):
    UserFactory(email="taken@example.test")

    taken = run("create_user", "TAKEN@example.test")
    bad = run("create_user", "new@example.test", "--usage-location", "Germany")

    assert (taken.code, taken.err.split(":")[0]) == (1, "error [validation_error]")
    assert (bad.code, bad.err.split(":")[0]) == (1, "error [validation_error]")
    assert not User.objects.filter(email="new@example.test").exists()


def test_create_user_inactive(run, db):
    assert run("create_user", "off@example.test", "--inactive").code == 0
    assert not User.objects.get(email="off@example.test").is_active


def test_as_finds_an_admin_by_either_form_of_a_unicode_domain(run, member):
    RoleAssignmentFactory(user=UserFactory(email="ops@contosö.example"))

    for typed in ("ops@contosö.example", "OPS@xn--contos-1xa.example"):
        result = run("grant_role", member.email, "user_admin", "--as", typed)
        assert result.code == 0, result.err
