"""One user's account: create, edit (disabling included) and delete, under the role rules of accounts.permissions."""

from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.audit import Actor, audit_event_new, audit_record, audit_record_for_users, audit_record_one, chunks
from core.choices import AuditAction
from core.errors import AlreadyExists, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed

from ..choices import Role
from ..group_rules import RULE_ATTRIBUTES
from ..models import IDENTITY_KEY, Group, GroupMembership, RoleAssignment, User, UserManager
from ..permissions import (
    require_global_admin_left,
    require_user_management,
    require_users_change,
)
from ..selectors import user_version
from ..signals import user_deleting
from .locks import global_admin_roles_lock, groups_hold, user_locked, users_locked
from .memberships import dynamic_memberships_update, members_delete, memberships_changing, sources_restored
from .tokens import access_ended

USER_FIELDS = ("display_name", "department", "job_title", "usage_location", "is_active")
# Who the user is: the email, and what an identity provider names them by (SCIM's userName and externalId).
IDENTITY_FIELDS = ("email", "user_name", "external_id")


def require_known_fields(fields: Mapping[str, Any], known: tuple[str, ...] = USER_FIELDS) -> None:
    unknown = set(fields) - set(known)
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
        # Uniqueness is _require_identity_free's one query (and the constraints'), not a query per unique field.
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailed("The user is not valid.", fields=error.message_dict) from error


def _identity_normalized(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The email in its one normal form and the user name stripped, each None when empty."""
    normal = dict(fields)
    if "email" in normal:
        normal["email"] = UserManager.normalize_email(normal["email"]) or None
    if "user_name" in normal:
        normal["user_name"] = (normal["user_name"] or "").strip() or None
    return normal


def _identity_taken(user: User) -> AlreadyExists:
    if user.email and User.objects.exclude(pk=user.pk).filter(email=user.email).exists():
        return AlreadyExists(f"A user with email {user.email} already exists.", fields={"email": ["Already in use."]})
    return AlreadyExists(
        f"A user named {user.identity} already exists (user names are compared without case).",
        fields={"user_name": ["Already in use."]},
    )


def _require_identity_free(user: User) -> None:
    """The user's email and SCIM identity (`User.identity`, without case) belong to nobody else: one query."""
    if not user.identity:
        raise ValidationFailed("An email address is required.", fields={"email": ["This field is required."]})
    taken = Q(identity=user.identity.lower()) | (Q(email=user.email) if user.email else Q(pk__in=[]))
    if User.objects.exclude(pk=user.pk).alias(identity=IDENTITY_KEY).filter(taken).exists():
        raise _identity_taken(user)


def _saved(user: User, **save_options: Any) -> None:
    try:
        with transaction.atomic():
            user.save(**save_options)
    except IntegrityError as error:  # the same identity taken concurrently (the unique constraints on it)
        raise _identity_taken(user) from error


@transaction.atomic
def user_create(
    *,
    by: Actor,
    email: str | None = None,
    user_name: str | None = None,
    external_id: str = "",
    password: str | None = None,
    **fields: Any,
) -> User:
    """A new user. An identity provider may name one by `user_name` alone (SCIM's userName, any string): without
    an email the user is kept and licensable but cannot sign in."""
    require_user_management(by.user)
    require_known_fields(fields)
    identity = _identity_normalized({"email": email, "user_name": user_name})
    user = User(**identity, external_id=external_id, **fields)
    _require_identity_free(user)
    user.disabled_at_follow(now=timezone.now())
    user.set_password(password)
    _validated(user)
    _saved(user)
    audit_record_one(
        AuditAction.USER_CREATED,
        actor=by,
        subject_user=user,
        details={name: getattr(user, name) for name in USER_FIELDS}
        | {name: value for name in ("user_name", "external_id") if (value := getattr(user, name))},
    )
    with memberships_changing(by):
        dynamic_memberships_update(by=by, user_ids=[user.pk], new=True)
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
def user_update(*, by: Actor, user: User, expected_version: str | None = None, **fields: Any) -> User:
    """Change a user's account. With `expected_version` the change is refused (PreconditionFailed) unless the
    account is still at that version (`user_version`, SCIM's If-Match)."""
    require_user_management(by.user)
    require_known_fields(fields, known=(*IDENTITY_FIELDS, *USER_FIELDS))
    user = user_locked(user.pk)
    if expected_version is not None and (current := user_version(user)) != expected_version:
        raise PreconditionFailed(
            "The user changed since you read it: read it again and retry.", version=current, expected=expected_version
        )
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    require_users_change(by.user, admins=[user] if roles else [])
    changes = apply_changes(user, _identity_normalized(fields))
    if not changes:
        return user
    if changes.keys() & {"email", "user_name"}:
        _require_identity_free(user)
    _validated(user)
    disabled = [user] if disables(changes) else []
    if disabled and Role.GLOBAL_ADMIN in roles:
        require_global_admin_left(leaving=disabled, active_global_admin_ids=active_global_admins_locked())
    token_events = access_ended(disabled, by=by)
    restored = [user.pk] if enables(changes) and user.licenses_reclaimed_at else []
    dates = user.disabled_at_follow(now=timezone.now()) if "is_active" in changes else []
    _saved(user, update_fields=[*changes, *dates, "updated_at", *(["session_epoch"] if disabled else [])])
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
def users_disable(*, by: Actor, users: Collection[User]) -> int:
    """Disable these users' accounts, all or none (the web page's bulk action, up to the whole organisation):
    user_update's rules for all of them at once, so one refusal (an admin's account to a User Administrator, the
    last Global Administrator) changes nobody; set-based, one UPDATE and one audit INSERT … SELECT per chunk of
    users. Every user is locked first, in primary-key order (the lock order). Returns how many were enabled."""
    require_user_management(by.user)
    locked = users_locked(user.pk for user in users)
    roles: dict[int, set[str]] = {}
    for chunk in chunks([user.pk for user in locked]):
        for user_id, role in RoleAssignment.objects.filter(user_id__in=chunk).values_list("user_id", "role"):
            roles.setdefault(user_id, set()).add(role)
    require_users_change(by.user, admins=[user for user in locked if user.pk in roles])  # names them all
    leaving = [user for user in locked if user.is_active]
    global_admins = [user for user in leaving if Role.GLOBAL_ADMIN in roles.get(user.pk, ())]
    if global_admins:
        require_global_admin_left(leaving=global_admins, active_global_admin_ids=active_global_admins_locked())
    token_events = access_ended(leaving, by=by)  # raises each session epoch in memory, as the UPDATE below does
    now = timezone.now()
    leaving_ids = [user.pk for user in leaving]
    for chunk in chunks(leaving_ids):
        User.objects.filter(pk__in=chunk).update(
            is_active=False, disabled_at=now, updated_at=now, session_epoch=F("session_epoch") + 1
        )
    details = {"is_active": {"old": True, "new": False}}  # user_update's details of the same change
    audit_record_for_users(AuditAction.USER_UPDATED, actor=by, user_ids=leaving_ids, details=details)
    audit_record(token_events)
    with memberships_changing(by):
        dynamic_memberships_update(by=by, user_ids=leaving_ids)
    return len(leaving)


@transaction.atomic
def user_delete(*, by: Actor, user: User, expected_version: str | None = None) -> None:
    """Delete a user, under user_update's rules; nobody deletes themselves, nor the last active Global
    Administrator. Their licenses and places in lines are freed at once, in this transaction, and the lines
    served (licensing, through `user_deleting`); then their memberships, then the row (its roles and API tokens
    go with it). With `expected_version` (`user_version`, SCIM's If-Match) the deletion is refused
    (PreconditionFailed) if the user changed since."""
    require_user_management(by.user)
    if by.user is not None and by.user.pk == user.pk:
        raise PermissionDenied("You cannot delete your own account.")
    locked = users_locked([user.pk])  # the one lock order's own helper; empty when deleted meanwhile
    if not locked:
        raise NotFound("User not found.")
    user = locked[0]
    if expected_version is not None and (current := user_version(user)) != expected_version:
        raise PreconditionFailed(
            "The user changed since you read them: read them again and retry.", etag=current, expected=expected_version
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
