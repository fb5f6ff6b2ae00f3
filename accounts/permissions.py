"""Who may do what: the one permission policy of the admin center (design.md, "Who may do what").

Views, API and management commands all ask an `AdminScope`; the service layer enforces it again for
every write, so a rule holds for every entry point or for none.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from core.errors import NotFound, PermissionDenied
from core.rows import own_columns, rows_built
from core.sql import JSONList, JSONRow, compiled_once, statement_once

from .choices import Role
from .models import RoleAssignment, User

_CACHE_ATTR = "_admin_scope"
_ROLES_ATTR = "role_rows"  # with_roles' annotation: [[role, subscription id], …], or None for no role


@dataclass(frozen=True)
class AdminScope:
    """The admin roles of one user, read once per request."""

    is_global_admin: bool = False
    is_user_admin: bool = False
    subscription_ids: frozenset[int] = frozenset()  # where the user is Subscription Administrator

    @property
    def is_admin(self) -> bool:
        """May sign in to the admin center."""
        return self.is_global_admin or self.is_user_admin or bool(self.subscription_ids)

    @property
    def sees_all_subscriptions(self) -> bool:
        return self.is_global_admin or self.is_user_admin

    @property
    def reach(self) -> frozenset[int] | None:
        """The subscriptions it sees, None for all of them: what a statement filtered by scope depends on (the key
        of core.sql.statement_once)."""
        return None if self.sees_all_subscriptions else self.subscription_ids

    def can_view_subscription(self, subscription_id: int) -> bool:
        return self.sees_all_subscriptions or subscription_id in self.subscription_ids

    def can_assign_licenses(self, subscription_id: int) -> bool:
        return self.can_view_subscription(subscription_id)

    def can_change_quantity(self, subscription_id: int) -> bool:
        return self.is_global_admin or subscription_id in self.subscription_ids

    @property
    def can_manage_users(self) -> bool:
        return self.is_global_admin or self.is_user_admin

    def can_change_user(self, *, holds_admin_role: bool) -> bool:
        """As in Microsoft Entra: a User Administrator manages only users without an admin role; an admin's
        account (any role, their own too) is the Global Administrators' to change."""
        return self.is_global_admin or (self.is_user_admin and not holds_admin_role)

    @property
    def can_manage_groups(self) -> bool:
        """Create, edit and delete groups, and add and remove their members."""
        return self.is_global_admin or self.is_user_admin

    @property
    def can_manage_roles(self) -> bool:
        return self.is_global_admin

    @property
    def can_read_audit_log(self) -> bool:
        return self.is_admin

    def filter_subscriptions(self, queryset: QuerySet, field: str = "pk") -> QuerySet:
        """Narrow a queryset to the subscriptions this admin may see (`field` leads to a subscription id)."""
        if self.sees_all_subscriptions:
            return queryset
        return queryset.filter(**{f"{field}__in": self.subscription_ids})

    @property
    def can_change_subscription_status(self) -> bool:
        return self.is_global_admin


def with_roles(queryset: QuerySet, user_field: str = "pk") -> QuerySet:
    """`queryset` (of users, or of rows whose `user_field` is a user id) with each user's role rows as `role_rows`,
    read in the same statement: the sign-in backends load the signed-in user this way, so that admin_scope asks
    no query of its own (the subquery compiled once: every request reads it)."""

    def roles() -> Subquery:
        return Subquery(
            RoleAssignment.objects.filter(user=OuterRef(user_field))
            .order_by()
            .values("user")
            .annotate(rows=JSONList(JSONRow("role", "subscription_id")))
            .values("rows")
        )

    return queryset.annotate(**{_ROLES_ATTR: compiled_once(queryset.model, ("roles", user_field), roles)})


def user_with_roles(user_id: int) -> User | None:
    """The user of this id with their role rows (with_roles), in one statement compiled once
    (core.sql.statement_once): every signed-in request reads it."""
    own = own_columns(User)

    def statement(user_id: list[int]) -> QuerySet:
        return with_roles(User.objects.filter(pk=user_id[0])).values_list(*own, _ROLES_ATTR)

    users = rows_built(User, statement_once(User, "user with roles", statement, user_id=[int(user_id)]), [_ROLES_ATTR])
    return users[0] if users else None


def admin_scope(user) -> AdminScope:
    """The scope of `user`, cached on the user object (one query per request, none when the user was read
    with_roles)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return AdminScope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if hasattr(user, _ROLES_ATTR):
        rows = getattr(user, _ROLES_ATTR) or []
    else:
        rows = RoleAssignment.objects.filter(user=user).values_list("role", "subscription_id")
    scope = scope_from_roles(rows)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def scope_from_roles(roles: Iterable[tuple[str, int | None]]) -> AdminScope:
    """The scope that one user's (role, subscription id) rows give."""
    global_admin = user_admin = False
    subscription_ids: set[int] = set()
    for role, subscription_id in roles:
        if role == Role.GLOBAL_ADMIN:
            global_admin = True
        elif role == Role.USER_ADMIN:
            user_admin = True
        elif role == Role.SUBSCRIPTION_ADMIN:
            subscription_ids.add(subscription_id)
    return AdminScope(global_admin, user_admin, frozenset(subscription_ids))


def forget_admin_scope(user) -> None:
    """Drop the cached scope (and the role rows read with the user), after the user's roles changed."""
    for attr in (_CACHE_ATTR, _ROLES_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


# --- Checks that raise the domain errors. `actor=None` is the system or a shell operator: always allowed.


def require_admin(actor) -> None:
    if actor is not None and not admin_scope(actor).is_admin:
        raise PermissionDenied("An admin role is needed to use the admin center.")


def require_subscription_visible(actor, subscription_id: int) -> None:
    """Outside a Subscription Administrator's scope a subscription does not exist (404, not 403)."""
    if actor is None:
        return
    scope = admin_scope(actor)
    if not scope.is_admin:
        raise PermissionDenied("An admin role is needed to use the admin center.")
    if not scope.can_view_subscription(subscription_id):
        raise NotFound("Subscription not found.")


def require_license_management(actor, subscription_id: int) -> None:
    require_subscription_visible(actor, subscription_id)
    if actor is not None and not admin_scope(actor).can_assign_licenses(subscription_id):
        raise PermissionDenied("Your admin role does not allow assigning or unassigning licenses.")


def require_quantity_change(actor, subscription_id: int) -> None:
    require_subscription_visible(actor, subscription_id)
    if actor is not None and not admin_scope(actor).can_change_quantity(subscription_id):
        raise PermissionDenied(
            "Only a Global Administrator or this subscription's administrator may change quantities."
        )


def require_user_management(actor) -> None:
    require_admin(actor)
    if actor is not None and not admin_scope(actor).can_manage_users:
        raise PermissionDenied("Only a Global Administrator or a User Administrator may create, edit or disable users.")


def require_group_management(actor) -> None:
    require_admin(actor)
    if actor is not None and not admin_scope(actor).can_manage_groups:
        raise PermissionDenied("Only a Global Administrator or a User Administrator may manage groups and members.")


def require_role_management(actor) -> None:
    require_admin(actor)
    if actor is not None and not admin_scope(actor).can_manage_roles:
        raise PermissionDenied("Only a Global Administrator may grant or revoke admin roles.")


def require_subscription_status_change(actor, subscription_id: int) -> None:
    require_subscription_visible(actor, subscription_id)
    if actor is not None and not admin_scope(actor).can_change_subscription_status:
        raise PermissionDenied("Only a Global Administrator may change a subscription's status.")


def require_users_change(actor, *, admins: Collection) -> None:
    """May `actor` change these users' accounts? `admins` are the ones among them who hold an admin role."""
    require_user_management(actor)
    if actor is None or admin_scope(actor).can_change_user(holds_admin_role=bool(admins)):
        return
    emails = sorted(user.label for user in admins)
    raise PermissionDenied(
        f"Only a Global Administrator may change an admin's account: {_listed(emails)}.", users=emails
    )


def require_global_admin_left(*, leaving: Collection, active_global_admin_ids: Collection[int]) -> None:
    """The organisation keeps an active Global Administrator: the last one can neither be disabled nor lose the
    role, whoever asks (the operator too). `leaving`: the users who would stop being active Global Administrators;
    `active_global_admin_ids`: who is one now, read under the lock of the service that asks."""
    remaining = set(active_global_admin_ids) - {user.pk for user in leaving}
    if leaving and not remaining:
        emails = sorted(user.label for user in leaving)
        raise PermissionDenied(
            f"The last active Global Administrator can neither be disabled nor lose the role ({_listed(emails)}): "
            "make another active user Global Administrator first.",
            users=emails,
        )


def _listed(emails: list[str], shown: int = 5) -> str:
    more = len(emails) - shown
    return ", ".join(emails[:shown]) + (f" and {more} more" if more > 0 else "")
