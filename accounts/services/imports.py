"""Many users at once from an operator's file: set-based and all or nothing, under the rules of one user's edit."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_event_new, audit_record
from core.bulkload import objects_insert
from core.choices import AuditAction
from core.errors import ValidationFailed

from ..choices import Role
from ..group_rules import RULE_ATTRIBUTES
from ..models import Group, RoleAssignment, User, UserManager
from ..permissions import (
    require_global_admin_left,
    require_group_management,
    require_user_management,
    require_users_change,
)
from ..selectors import assigned_groups_named, groups_by_name
from .locks import groups_hold, users_locked
from .memberships import assigned_groups_set, dynamic_memberships_update, memberships_changing, sources_restored
from .tokens import access_ended
from .users import USER_FIELDS, active_global_admins_locked, apply_changes, disables, enables, require_known_fields

BATCH_SIZE = 2000  # rows per statement of the set-based writes and per IN list


@dataclass
class UsersImportResult:
    """What an import did: users created, updated (some field or assigned group changed) and left as they were."""

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
    a new user). A row's `groups`, names of assigned groups, become the user's assigned groups exactly. Dynamic
    memberships follow the users' new attributes. Every row is checked before anything is written; `progress` is
    told how many rows are written.
    """
    require_user_management(by.user)
    wanted: dict[str, dict[str, Any]] = {}
    group_names: dict[str, list[str]] = {}
    for row in rows:
        fields = dict(row)
        email = UserManager.normalize_email(fields.pop("email", ""))
        if "groups" in fields:
            group_names[email] = fields.pop("groups")
        require_known_fields(fields)
        if email in wanted:
            raise ValidationFailed(f"{email} is listed twice.", email=email)
        wanted[email] = fields
    if group_names:
        require_group_management(by.user)
    emails = list(wanted)
    user_ids: list[int] = []
    for start in range(0, len(emails), BATCH_SIZE):
        user_ids += User.objects.filter(email__in=emails[start : start + BATCH_SIZE]).values_list("pk", flat=True)
    existing = {user.email: user for user in users_locked(user_ids)}

    unusable = make_password(None)  # imported users sign in only once someone sets their password
    new_users: list[User] = []
    changed: list[tuple[User, dict[str, dict[str, Any]]]] = []
    for email, fields in wanted.items():
        user = existing.get(email)
        if user is None:
            user = User(email=email, password=unusable, **fields)
            new_users.append(user)
        else:
            changes = apply_changes(user, fields)
            if not changes:
                continue
            changed.append((user, changes))
        _fields_validated(user, fields)
    _require_import_allowed(by, changed)
    groups_hold()  # after the users' locks: docs/architecture.md, "The lock order"
    groups_named = _groups_named(group_names)
    disabled = [user for user, changes in changed if disables(changes)]
    token_events = access_ended(disabled, by=by)
    restored = [user.pk for user, changes in changed if enables(changes) and user.licenses_reclaimed_at]
    now = timezone.now()  # bulk_update leaves auto_now fields alone
    dates: set[str] = set()
    for user in new_users:
        user.disabled_at_follow(now=now)
    for user, changes in changed:
        user.updated_at = now
        if "is_active" in changes:
            dates.update(user.disabled_at_follow(now=now))

    for start in range(0, len(new_users), BATCH_SIZE):
        batch = new_users[start : start + BATCH_SIZE]
        objects_insert(batch)  # loaded (COPY on PostgreSQL), their keys read back by email
        keys = dict(User.objects.filter(email__in=[user.email for user in batch]).values_list("email", "pk"))
        for user in batch:
            user.pk, user._state.adding = keys[user.email], False
        progress(len(batch))
    changed_fields = sorted(
        {name for _, changes in changed for name in changes}
        | dates
        | {"updated_at"}
        | ({"session_epoch"} if disabled else set())
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
    moved = [user for user, changes in changed if changes.keys() & set(RULE_ATTRIBUTES)]
    users = {user.email: user for user in (*existing.values(), *new_users)}
    with memberships_changing(by):
        dynamic_memberships_update(by=by, user_ids=[user.pk for user in (*new_users, *moved)])
        regrouped = assigned_groups_set(
            by=by, groups_of={users[email].pk: groups for email, groups in groups_named.items()}
        )
        sources_restored(restored)
    updated = {user.pk for user, _ in changed} | (regrouped - {user.pk for user in new_users})
    return UsersImportResult(
        created=len(new_users), updated=len(updated), unchanged=len(wanted) - len(new_users) - len(updated)
    )


def _require_import_allowed(by: Actor, changed: Sequence[tuple[User, Mapping[str, Any]]]) -> None:
    """The rules of user_update for every changed user at once. Admin roles are read in one query over the role
    rows (a few per admin), so its cost does not grow with the file."""
    roles_by_user: dict[int, set[str]] = {}
    for user_id, role in RoleAssignment.objects.values_list("user_id", "role"):
        roles_by_user.setdefault(user_id, set()).add(role)
    require_users_change(by.user, admins=[user for user, _ in changed if user.pk in roles_by_user])
    leaving = [
        user for user, changes in changed if disables(changes) and Role.GLOBAL_ADMIN in roles_by_user.get(user.pk, ())
    ]
    if leaving:
        require_global_admin_left(leaving=leaving, active_global_admin_ids=active_global_admins_locked())


def _groups_named(group_names: Mapping[str, list[str]]) -> dict[str, list[Group]]:
    """Each user's assigned groups by name, read under `groups_hold`; ValidationFailed names the first user with a
    group that does not exist or is dynamic."""
    groups = groups_by_name()
    named: dict[str, list[Group]] = {}
    for email, names in group_names.items():
        try:
            named[email] = assigned_groups_named(names, groups)
        except ValidationFailed as error:
            raise ValidationFailed(f"{email}: {error.message}", email=email, **error.details) from error
    return named


def _fields_validated(user: User, names: Iterable[str]) -> None:
    """The model's checks of the email and the fields a row names (`names`), without the per-row uniqueness query
    (users_import checks emails set-based). The fields it leaves out keep their value or take their default, so
    they need no check: checking every field of 10,000 users was a fifth of an import."""
    checked = {"email", *names}
    try:
        user.clean_fields(exclude=[field.name for field in User._meta.fields if field.name not in checked])
    except ValidationError as error:
        raise ValidationFailed(
            f"{user.email}: not a valid user.", email=user.email, fields=error.message_dict
        ) from error
