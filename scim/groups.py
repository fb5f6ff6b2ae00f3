"""A group as a SCIM Group resource, and back: displayName is the name, externalId the identity provider's id, and
members are users named by their id. SCIM groups are the admin center's assigned groups; a dynamic group is shown
but cannot be changed over SCIM, its members follow its rule."""

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from scim2_models import Group as ScimGroup
from scim2_models import GroupMember, Meta

from accounts.choices import GroupKind
from accounts.models import Group, User
from accounts.selectors import group_version
from core.errors import ValidationFailed

from .http import etag, listed_meta

# A PATCH path naming one member, as identity providers send it to remove them.
MEMBER_PATH = re.compile(r'\Amembers\[value eq "([^"]*)"\]\Z', re.IGNORECASE)


def group_resource(group: Group, location: str, members: Iterable[User] | None, users_url: str) -> ScimGroup:
    """`members` None: left out of the response (`excludedAttributes=members`), so never read. `users_url`: the
    absolute URL of /Users, where each member's $ref points. The version covers the name and the members, so it
    is only given with the members."""
    member_ids = None if members is None else [user.pk for user in members]
    return ScimGroup(
        id=str(group.pk),
        display_name=group.name,
        external_id=group.external_id or None,
        members=None
        if member_ids is None
        else [GroupMember(value=str(pk), ref=f"{users_url}/{pk}") for pk in member_ids],
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=location,
            version=None if member_ids is None else _version(group, member_ids),
        ),
    )


def group_listed(group: Group, location: str, members: Iterable[User], users_url: str) -> dict[str, Any]:
    """What `group_resource(group, location, members, users_url).model_dump(scim_ctx=Context.SEARCH_RESPONSE)`
    gives, written out as scim/users.py's `user_listed` is: the library builds and dumps a model per member, which
    for a group of thousands is most of a list; tests/scim/test_list_dumps.py holds the two equal."""
    member_ids = [user.pk for user in members]
    listed: dict[str, Any] = {"schemas": [ScimGroup.__schema__], "id": str(group.pk)}
    if group.external_id:
        listed["externalId"] = group.external_id
    listed["meta"] = listed_meta("Group", group.created_at, group.updated_at, location, _version(group, member_ids))
    listed["displayName"] = group.name
    if member_ids:
        listed["members"] = [{"value": str(pk), "$ref": f"{users_url}/{pk}"} for pk in member_ids]
    return listed


def _version(group: Group, member_ids: list[int]) -> str:
    return etag(f"{group_version(group)}-{_members_digest(member_ids)}")


def _members_digest(member_ids: list[int]) -> str:
    # Membership changes do not touch the group's row (that would take the groups table out of the lock order).
    return hashlib.sha256(",".join(map(str, sorted(member_ids))).encode()).hexdigest()[:16]


def require_assigned(group: Group) -> None:
    if group.kind == GroupKind.DYNAMIC:
        raise ValidationFailed(
            f"{group.name} is a dynamic group: its members follow its rule, and it cannot be changed over SCIM. "
            "Change it in the admin center, or provision an assigned group."
        )


def users_named(ids: Iterable[Any]) -> list[User]:
    """The users with these ids (SCIM's member values); ValidationFailed names those that are none."""
    wanted = list(dict.fromkeys(str(value) for value in ids))
    numeric = [int(value) for value in wanted if value.isascii() and value.isdigit() and len(value) <= 18]
    found = User.objects.in_bulk(numeric)
    unknown = [value for value in wanted if not (value.isascii() and value.isdigit()) or int(value) not in found]
    if unknown:
        raise ValidationFailed(f"No user with id {', '.join(unknown)}.", users=unknown)
    return list(found.values())


def member_values(resource: ScimGroup) -> list[str]:
    return [member.value for member in resource.members or [] if member.value]


def members_only_change(operations: list[dict[str, Any]]) -> tuple[list[str], list[str]] | None:
    """The member ids a PATCH adds and removes when that is all it does (as identity providers send it: add with
    path `members`, remove with path `members[value eq "id"]` or, Entra's form, path `members` and the members as
    value), so that the group's members need not be read; None for any other PATCH."""
    added: list[str] = []
    removed: list[str] = []
    for operation in operations:
        op = str(operation.get("op", "")).lower()
        path = str(operation.get("path") or "").strip()
        values = _member_values(operation.get("value"))
        if path.lower() == "members" and values is not None and op in ("add", "remove"):
            (added if op == "add" else removed).extend(values)
        elif op == "remove" and (named := MEMBER_PATH.match(path)):
            removed.append(named[1])
        else:
            return None
    return added, removed


def _member_values(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(member, dict) and isinstance(member.get("value"), str) for member in value):
        return None
    return [member["value"] for member in value]
