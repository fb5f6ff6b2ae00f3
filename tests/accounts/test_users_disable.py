"""Disabling many accounts at once (accounts.services.users.users_disable, the Users page's bulk action and its
"Select all N users that match"): user_update's rules for all of them, all or none, set-based."""

import pytest

from accounts.choices import Role
from accounts.models import ApiToken, User
from accounts.services.tokens import api_token_create
from accounts.services.users import users_disable
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import PermissionDenied
from core.models import AuditEvent
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

OPERATOR = Actor(None, Source.CLI, label="operator")


def test_every_account_is_disabled_with_its_sessions_tokens_and_events():
    users = UserFactory.create_batch(3)
    already = UserFactory(is_active=False)
    for user in users:
        api_token_create(user=user, name="script", by=OPERATOR)

    assert users_disable(by=OPERATOR, users=[*users, already]) == 3

    for user in users:
        user.refresh_from_db()
        assert (user.is_active, user.session_epoch) == (False, 1)
        assert user.disabled_at is not None
    assert not ApiToken.objects.filter(user__in=users, revoked_at=None).exists()
    updated = AuditEvent.objects.filter(action=AuditAction.USER_UPDATED)
    assert sorted(updated.values_list("subject_user_id", flat=True)) == sorted(user.pk for user in users)
    assert all(event.details == {"is_active": {"old": True, "new": False}} for event in updated)
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 3
    already.refresh_from_db()
    assert already.session_epoch == 0  # nothing happened to an account disabled before


def test_the_statements_do_not_grow_with_the_users(django_assert_max_num_queries):
    few, many = UserFactory.create_batch(3), UserFactory.create_batch(60)
    with django_assert_max_num_queries(20) as captured:
        users_disable(by=OPERATOR, users=few)
    statements = len(captured)
    with django_assert_max_num_queries(statements):
        users_disable(by=OPERATOR, users=many)
    assert not User.objects.filter(pk__in=[user.pk for user in many], is_active=True).exists()


def test_an_admin_among_them_refuses_the_whole_change_to_a_user_administrator(user_admin):
    admin = RoleAssignmentFactory(role=Role.USER_ADMIN).user
    others = UserFactory.create_batch(2)

    with pytest.raises(PermissionDenied):
        users_disable(by=Actor(user_admin, Source.WEB), users=[*others, admin])

    assert User.objects.filter(pk__in=[admin.pk, *(user.pk for user in others)], is_active=True).count() == 3
    assert not AuditEvent.objects.filter(action=AuditAction.USER_UPDATED).exists()


def test_the_last_global_administrator_is_never_disabled(global_admin):
    with pytest.raises(PermissionDenied, match="last active Global Administrator"):
        users_disable(by=OPERATOR, users=[global_admin, UserFactory()])

    global_admin.refresh_from_db()
    assert global_admin.is_active
