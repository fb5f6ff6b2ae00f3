"""Groups and their members (README, "Groups"): Global and User Administrators create, edit and delete groups and
change an assigned group's members; a dynamic group's members follow its rule."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from core.audit import Actor, audit_record_one, chunks
from core.choices import AuditAction
from core.errors import AlreadyExists, PreconditionFailed, ValidationFailed

from ..choices import GroupKind
from ..group_rules import rule_validated
from ..models import Group, GroupMembership, User
from ..permissions import require_group_management
from ..selectors import group_members_version
from .locks import group_lock, groups_write_lock, users_lock
from .memberships import (
    group_details,
    group_emptied,
    group_rule_recompute,
    members_delete,
    members_insert,
    memberships_changing,
)

NAME_MAX = Group._meta.get_field("name").max_length
DESCRIPTION_MAX = Group._meta.get_field("description").max_length
EXTERNAL_ID_MAX = Group._meta.get_field("external_id").max_length


@dataclass(frozen=True)
class MembersChange:
    """The ids of the users a change added to and removed from a group."""

    added: list[int]
    removed: list[int]


def _name_validated(name: str, *, other_than: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(
            f"A group's name has 1 to {NAME_MAX} characters.", fields={"name": [f"1 to {NAME_MAX} characters."]}
        )
    if Group.objects.filter(name__iexact=name).exclude(pk=other_than).exists():
        raise _name_taken(name)
    return name


def _name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(
        f"A group named {name} already exists (names are compared without case).",
        fields={"name": ["Already in use."]},
        name=name,
    )


def _description_validated(description: str) -> str:
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            f"A group's description has at most {DESCRIPTION_MAX} characters.",
            fields={"description": [f"At most {DESCRIPTION_MAX} characters."]},
        )
    return description


def _external_id_validated(external_id: str) -> str:
    if len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            f"An external id has at most {EXTERNAL_ID_MAX} characters.",
            fields={"external_id": [f"At most {EXTERNAL_ID_MAX} characters."]},
        )
    return external_id


def _rule_of(kind: str, rule: Any) -> dict:
    if kind == GroupKind.DYNAMIC:
        return rule_validated(rule)
    if rule:
        raise ValidationFailed(
            "An assigned group has no rule: its members are added and removed by admins.", fields={"rule": ["Empty."]}
        )
    return {}


def _saved(group: Group, **save_options: Any) -> None:
    try:
        with transaction.atomic():
            group.save(**save_options)
    except IntegrityError as error:  # the same name taken concurrently (the unique constraint on its lower case)
        raise _name_taken(group.name) from error


@transaction.atomic
def group_create(
    *,
    by: Actor,
    name: str,
    kind: str,
    description: str = "",
    rule: Any = None,
    external_id: str = "",
    members: Sequence[User] = (),
) -> Group:
    """A new group; a dynamic group starts with the users its rule matches, an assigned group with `members`."""
    require_group_management(by.user)
    if kind not in GroupKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", fields={"kind": [f"One of {', '.join(GroupKind.values)}."]})
    if members and kind == GroupKind.DYNAMIC:
        raise ValidationFailed("A dynamic group's members follow its rule.", fields={"members": ["Must be empty."]})
    users_lock([user.pk for user in members])  # users before groups, in the one lock order
    groups_write_lock()
    group = Group(
        name=_name_validated(name),
        kind=kind,
        description=_description_validated(description),
        rule=_rule_of(kind, rule),
        external_id=_external_id_validated(external_id),
    )
    _saved(group)
    details = {"kind": group.kind, "description": group.description, "rule": group.rule}
    if group.external_id:
        details["external_id"] = group.external_id
    audit_record_one(AuditAction.GROUP_CREATED, actor=by, details={**group_details(group), **details})
    with memberships_changing(by):
        if group.kind == GroupKind.DYNAMIC:
            group_rule_recompute(by=by, group=group)
        for chunk in chunks(sorted({user.pk for user in members})):
            members_insert(by=by, group=group, users=User.objects.filter(pk__in=chunk))
    return group


@transaction.atomic
def group_update(*, by: Actor, group: Group, **fields: Any) -> Group:
    """Change a group's name, description or (a dynamic group's) rule; a new rule recomputes the members. The kind
    is fixed at creation."""
    require_group_management(by.user)
    unknown = sorted(set(fields) - {"name", "description", "rule", "kind", "external_id"})
    if unknown:
        raise ValidationFailed(f"Unknown group fields: {', '.join(unknown)}.", fields=unknown)
    groups_write_lock()
    group = group_lock(group.pk)
    if fields.get("kind", group.kind) != group.kind:
        raise ValidationFailed(
            "A group's kind cannot change: create a new group instead.", fields={"kind": ["Cannot change."]}
        )
    wanted = {
        "name": _name_validated(fields["name"], other_than=group.pk) if "name" in fields else group.name,
        "description": _description_validated(fields.get("description", group.description)),
        "rule": _rule_of(group.kind, fields["rule"]) if "rule" in fields else group.rule,
        "external_id": _external_id_validated(fields.get("external_id", group.external_id)),
    }
    changes = {
        name: {"old": getattr(group, name), "new": value}
        for name, value in wanted.items()
        if value != getattr(group, name)
    }
    if not changes:
        return group
    old_details = group_details(group)
    for name, change in changes.items():
        setattr(group, name, change["new"])
    _saved(group, update_fields=[*changes, "updated_at"])
    audit_record_one(AuditAction.GROUP_UPDATED, actor=by, details={**old_details, "changes": changes})
    if "rule" in changes:
        with memberships_changing(by):
            group_rule_recompute(by=by, group=group)
    return group


@transaction.atomic
def group_delete(*, by: Actor, group: Group) -> None:
    """Delete a group and its memberships (one event, which counts the members it had). Its members lose the
    licenses only it gave them, in the same transaction."""
    require_group_management(by.user)
    groups_write_lock()
    group = group_lock(group.pk)
    with memberships_changing(by):
        members = group_emptied(group)
    audit_record_one(AuditAction.GROUP_DELETED, actor=by, details={**group_details(group), "members": members})
    group.delete()


@transaction.atomic
def group_members_change(
    *,
    by: Actor,
    group: Group,
    add: Sequence[User] = (),
    remove: Sequence[User] = (),
    expected_versions: Collection[str] | None = None,
) -> MembersChange:
    """Add and remove members of an assigned group, all at once. Adding a member or removing a user who is not
    one changes nothing; a user on both lists is refused. With `expected_versions` the change is refused
    (PreconditionFailed) unless the members are still at one of those versions (`group_members_version`)."""
    require_group_management(by.user)
    both = sorted({user.label for user in add} & {user.label for user in remove})
    if both:
        raise ValidationFailed(f"Both added and removed: {', '.join(both)}.", users=both)
    users_lock([user.pk for user in (*add, *remove)])
    group = group_lock(group.pk)
    if group.kind == GroupKind.DYNAMIC:
        raise ValidationFailed(f"{group.name} is a dynamic group: its members follow its rule.", **group_details(group))
    if expected_versions is not None and (current := group_members_version(group)) not in expected_versions:
        raise PreconditionFailed(
            "The members changed since you read them: read them again and retry.",
            etag=current,
            expected=sorted(expected_versions),
        )
    change = MembersChange(added=[], removed=[])
    with memberships_changing(by):
        for chunk in chunks(sorted(user.pk for user in remove)):
            memberships = GroupMembership.objects.filter(group=group, user_id__in=chunk)
            change.removed.extend(members_delete(by=by, group=group, memberships=memberships))
        for chunk in chunks(sorted(user.pk for user in add)):
            change.added.extend(members_insert(by=by, group=group, users=User.objects.filter(pk__in=chunk)))
    return change
