"""Admin roles: grant and revoke (Global Administrators only; the last active Global Administrator stays)."""

from django.db import IntegrityError, transaction

from core.audit import Actor, audit_record_one
from core.choices import AuditAction
from core.errors import ValidationFailed

from ..choices import Role
from ..models import RoleAssignment, User
from ..permissions import (
    forget_admin_scope,
    require_global_admin_left,
    require_role_management,
)
from .users import active_global_admins_locked


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
        active_global_admin_ids = active_global_admins_locked()
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
