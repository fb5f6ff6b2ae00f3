"""accounts.services: users and admin roles, validated and audited in the same transaction."""

import pytest

from accounts.choices import Role
from accounts.models import RoleAssignment, User
from accounts.permissions import admin_scope
from accounts.services.roles import role_grant, role_revoke
from accounts.services.users import user_create, user_update
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import AuditEvent
from tests.factories import RoleAssignmentFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- user_create ----------------------------------------------------------------------------------------------


def test_user_create_stores_the_user_and_audits_it(user_admin):
    user = user_create(
        email="  Megan.Bowen@Example.TEST ",
        display_name="Megan Bowen",
        department="Marketing",
        usage_location="US",
        by=Actor(user_admin, Source.WEB),
    )

    user.refresh_from_db()
    assert user.email == "megan.bowen@example.test"
    assert (user.display_name, user.department, user.usage_location, user.is_active) == (
        "Megan Bowen",
        "Marketing",
        "US",
        True,
    )
    assert not user.has_usable_password()
    (event,) = AuditEvent.objects.all()
    assert event.action == AuditAction.USER_CREATED
    assert (event.actor, event.source, event.subject_user) == (user_admin, Source.WEB, user)
    assert event.subject_user_label == "megan.bowen@example.test"
    assert event.details == {
        "display_name": "Megan Bowen",
        "department": "Marketing",
        "job_title": "",
        "usage_location": "US",
        "is_active": True,
    }


def test_user_create_sets_a_password_when_given(db):
    user = user_create(email="new@example.test", password="a-long-pass-phrase", by=Actor(None, Source.CLI))

    assert user.check_password("a-long-pass-phrase")


def test_user_create_by_the_system_uses_the_actor_label(db):
    user_create(email="new@example.test", by=Actor(None, Source.CLI, label="import-job"))

    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_label) == (None, "import-job")


def test_user_create_refuses_an_email_in_use_in_any_case(global_admin):
    UserFactory(email="taken@example.test")

    with pytest.raises(ValidationFailed) as caught:
        user_create(email="TAKEN@Example.test", by=Actor(global_admin, Source.WEB))

    assert caught.value.code == "validation_error"
    assert "email" in caught.value.details["fields"]
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("email", "fields", "invalid"),
    [
        ("not-an-email", {}, "email"),
        ("", {}, "email"),
        ("ok@example.test", {"usage_location": "usa"}, "usage_location"),
        ("ok@example.test", {"usage_location": "us"}, "usage_location"),
        ("ok@example.test", {"display_name": "x" * 201}, "display_name"),
    ],
)
def test_user_create_validates_every_field(email, fields, invalid, global_admin):
    users_before = User.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        user_create(email=email, **fields, by=Actor(global_admin, Source.WEB))

    assert invalid in caught.value.details["fields"]
    assert User.objects.count() == users_before
    assert AuditEvent.objects.count() == 0


def test_user_create_refuses_unknown_fields(global_admin):
    with pytest.raises(ValidationFailed) as caught:
        user_create(email="ok@example.test", is_superuser=True, by=Actor(global_admin, Source.WEB))

    assert caught.value.details["fields"] == ["is_superuser"]
    assert not User.objects.filter(email="ok@example.test").exists()


@pytest.mark.parametrize("actor_fixture", ["subscription_admin", "member"])
def test_only_global_and_user_admins_create_users(request, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)

    with pytest.raises(PermissionDenied):
        user_create(email="new@example.test", by=Actor(actor, Source.WEB))

    assert not User.objects.filter(email="new@example.test").exists()


# --- user_update ----------------------------------------------------------------------------------------------


def test_user_update_audits_old_and_new_values(user_admin):
    user = UserFactory(department="Sales", job_title="Analyst")

    updated = user_update(user=user, department="Legal", job_title="Analyst", by=Actor(user_admin, Source.API))

    assert User.objects.get(pk=user.pk).department == "Legal"
    assert updated.department == "Legal"
    (event,) = AuditEvent.objects.all()
    assert event.action == AuditAction.USER_UPDATED
    assert (event.actor, event.source, event.subject_user) == (user_admin, Source.API, user)
    assert event.details == {"department": {"old": "Sales", "new": "Legal"}}


def test_user_update_without_a_change_is_not_audited(user_admin):
    user = UserFactory(department="Sales")

    user_update(user=user, department="Sales", by=Actor(user_admin, Source.WEB))

    assert AuditEvent.objects.count() == 0


def test_user_update_refuses_invalid_values_and_changes_nothing(user_admin):
    user = UserFactory(usage_location="US", department="Sales")

    with pytest.raises(ValidationFailed) as caught:
        user_update(user=user, usage_location="Germany", department="Legal", by=Actor(user_admin, Source.WEB))

    assert "usage_location" in caught.value.details["fields"]
    stored = User.objects.get(pk=user.pk)
    assert (stored.usage_location, stored.department) == ("US", "Sales")
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("field", ["email", "password", "is_staff", "is_superuser"])
def test_user_update_refuses_fields_outside_the_profile(field, user_admin):
    user = UserFactory()

    with pytest.raises(ValidationFailed):
        user_update(user=user, **{field: "x"}, by=Actor(user_admin, Source.WEB))


def test_disabling_an_admin_takes_away_their_admin_center(global_admin, user_admin):
    user_update(user=user_admin, is_active=False, by=Actor(global_admin, Source.WEB))

    disabled = User.objects.get(pk=user_admin.pk)
    assert not disabled.is_active
    assert not admin_scope(disabled).is_admin
    assert AuditEvent.objects.get().details == {"is_active": {"old": True, "new": False}}


@pytest.mark.parametrize("actor_fixture", ["subscription_admin", "member"])
def test_only_global_and_user_admins_edit_users(request, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    user = UserFactory(department="Sales")

    with pytest.raises(PermissionDenied):
        user_update(user=user, department="Legal", by=Actor(actor, Source.WEB))

    assert User.objects.get(pk=user.pk).department == "Sales"


# --- role_grant / role_revoke ---------------------------------------------------------------------------------


def test_role_grant_creates_the_role_and_audits_it(global_admin, subscription):
    user = UserFactory()

    assignment = role_grant(
        user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=subscription, by=Actor(global_admin, Source.WEB)
    )

    assert (assignment.user, assignment.role, assignment.subscription) == (user, Role.SUBSCRIPTION_ADMIN, subscription)
    (event,) = AuditEvent.objects.all()
    assert event.action == AuditAction.ROLE_GRANTED
    assert (event.actor, event.subject_user, event.subscription) == (global_admin, user, subscription)
    assert event.details == {"role": Role.SUBSCRIPTION_ADMIN}


def test_role_grant_is_idempotent(global_admin):
    user = UserFactory()
    first = role_grant(user=user, role=Role.USER_ADMIN, by=Actor(global_admin, Source.WEB))

    second = role_grant(user=user, role=Role.USER_ADMIN, by=Actor(global_admin, Source.WEB))

    assert first.pk == second.pk
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.count() == 1


def test_a_granted_role_takes_effect_on_the_same_user_object(global_admin):
    user = UserFactory()
    assert not admin_scope(user).is_admin

    role_grant(user=user, role=Role.USER_ADMIN, by=Actor(global_admin, Source.WEB))

    assert admin_scope(user).can_manage_users


@pytest.mark.parametrize(
    ("role", "scoped"),
    [
        (Role.SUBSCRIPTION_ADMIN, False),
        (Role.GLOBAL_ADMIN, True),
        (Role.USER_ADMIN, True),
        ("owner", False),
    ],
)
def test_role_grant_validates_the_scope(role, scoped, global_admin, subscription):
    user = UserFactory()

    with pytest.raises(ValidationFailed):
        role_grant(
            user=user, role=role, subscription=subscription if scoped else None, by=Actor(global_admin, Source.WEB)
        )

    assert not RoleAssignment.objects.filter(user=user).exists()
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("actor_fixture", ["user_admin", "subscription_admin", "member"])
def test_only_a_global_admin_grants_and_revokes_roles(request, actor_fixture, global_admin):
    actor = request.getfixturevalue(actor_fixture)
    user = UserFactory()

    with pytest.raises(PermissionDenied):
        role_grant(user=user, role=Role.GLOBAL_ADMIN, by=Actor(actor, Source.WEB))
    with pytest.raises(PermissionDenied):
        role_revoke(user=global_admin, role=Role.GLOBAL_ADMIN, by=Actor(actor, Source.WEB))

    assert not RoleAssignment.objects.filter(user=user).exists()
    assert RoleAssignment.objects.filter(user=global_admin, role=Role.GLOBAL_ADMIN).exists()


def test_role_revoke_removes_the_role_and_audits_it(global_admin, subscription):
    user = RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=subscription).user
    assert admin_scope(user).is_admin

    revoked = role_revoke(
        user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=subscription, by=Actor(global_admin, Source.WEB)
    )

    assert revoked is True
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not admin_scope(user).is_admin
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.subject_user, event.subscription) == (AuditAction.ROLE_REVOKED, user, subscription)


def test_role_revoke_is_idempotent(global_admin):
    user = UserFactory()

    assert role_revoke(user=user, role=Role.USER_ADMIN, by=Actor(global_admin, Source.WEB)) is False
    assert AuditEvent.objects.count() == 0


def test_role_revoke_touches_only_the_named_subscription(global_admin):
    first, second = SubscriptionFactory(), SubscriptionFactory()
    user = RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=first).user
    RoleAssignmentFactory(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=second)

    role_revoke(user=user, role=Role.SUBSCRIPTION_ADMIN, subscription=first, by=Actor(global_admin, Source.WEB))

    assert list(RoleAssignment.objects.filter(user=user).values_list("subscription", flat=True)) == [second.pk]


def test_role_revoke_validates_the_scope(global_admin):
    with pytest.raises(ValidationFailed):
        role_revoke(user=UserFactory(), role=Role.SUBSCRIPTION_ADMIN, by=Actor(global_admin, Source.WEB))


def test_user_update_of_a_user_deleted_meanwhile_is_not_found_and_audits_nothing(global_admin):
    """The user is read under their lock: one deleted since the caller read them is NotFound, not a server error."""
    gone = UserFactory()
    User.objects.filter(pk=gone.pk).delete()

    with pytest.raises(NotFound):
        user_update(by=Actor(global_admin, Source.API), user=gone, department="Sales")
    assert not AuditEvent.objects.filter(action=AuditAction.USER_UPDATED).exists()
