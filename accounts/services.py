"""Writes to users and admin roles, each audited in the same transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from licensing.choices import AuditAction
from licensing.exceptions import ValidationFailed
from licensing.models import Subscription
from licensing.services import audit_event_new, audit_record

from .choices import Role
from .models import RoleAssignment, User, UserManager
from .permissions import forget_admin_scope, require_role_management, require_user_management

USER_FIELDS = ("display_name", "department", "job_title", "usage_location", "is_active")


def _validated(user: User) -> None:
    try:
        user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailed("The user is not valid.", fields=error.message_dict) from error


@transaction.atomic
def user_create(
    *, actor: User | None, email: str, source: str, actor_label: str = "", password: str | None = None, **fields: Any
) -> User:
    require_user_management(actor)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown user fields: {', '.join(sorted(unknown))}.", fields=sorted(unknown))
    email = UserManager.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(f"A user with email {email} already exists.", fields={"email": ["Already in use."]})
    user = User(email=email, **fields)
    user.set_password(password)
    _validated(user)
    user.save()
    audit_record(
        [
            audit_event_new(
                actor=actor,
                actor_label=actor_label,
                action=AuditAction.USER_CREATED,
                source=source,
                subject_user=user,
                details={name: getattr(user, name) for name in USER_FIELDS},
            )
        ]
    )
    return user


@transaction.atomic
def user_update(*, actor: User | None, user: User, source: str, actor_label: str = "", **fields: Any) -> User:
    require_user_management(actor)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown user fields: {', '.join(sorted(unknown))}.", fields=sorted(unknown))
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    changes = {
        name: {"old": getattr(user, name), "new": value}
        for name, value in fields.items()
        if getattr(user, name) != value
    }
    if not changes:
        return user
    for name, change in changes.items():
        setattr(user, name, change["new"])
    _validated(user)
    user.save(update_fields=list(changes))
    audit_record(
        [
            audit_event_new(
                actor=actor,
                actor_label=actor_label,
                action=AuditAction.USER_UPDATED,
                source=source,
                subject_user=user,
                details=changes,
            )
        ]
    )
    return user


def _role_scope(role: str, subscription: Subscription | None) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", role=role, roles=Role.values)
    if (role == Role.SUBSCRIPTION_ADMIN) != (subscription is not None):
        raise ValidationFailed("A Subscription Administrator needs a subscription; other roles take none.", role=role)


@transaction.atomic
def role_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    subscription: Subscription | None = None,
    source: str,
    actor_label: str = "",
) -> RoleAssignment:
    """Grant an admin role; granting one the user has already changes nothing."""
    require_role_management(actor)
    _role_scope(role, subscription)
    try:
        with transaction.atomic():
            assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, subscription=subscription)
    except IntegrityError:  # granted concurrently
        return RoleAssignment.objects.get(user=user, role=role, subscription=subscription)
    if created:
        audit_record(
            [
                audit_event_new(
                    actor=actor,
                    actor_label=actor_label,
                    action=AuditAction.ROLE_GRANTED,
                    source=source,
                    subject_user=user,
                    subscription=subscription,
                    details={"role": role},
                )
            ]
        )
        forget_admin_scope(user)
    return assignment


@transaction.atomic
def role_revoke(
    *,
    actor: User | None,
    user: User,
    role: str,
    subscription: Subscription | None = None,
    source: str,
    actor_label: str = "",
) -> bool:
    """Revoke an admin role; returns False when the user did not have it."""
    require_role_management(actor)
    _role_scope(role, subscription)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role, subscription=subscription).delete()
    if deleted:
        audit_record(
            [
                audit_event_new(
                    actor=actor,
                    actor_label=actor_label,
                    action=AuditAction.ROLE_REVOKED,
                    source=source,
                    subject_user=user,
                    subscription=subscription,
                    details={"role": role},
                )
            ]
        )
        forget_admin_scope(user)
    return bool(deleted)
