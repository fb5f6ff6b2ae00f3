"""One user's account: create, edit (disabling included) and delete, under the role rules of accounts.permissions."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_event_new, audit_record, audit_record_one
from core.choices import AuditAction
from core.errors import AlreadyExists, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed

from ..choices import Role
from ..group_rules import RULE_ATTRIBUTES
from ..models import Group, GroupMembership, RoleAssignment, User, UserManager
from ..permissions import (
    require_global_admin_left,
    require_user_management,
    require_users_change,
)
from ..signals import user_deleting
from .locks import global_admin_roles_lock, groups_hold, user_locked
from .memberships import dynamic_memberships_update, members_delete, memberships_changing, sources_restored
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
    user.disabled_at_follow(now=timezone.now())
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


def enables(changes: Mapping[str, dict[str, Any]]) -> bool:
    return "is_active" in changes and bool(changes["is_active"]["new"])


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
    restored = [user.pk] if enables(changes) and user.licenses_reclaimed_at else []
    dates = user.disabled_at_follow(now=timezone.now()) if "is_active" in changes else []
    user.save(update_fields=[*changes, *dates, "updated_at", *(["session_epoch"] if disabled else [])])
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
            sources_restored(restored)  # is_active is a rule attribute: an enabled account always gets here
    return user


@transaction.atomic
def user_delete(*, by: Actor, user: User, expected_version: str | None = None) -> None:
    """Delete a user, under user_update's rules; nobody deletes themselves, nor the last active Global
    Administrator. Their licenses and places in lines are freed at once, in this transaction, and the lines
    served (licensing, through `user_deleting`); then their memberships, then the row (its roles and API tokens
    go with it). With `expected_version` (`user.updated_at.isoformat()` as read) the deletion is refused
    (PreconditionFailed) if the user changed since."""
    require_user_management(by.user)
    if by.user is not None and by.user.pk == user.pk:
        raise PermissionDenied("You cannot delete your own account.")
    locked = User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    if locked is None:
        raise NotFound("User not found.")
    user = locked
    if expected_version is not None and user.updated_at.isoformat() != expected_version:
        raise PreconditionFailed(
            "The user changed since you read them: read them again and retry.",
            etag=user.updated_at.isoformat(),
            expected=expected_version,
        )
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    require_users_change(by.user, admins=[user] if roles else [])
    if user.is_active and Role.GLOBAL_ADMIN in roles:
        require_global_admin_left(leaving=[user], active_global_admin_ids=active_global_admins_locked())
    groups_hold()  # after the user's lock: no group gains a license or loses its row meanwhile
    responses = user_deleting.send(sender=User, by=by, user=user)
    freed = [item for _, freed_by_receiver in responses for item in freed_by_receiver or ()]
    with memberships_changing(by):
        for group in Group.objects.filter(memberships__user=user).order_by("pk"):
            members_delete(by=by, group=group, memberships=GroupMembership.objects.filter(group=group, user=user))
    audit_record_one(
        AuditAction.USER_DELETED,
        actor=by,
        subject_user=user,
        details={
            **{name: getattr(user, name) for name in ("email", "user_name", "external_id", *USER_FIELDS)},
            "licenses": freed,
        },
    )
    user.delete()
