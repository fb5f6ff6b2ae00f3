"""Writes to users and admin roles, each audited in the same transaction."""

import datetime
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import Actor, audit_event_new, audit_record, audit_record_one
from core.choices import AuditAction
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import AuditEvent

from .choices import Role
from .models import ApiToken, RoleAssignment, User, UserManager
from .permissions import (
    forget_admin_scope,
    require_global_admin_left,
    require_role_management,
    require_user_management,
    require_users_change,
)

USER_FIELDS = ("display_name", "department", "job_title", "usage_location", "is_active")
BATCH_SIZE = 2000  # rows per statement of the set-based writes and per IN list


def _require_known_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown user fields: {', '.join(sorted(unknown))}.", fields=sorted(unknown))


def _apply_changes(user: User, fields: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
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
    _require_known_fields(fields)
    email = UserManager.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(f"A user with email {email} already exists.", fields={"email": ["Already in use."]})
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
    return user


def _disables(changes: Mapping[str, dict[str, Any]]) -> bool:
    return "is_active" in changes and not changes["is_active"]["new"]


def _active_global_admin_ids() -> set[int]:
    """Lock the Global Administrator role rows, then read which of their holders are active.

    Every change that can take away the last active Global Administrator (disabling one, revoking the role)
    decides on what this returns and holds the lock to the end of its transaction, so two such changes queue and
    the second sees the first. Rows in primary-key order, the same everywhere, so that they cannot deadlock.
    """
    list(RoleAssignment.objects.select_for_update().filter(role=Role.GLOBAL_ADMIN).order_by("pk").values_list("pk"))
    return set(
        User.objects.filter(is_active=True, role_assignments__role=Role.GLOBAL_ADMIN).values_list("pk", flat=True)
    )


@transaction.atomic
def user_update(*, by: Actor, user: User, **fields: Any) -> User:
    require_user_management(by.user)
    _require_known_fields(fields)
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    require_users_change(by.user, admins=[user] if roles else [])
    changes = _apply_changes(user, fields)
    if not changes:
        return user
    _validated(user)
    disabled = [user] if _disables(changes) else []
    if disabled and Role.GLOBAL_ADMIN in roles:
        require_global_admin_left(leaving=disabled, active_global_admin_ids=_active_global_admin_ids())
    token_events = _access_ended(disabled, by=by)
    user.save(update_fields=[*changes, *(["session_epoch"] if disabled else [])])
    user_event = audit_event_new(
        actor=by,
        action=AuditAction.USER_UPDATED,
        subject_user=user,
        details=changes,
    )
    audit_record([user_event, *token_events])
    return user


def _role_scope(role: str, subscription) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", role=role, roles=Role.values)
    if (role == Role.SUBSCRIPTION_ADMIN) != (subscription is not None):
        raise ValidationFailed("A Subscription Administrator needs a subscription; other roles take none.", role=role)


@transaction.atomic
def role_grant(
    *,
    by: Actor,
    user: User,
    role: str,
    subscription=None,  # a licensing.Subscription, for a Subscription Administrator
) -> RoleAssignment:
    """Grant an admin role; granting one the user has already changes nothing."""
    require_role_management(by.user)
    _role_scope(role, subscription)
    try:
        with transaction.atomic():
            assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, subscription=subscription)
    except IntegrityError:  # granted concurrently
        return RoleAssignment.objects.get(user=user, role=role, subscription=subscription)
    if created:
        audit_record_one(
            AuditAction.ROLE_GRANTED,
            actor=by,
            subject_user=user,
            subscription=subscription,
            details={"role": role},
        )
        forget_admin_scope(user)
    return assignment


@transaction.atomic
def role_revoke(
    *,
    by: Actor,
    user: User,
    role: str,
    subscription=None,  # a licensing.Subscription, for a Subscription Administrator
) -> bool:
    """Revoke an admin role; returns False when the user did not have it."""
    require_role_management(by.user)
    _role_scope(role, subscription)
    if role == Role.GLOBAL_ADMIN:
        active_global_admin_ids = _active_global_admin_ids()
        leaving = [user] if user.pk in active_global_admin_ids else []
        require_global_admin_left(leaving=leaving, active_global_admin_ids=active_global_admin_ids)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role, subscription=subscription).delete()
    if deleted:
        audit_record_one(
            AuditAction.ROLE_REVOKED,
            actor=by,
            subject_user=user,
            subscription=subscription,
            details={"role": role},
        )
        forget_admin_scope(user)
    return bool(deleted)


# --- API tokens ----------------------------------------------------------------------------------------

API_TOKEN_PREFIX = "osat_"
# A token's last use is recorded at most this often, so that authenticating does not write on every request.
API_TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *,
    by: Actor,
    user: User,
    name: str,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token of `user`, returned with its secret: the secret is shown once and only its hash is kept.

    Admins create tokens for themselves; an operator (`by.user` None) for anyone.
    """
    if by.user is not None and by.user.pk != user.pk:
        raise PermissionDenied("API tokens can only be created for yourself.")
    name = name.strip()
    if not name:
        raise ValidationFailed("An API token needs a name.", fields={"name": ["This field may not be blank."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("The expiry must lie in the future.", fields={"expires_at": ["Must be in the future."]})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:12], expires_at=expires_at
    )
    audit_record([_token_event(AuditAction.API_TOKEN_CREATED, token, by=by)])
    return token, key


@transaction.atomic
def api_token_revoke(*, by: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good; revoking a revoked token changes nothing. Other people's tokens are not found."""
    if by.user is not None and by.user.pk != token.user_id:
        raise NotFound("API token not found.")
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record([_token_event(AuditAction.API_TOKEN_REVOKED, token, by=by)])
    token.refresh_from_db(fields=["revoked_at"])
    return token


def _token_event(action: str, token: ApiToken, *, by: Actor) -> AuditEvent:
    return audit_event_new(
        actor=by,
        action=action,
        subject_user=token.user,
        details={"name": token.name, "prefix": token.prefix},
    )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The usable token with this secret (its user loaded), or None; records when it was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _access_ended(users: Sequence[User], *, by: Actor) -> list[AuditEvent]:
    """Take away the access of users being disabled, in the caller's transaction: each gets a new session epoch
    (none of their sessions verifies any more, see User.get_session_auth_hash; the caller saves the users) and
    their API tokens are revoked. Returns the tokens' audit events, for the caller to record with its own."""
    by_id = {user.pk: user for user in users}
    revoked: list[ApiToken] = []
    now = timezone.now()
    for user in users:
        user.session_epoch += 1
    user_ids = sorted(by_id)
    for start in range(0, len(user_ids), BATCH_SIZE):
        usable = ApiToken.objects.filter(user_id__in=user_ids[start : start + BATCH_SIZE], revoked_at=None)
        revoked += usable.select_for_update().order_by("pk")  # not revoked a second time meanwhile
        usable.update(revoked_at=now)
    for token in revoked:
        token.user = by_id[token.user_id]
    return [_token_event(AuditAction.API_TOKEN_REVOKED, token, by=by) for token in revoked]


# --- many users at once -------------------------------------------------------------------------------------


@dataclass
class UsersImportResult:
    """What an import did: users created, updated (some field changed) and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def users_import(
    *,
    by: Actor,
    rows: Sequence[Mapping[str, Any]],
    progress: Callable[[int], None] = lambda done: None,
) -> UsersImportResult:
    """Create or update many users, set-based and all or nothing; one audit event per created or updated user.

    Each row has an `email` and any of USER_FIELDS; a field a row leaves out keeps its value (or its default, for
    a new user). Every row is checked before anything is written; `progress` is told how many rows are written.
    """
    require_user_management(by.user)
    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        fields = dict(row)
        email = UserManager.normalize_email(fields.pop("email", ""))
        _require_known_fields(fields)
        if email in wanted:
            raise ValidationFailed(f"{email} is listed twice.", email=email)
        wanted[email] = fields
    emails = list(wanted)
    existing: dict[str, User] = {}
    for start in range(0, len(emails), BATCH_SIZE):
        batch = emails[start : start + BATCH_SIZE]
        locked = User.objects.select_for_update(no_key=True).filter(email__in=batch)
        existing.update((user.email, user) for user in locked)

    unusable = make_password(None)  # imported users sign in only once someone sets their password
    new_users: list[User] = []
    changed: list[tuple[User, dict[str, dict[str, Any]]]] = []
    for email, fields in wanted.items():
        user = existing.get(email)
        if user is None:
            user = User(email=email, password=unusable, **fields)
            new_users.append(user)
        else:
            changes = _apply_changes(user, fields)
            if not changes:
                continue
            changed.append((user, changes))
        _fields_validated(user)
    _require_import_allowed(by, changed)
    disabled = [user for user, changes in changed if _disables(changes)]
    token_events = _access_ended(disabled, by=by)

    for start in range(0, len(new_users), BATCH_SIZE):
        User.objects.bulk_create(new_users[start : start + BATCH_SIZE])
        progress(len(new_users[start : start + BATCH_SIZE]))
    changed_fields = sorted(
        {name for _, changes in changed for name in changes} | ({"session_epoch"} if disabled else set())
    )
    for start in range(0, len(changed), BATCH_SIZE):
        batch = changed[start : start + BATCH_SIZE]
        User.objects.bulk_update([user for user, _ in batch], changed_fields)
        progress(len(batch))
    audit_record(
        [
            audit_event_new(
                actor=by,
                action=AuditAction.USER_CREATED,
                subject_user=user,
                details={name: getattr(user, name) for name in USER_FIELDS},
            )
            for user in new_users
        ]
        + [
            audit_event_new(
                actor=by,
                action=AuditAction.USER_UPDATED,
                subject_user=user,
                details=changes,
            )
            for user, changes in changed
        ]
        + token_events
    )
    return UsersImportResult(
        created=len(new_users), updated=len(changed), unchanged=len(wanted) - len(new_users) - len(changed)
    )


def _require_import_allowed(by: Actor, changed: Sequence[tuple[User, Mapping[str, Any]]]) -> None:
    """The rules of user_update for every changed user at once. Admin roles are read in one query over the role
    rows (a few per admin), so its cost does not grow with the file."""
    roles_by_user: dict[int, set[str]] = {}
    for user_id, role in RoleAssignment.objects.values_list("user_id", "role"):
        roles_by_user.setdefault(user_id, set()).add(role)
    require_users_change(by.user, admins=[user for user, _ in changed if user.pk in roles_by_user])
    leaving = [
        user for user, changes in changed if _disables(changes) and Role.GLOBAL_ADMIN in roles_by_user.get(user.pk, ())
    ]
    if leaving:
        require_global_admin_left(leaving=leaving, active_global_admin_ids=_active_global_admin_ids())


def _fields_validated(user: User) -> None:
    """The model's field checks without the per-row uniqueness query: users_import checks emails set-based."""
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as error:
        raise ValidationFailed(
            f"{user.email}: not a valid user.", email=user.email, fields=error.message_dict
        ) from error
