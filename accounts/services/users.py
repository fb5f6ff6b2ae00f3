"""One user's account: create and edit (disabling included), under the role rules of accounts.permissions."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import Actor, audit_event_new, audit_record, audit_record_one
from core.choices import AuditAction
from core.errors import AlreadyExists, ValidationFailed

from ..choices import Role
from ..group_rules import RULE_ATTRIBUTES
from ..models import RoleAssignment, User, UserManager
from ..permissions import (
    require_global_admin_left,
    require_user_management,
    require_users_change,
)
from .locks import global_admin_roles_lock, user_locked
from .memberships import dynamic_memberships_update, memberships_changing
from .tokens import access_ended

USER_FIELDS = ("display_name", "department", "job_title", "usage_location", "is_active")


def require_known_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown user fields: {', '.join(sorted(unknown))}.", fields=sorted(unknown))


def apply_changes(user: User, fields: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set `fields` on `user`; returns what changed as {field: {"old", "new"}} (the audit event's details)."""
    changes = {name: {"old": getattr(user, name), "new": value} for name, value in fields.items()}
    changes = {name: change for name, change in changes.items() if change["old"] != change["new"]}
    for name, change in changes.items():
        setattr(user, name, change["new"])
    return changes


def _validated(user: User) -> None:
    try:
        user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailed("The user is not valid.", fields=error.message_dict) from error


@transaction.atomic
def user_create(*, by: Actor, email: str, password: str | None = None, **fields: Any) -> User:
    require_user_management(by.user)
    require_known_fields(fields)
    email = UserManager.normalize_email(email)
    if not email:
        raise ValidationFailed("An email address is required.", fields={"email": ["This field is required."]})
    if User.objects.filter(email=email).exists():
        raise AlreadyExists(f"A user with email {email} already exists.", fields={"email": ["Already in use."]})
    user = User(email=email, **fields)
    user.set_password(password)
    _validated(user)
    user.save()
    audit_record_one(
        AuditAction.USER_CREATED,
        actor=by,
        subject_user=user,
        details={name: getattr(user, name) for name in USER_FIELDS},
    )
    with memberships_changing(by):
        dynamic_memberships_update(by=by, user_ids=[user.pk])
    return user


def disables(changes: Mapping[str, dict[str, Any]]) -> bool:
    return "is_active" in changes and not changes["is_active"]["new"]


def active_global_admins_locked() -> set[int]:
    """Lock the Global Administrator role rows, then read which of their holders are active.

    Every change that can take away the last active Global Administrator (disabling one, revoking the role)
    decides on what this returns and holds the lock to the end of its transaction, so two such changes queue and
    the second sees the first.
    """
    global_admin_roles_lock()
    return set(
        User.objects.filter(is_active=True, role_assignments__role=Role.GLOBAL_ADMIN).values_list("pk", flat=True)
    )


@transaction.atomic
def user_update(*, by: Actor, user: User, **fields: Any) -> User:
    require_user_management(by.user)
    require_known_fields(fields)
    user = user_locked(user.pk)
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    require_users_change(by.user, admins=[user] if roles else [])
    changes = apply_changes(user, fields)
    if not changes:
        return user
    _validated(user)
    disabled = [user] if disables(changes) else []
    if disabled and Role.GLOBAL_ADMIN in roles:
        require_global_admin_left(leaving=disabled, active_global_admin_ids=active_global_admins_locked())
    token_events = access_ended(disabled, by=by)
    user.save(update_fields=[*changes, "updated_at", *(["session_epoch"] if disabled else [])])
    user_event = audit_event_new(
        actor=by,
        action=AuditAction.USER_UPDATED,
        subject_user=user,
        details=changes,
    )
    audit_record([user_event, *token_events])
    if changes.keys() & set(RULE_ATTRIBUTES):
        with memberships_changing(by):
            dynamic_memberships_update(by=by, user_ids=[user.pk])
    return user
