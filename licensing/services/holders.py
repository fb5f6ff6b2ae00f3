"""Who holds and who waits for one pool's licenses, set-based: the building blocks of every licensing write, run in
its transaction while it holds the pool's lock (services/locks.py). The rows of a pool, its holders and its line,
change only under that lock, and each of these functions keeps the pool's counters, its rows and the audit log in
step (README, "Group licenses").

A user holds a pool's license while they have a source: a direct assignment, or membership of a group that holds
the pool. Group members for whom no license is free wait in the pool's line (PendingLicense), first come first
served; `line_serve` gives the licenses that free up to the first of them, in the transaction that frees them.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from accounts.models import GroupMembership, User
from core.audit import Actor, audit_record_for_users, chunks
from core.choices import AuditAction

from ..choices import ASSIGNABLE_STATUSES
from ..models import LicenseAssignment, LicensePool, PendingLicense, Subscription


def pool_assignable(pool: LicensePool) -> bool:
    """Whether the pool's subscription allows assignment now (read under the pool's lock, not from memory)."""
    return Subscription.objects.values_list("status", flat=True).get(pk=pool.subscription_id) in ASSIGNABLE_STATUSES


def group_sourced(pool: LicensePool, user_ref: str = "user_id") -> Exists:
    """Whether the outer row's user is a member of a group that holds `pool`."""
    return Exists(GroupMembership.objects.filter(user_id=OuterRef(user_ref), group__licenses__pool=pool))


def counters_add(pool: LicensePool, *, assigned: int = 0, pending: int = 0) -> None:
    """Move the pool's counters, in the database and on the locked object."""
    if assigned or pending:
        LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") + assigned, pending=F("pending") + pending)
        pool.assigned += assigned
        pool.pending += pending


def _audit(action: str, by: Actor, pool: LicensePool, user_ids: Sequence[int], details: dict[str, Any]) -> None:
    if user_ids:
        audit_record_for_users(
            action,
            actor=by,
            user_ids=user_ids,
            details=details,
            subscription=pool.subscription,
            product=pool.product,
        )


def assignments_insert(pool: LicensePool, user_ids: Sequence[int], by: Actor, *, direct: bool) -> None:
    """INSERT ... SELECT from the user table: the assignment rows of many users in one statement per chunk. The
    caller moves the counter."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for chunk in chunks(user_ids):
            cursor.execute(
                f"INSERT INTO {qn(LicenseAssignment._meta.db_table)}"
                " (pool_id, user_id, assigned_at, assigned_by_id, direct)"
                f" SELECT %s, id, %s, %s, %s FROM {qn(User._meta.db_table)}"
                f" WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [pool.pk, timezone.now(), by.user.pk if by.user is not None else None, direct, *chunk],
            )


def line_serve(*, by: Actor, pool: LicensePool) -> list[int]:
    """Give the pool's free licenses to the first members of its line, if its subscription allows assignment;
    returns the ids of the users served. Called by every change that frees a license or makes one assignable."""
    if pool.pending == 0 or pool.available <= 0 or not pool_assignable(pool):
        return []
    first = list(
        PendingLicense.objects.filter(pool=pool).order_by("since", "pk").values_list("pk", "user_id")[: pool.available]
    )
    served = [user_id for _, user_id in first]
    PendingLicense.objects.filter(pk__in=[pk for pk, _ in first]).delete()
    assignments_insert(pool, served, by, direct=False)
    counters_add(pool, assigned=len(served), pending=-len(served))
    _audit(AuditAction.LICENSE_ASSIGNED, by, pool, served, {"from_line": True})
    return served


def group_sources_sync(
    *, by: Actor, pool: LicensePool, user_ids: Sequence[int], details: dict[str, Any]
) -> tuple[list[int], list[int]]:
    """Bring the licenses of `pool` in line with the group sources of `user_ids` after their memberships or the
    groups' licenses changed: a user who lost their last source loses the license (or their place in the line), a
    user who gained one gets a license if one is free, or else joins the line. The licenses freed go to the line
    first, so newcomers never pass anyone waiting. `details` (naming the group that caused it) go into the audit
    events. Returns the ids of the users who lost a license and of those who got one or joined the line."""
    lost: list[int] = []
    cancelled: list[int] = []
    gained: list[int] = []
    for chunk in chunks(sorted(set(user_ids))):
        no_source = LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk, direct=False).exclude(
            group_sourced(pool)
        )
        chunk_lost = list(no_source.values_list("user_id", flat=True))
        LicenseAssignment.objects.filter(pool=pool, user_id__in=chunk_lost).delete()
        lost += chunk_lost
        left_line = PendingLicense.objects.filter(pool=pool, user_id__in=chunk).exclude(group_sourced(pool))
        chunk_cancelled = list(left_line.values_list("user_id", flat=True))
        PendingLicense.objects.filter(pool=pool, user_id__in=chunk_cancelled).delete()
        cancelled += chunk_cancelled
        newcomers = (
            User.objects.filter(pk__in=chunk)
            .filter(group_sourced(pool, "pk"))
            .exclude(Exists(LicenseAssignment.objects.filter(pool=pool, user_id=OuterRef("pk"))))
            .exclude(Exists(PendingLicense.objects.filter(pool=pool, user_id=OuterRef("pk"))))
        )
        gained += newcomers.order_by("pk").values_list("pk", flat=True)
    counters_add(pool, assigned=-len(lost), pending=-len(cancelled))
    _audit(AuditAction.LICENSE_UNASSIGNED, by, pool, lost, details)
    _audit(AuditAction.LICENSE_PENDING_CANCELLED, by, pool, cancelled, details)
    line_serve(by=by, pool=pool)
    newcomers_admit(by=by, pool=pool, user_ids=sorted(gained), details=details)
    return lost, gained


def newcomers_admit(*, by: Actor, pool: LicensePool, user_ids: Sequence[int], details: dict[str, Any]) -> None:
    """Give licenses to users who gained a group source and neither hold nor wait for one: as many as are free
    (none while others wait or the subscription does not allow assignment); the rest join the end of the line."""
    if not user_ids:
        return
    assignable = pool_assignable(pool)
    free = max(pool.available, 0) if pool.pending == 0 and assignable else 0
    admitted, waiting = list(user_ids[:free]), list(user_ids[free:])
    assignments_insert(pool, admitted, by, direct=False)
    if waiting:
        since = timezone.now()
        PendingLicense.objects.bulk_create(
            [PendingLicense(pool=pool, user_id=user_id, since=since) for user_id in waiting], batch_size=2000
        )
    counters_add(pool, assigned=len(admitted), pending=len(waiting))
    _audit(AuditAction.LICENSE_ASSIGNED, by, pool, admitted, details)
    reason = "not_enough_licenses" if assignable else "subscription_not_active"
    _audit(AuditAction.LICENSE_PENDING, by, pool, waiting, {**details, "reason": reason})
