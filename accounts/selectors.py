"""Reads of users and groups: users by email (or id) for commands, imports and the API, one user for a page, the
departments for a filter, groups and their members, and the users of an operator's file (import_users,
--users-file), each row checked as the User model would check it."""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from core.choices import Counted
from core.csv_io import Parsed, RowError, column_cells, duplicate_row, read_rows
from core.errors import NotFound, ValidationFailed
from core.models import RowCount

from .choices import GroupKind
from .models import ApiToken, Group, GroupMembership, RoleAssignment, User, UserManager
from .permissions import AdminScope, admin_scope, require_admin, scope_from_roles

# Keeps `IN (...)` lists well under SQLite's limit on query parameters.
EMAIL_CHUNK = 5000


def users_by_email(*, emails: Iterable[str]) -> dict[str, User]:
    """The users with these emails (compared case-insensitively), by their stored email; unknown ones are absent."""
    wanted = list(dict.fromkeys(UserManager.normalize_email(email) for email in emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), EMAIL_CHUNK):
        found.update((user.email, user) for user in User.objects.filter(email__in=wanted[start : start + EMAIL_CHUNK]))
    return found


def users_resolve(*, emails: Iterable[str]) -> list[User]:
    """The users with these emails, in the order given; NotFound names every unknown one."""
    wanted = list(dict.fromkeys(UserManager.normalize_email(email) for email in emails))
    found = users_by_email(emails=wanted)
    unknown = [email for email in wanted if email not in found]
    if unknown:
        raise NotFound(f"Unknown user: {', '.join(unknown)}.", emails=unknown)
    return [found[email] for email in wanted]


def users_identified(*, identifiers: Iterable[str]) -> list[User]:
    """The users named by id or email (whatever has an @ is an email), in the order given; ValidationFailed for an
    identifier that is neither, NotFound naming every unknown one."""
    identifiers = list(dict.fromkeys(str(identifier).strip() for identifier in identifiers))
    malformed = [value for value in identifiers if "@" not in value and not _is_id(value)]
    if malformed:
        raise ValidationFailed(f"Not a user id or email: {', '.join(malformed)}.", identifiers=malformed)
    by_email = users_by_email(emails=[value for value in identifiers if "@" in value])
    ids = [int(value) for value in identifiers if "@" not in value]
    by_id = User.objects.in_bulk(ids)
    found = [
        by_email.get(UserManager.normalize_email(value)) if "@" in value else by_id.get(int(value))
        for value in identifiers
    ]
    unknown = [value for value, user in zip(identifiers, found, strict=True) if user is None]
    if unknown:
        raise NotFound(f"Unknown user: {', '.join(unknown)}.", users=unknown)
    return list(dict.fromkeys(found))


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18  # within a 64-bit primary key


def user_get(*, actor: User | None, user_id: int) -> User:
    """One user of the organisation (every admin may look users up), or NotFound."""
    require_admin(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


# A user's identity in SQL (User.identity), as the user_identity_unique_ci index has it.
PRINCIPAL_NAME = Coalesce("user_name", "email", output_field=CharField())


def users_page(page: QuerySet[User]) -> QuerySet[User]:
    """The users of `page` (a sliced, ordered queryset of users), in its order, in one statement that picks the
    page's ids in a subquery first. In the lists' order that subquery reads `user_list_order_idx` alone, so the users
    it skips (an offset) or tests and drops (a filter on memberships, say) are never read from the table, only the
    page's (README, "Round ten")."""
    return User.objects.filter(pk__in=page.values("pk")).order_by(*page.query.order_by)


def users_directory(*, actor: User | None) -> QuerySet[User]:
    """Every user of the organisation (every admin may see them), each with `principal_name`: their identity (the
    user name, else the email), as Graph's userPrincipalName."""
    require_admin(actor)
    return User.objects.annotate(principal_name=PRINCIPAL_NAME)


def users_of_key(*, actor: User | None, key: str) -> QuerySet[User]:
    """The user `key` names (none or one), from users_directory: their public id (a GUID), else their identity in
    any case (one probe of the user_identity_unique_ci index)."""
    users = users_directory(actor=actor)
    try:
        return users.filter(public_id=uuid.UUID(key))
    except ValueError:
        return users.alias(identity_ci=Lower(PRINCIPAL_NAME)).filter(identity_ci=key.lower())


def user_of_directory(*, actor: User | None, key: str) -> User:
    """The user `key` names (users_of_key); NotFound otherwise."""
    user = users_of_key(actor=actor, key=key).first()
    if user is None:
        raise user_key_unknown(key)
    return user


def user_key_unknown(key: str) -> NotFound:
    return NotFound(
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
        user=key,
    )


def departments_list() -> list[str]:
    """The departments users belong to, in order, for a filter's choices.

    A loose index scan: each step asks the department index for the next name after the previous one, so the cost
    grows with the number of departments, not of users (SELECT DISTINCT reads every user: ~12 ms at 100,000).
    """
    table = connection.ops.quote_name(User._meta.db_table)
    column = connection.ops.quote_name(User._meta.get_field("department").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE departments (name) AS ("
            f" SELECT MIN({column}) FROM {table} WHERE {column} > %s"
            f" UNION ALL"
            f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > departments.name)"
            f" FROM departments WHERE departments.name IS NOT NULL"
            f") SELECT name FROM departments WHERE name IS NOT NULL",
            [""],
        )
        return [name for (name,) in cursor.fetchall()]


# --- roles and API tokens ----------------------------------------------------------------------------------------


def roles_visible(*, actor: User | None) -> QuerySet[RoleAssignment]:
    """Who holds which admin role, with the user and the scope's subscription, by user. Every admin may see the
    roles, but a Subscription Administrator sees the scoped roles of their own subscriptions only: outside their
    scope a subscription does not exist."""
    require_admin(actor)
    roles = RoleAssignment.objects.select_related("user", "subscription").order_by(
        "user__display_name", "user__email", "role", "subscription__name"
    )
    if actor is None or admin_scope(actor).sees_all_subscriptions:
        return roles
    return roles.filter(Q(subscription__isnull=True) | Q(subscription_id__in=admin_scope(actor).subscription_ids))


def admins_with_scopes() -> list[tuple[User, AdminScope]]:
    """Every active admin with their scope, in two queries whatever their number: who is told of what (alerts)."""
    roles: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for user_id, role, subscription_id in RoleAssignment.objects.filter(user__is_active=True).values_list(
        "user_id", "role", "subscription_id"
    ):
        roles[user_id].append((role, subscription_id))
    return [(user, scope_from_roles(roles[user.pk])) for user in User.objects.filter(pk__in=roles).order_by("pk")]


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """A user's own API tokens, newest first (revoked ones too: their history stays visible)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


# --- groups ---------------------------------------------------------------------------------------------------


def groups_visible(*, actor: User | None, members_version: bool = False) -> QuerySet[Group]:
    """The groups (every admin may see them), each with `member_count`: the count of its members the database
    keeps (RowCount), so neither a page of groups nor their number reads the memberships. With `members_version`,
    also `members_newest`, the newest membership's id, read in the same statement (group_members_version_as_read)."""
    require_admin(actor)
    groups = Group.objects.annotate(member_count=Coalesce(_kept_member_count(OuterRef("pk")), 0))
    if not members_version:
        return groups
    newest = GroupMembership.objects.filter(group=OuterRef("pk")).values("group").annotate(newest=Max("pk"))
    return groups.annotate(members_newest=Subquery(newest.values("newest")))


def _kept_member_count(group_id) -> Subquery:
    slots = RowCount.objects.filter(counted=Counted.GROUP_MEMBERS, subject_id=group_id).values("subject_id")
    return Subquery(slots.annotate(total=Sum("rows")).values("total"))


def group_get(*, actor: User | None, group_id: int) -> Group:
    group = groups_visible(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise NotFound("Group not found.")
    return group


def group_named(*, actor: User | None, name: str) -> Group:
    """The group of this name, in any case (as the commands name groups), or NotFound."""
    group = groups_visible(actor=actor).filter(name__iexact=name.strip()).first()
    if group is None:
        raise NotFound(f"No group named {name}.", name=name)
    return group


def group_members(*, actor: User | None, group: Group) -> QuerySet[User]:
    """The group's members; their exact number, while no filter narrows them, is group_member_count's."""
    require_admin(actor)
    return User.objects.filter(group_memberships__group=group)


def group_member_count(group: Group) -> int:
    """How many members the group has: the `member_count` it was read with (groups_visible), so that a list of all
    its members (the API's, Graph's, the group's page) counts nothing again, else the count the database keeps.
    Never a count of the users joined to the memberships."""
    count = getattr(group, "member_count", None)
    return RowCount.objects.total(Counted.GROUP_MEMBERS, group.pk) if count is None else count


def user_roles(*, actor: User | None, user: User) -> list[RoleAssignment]:
    """The admin roles `user` holds, with the subscription a Subscription Administrator's role is for."""
    require_admin(actor)
    return list(RoleAssignment.objects.filter(user=user).select_related("subscription").order_by("role", "pk"))


def user_groups(*, actor: User | None, user: User) -> QuerySet[Group]:
    """The groups `user` is a member of, by name."""
    require_admin(actor)
    return Group.objects.filter(memberships__user=user).order_by("name")


def user_version(user: User) -> str:
    """The version of a user's account (SCIM's meta.version and ETag): when it last changed, to the microsecond."""
    return _changed_version(user.updated_at)


def group_version(group: Group) -> str:
    """The version of a group's own fields (SCIM's meta.version adds its members'): when they last changed."""
    return _changed_version(group.updated_at)


def _changed_version(updated_at: datetime.datetime) -> str:
    return f"{updated_at.astimezone(datetime.timezone.utc):%Y%m%d%H%M%S%f}"


def group_members_version(group: Group) -> str:
    """The version of a group's members (the API's ETag), read now: their number and the newest membership's id.
    Ids are never reused, so any change moves one of the two: an addition raises the newest id, a removal alone
    lowers the number."""
    counts = GroupMembership.objects.filter(group=group).aggregate(members=Count("pk"), newest=Max("pk"))
    return _members_version(counts["members"], counts["newest"])


def group_members_version_as_read(group: Group) -> str:
    """group_members_version as the group was read with it (groups_visible(members_version=True)): no query, and
    the same statement as its `member_count`. Not after a change made since: read the version again then."""
    return _members_version(group.member_count, group.members_newest)


def _members_version(members: int, newest: int | None) -> str:
    return f'"{members}-{newest or 0}"'


def groups_by_name() -> dict[str, Group]:
    """Every group by its name in lower case (names are unique without case)."""
    return {group.name.lower(): group for group in Group.objects.all()}


def assigned_groups_named(names: Iterable[str], groups: Mapping[str, Group]) -> list[Group]:
    """The assigned groups with these names (any case), from `groups_by_name()`; ValidationFailed names each one
    that does not exist or is dynamic (whose members follow its rule)."""
    found = [groups.get(name.lower()) for name in names]
    unknown = [name for name, group in zip(names, found, strict=True) if group is None]
    dynamic = [group.name for group in found if group is not None and group.kind == GroupKind.DYNAMIC]
    problems = ([f"no group named {', '.join(unknown)}"] if unknown else []) + (
        [f"{', '.join(dynamic)}: dynamic, its members follow its rule"] if dynamic else []
    )
    if problems:
        raise ValidationFailed(f"groups: {'; '.join(problems)}.", unknown=unknown, dynamic=dynamic)
    return list(dict.fromkeys(found))


# --- user files (import_users, --users-file) -------------------------------------------------------------------

USER_COLUMNS = ("email", "display_name", "department", "job_title", "usage_location", "is_active", "groups")
GROUP_SEPARATOR = ";"  # between the names of a `groups` cell
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})


@dataclass(frozen=True)
class UserRow:
    line: int
    email: str
    fields: dict[str, Any]  # only the columns the file has, and is_active only when given


def user_field_error(name: str, value: str) -> str | None:
    """The model's own validation of one user field (length, email syntax, country code format)."""
    try:
        User._meta.get_field(name).clean(value, None)
    except ValidationError as error:
        return f"{name} {value!r}: {' '.join(error.messages)}"
    return None


def email_error(email: str) -> str | None:
    return "email is missing" if not email else user_field_error("email", email)


def user_rows(path: str | Path) -> Parsed:
    """The users of an import file, each checked as the User model would check it; emails must be unique. A
    `groups` cell names the user's assigned groups, separated by GROUP_SEPARATOR (empty: none)."""
    header, parsed = read_rows(path, required=("email",), optional=USER_COLUMNS[1:])
    result = Parsed(errors=parsed.errors)
    groups = groups_by_name() if "groups" in header else {}
    seen: dict[str, int] = {}
    for row in parsed.rows:
        email = UserManager.normalize_email(row.values["email"])
        fields: dict[str, Any] = {}
        problems = [email_error(email)]
        for name in ("display_name", "department", "job_title"):
            if name in header:
                fields[name] = row.values[name]
                problems.append(user_field_error(name, fields[name]))
        if "usage_location" in header:
            fields["usage_location"] = row.values["usage_location"].upper()
            problems.append(user_field_error("usage_location", fields["usage_location"]))
        if row.values.get("is_active"):
            word = row.values["is_active"].lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                fields["is_active"] = word in TRUE_WORDS
            else:
                problems.append(f"is_active {row.values['is_active']!r}: use true or false")
        if "groups" in header:
            fields["groups"] = [name.strip() for name in row.values["groups"].split(GROUP_SEPARATOR) if name.strip()]
            problems.append(_groups_error(fields["groups"], groups))
        problems = [problem for problem in problems if problem]
        if problems:
            result.errors.extend(RowError(row.line, problem) for problem in problems)
        elif duplicate := duplicate_row(seen, email, row.line):
            result.errors.append(duplicate)
        else:
            result.rows.append(UserRow(row.line, email, fields))
    result.errors.sort(key=lambda error: error.line)
    return result


def _groups_error(names: list[str], groups: Mapping[str, Group]) -> str | None:
    try:
        assigned_groups_named(names, groups)
    except ValidationFailed as error:
        return error.message
    return None


def emails_file(path: str | Path) -> Parsed:
    """A list of users: one email a line, or a CSV file whose header has an `email` column."""
    result = Parsed()
    seen: dict[str, int] = {}
    for line, cell in column_cells(path, "email"):
        email = UserManager.normalize_email(cell)
        problem = email_error(email)
        if problem:
            result.errors.append(RowError(line, problem))
        elif email not in seen:  # a user listed twice is still one user
            seen[email] = line
            result.rows.append(email)
    return result
