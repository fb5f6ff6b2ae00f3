"""Leavers' licenses (README, "Leavers' licenses"): a disabled account keeps its licenses for a grace period
(settings.LICENSE_RECLAIM_GRACE_DAYS), then `licenses_reclaim`, run by a scheduler (`manage.py reclaim_licenses`),
returns them to their pools and serves the pools' lines. From then on no group gives the account a license or a
place in a line (services/holders.py) until it is enabled again. A deleted user's licenses go at once, in the
deletion's transaction (`user_deleting_licenses_free`)."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_user_management
from accounts.services.locks import groups_hold
from core.audit import SYSTEM, Actor, audit_event_new, audit_record
from core.choices import AuditAction

from ..models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense
from ..selectors.leavers import leavers_due
from .holders import counters_add_many, line_serve
from .locks import pools_lock_all

BATCH_SIZE = 500  # leavers per transaction


@dataclass
class ReclaimResult:
    """What a run did: the accounts whose licenses it reclaimed, the licenses and the places in lines they lost."""

    users: int = 0
    licenses: int = 0
    places: int = 0


def licenses_reclaim(*, by: Actor = SYSTEM, now: datetime.datetime | None = None) -> ReclaimResult:
    """Reclaim the licenses of every disabled account past its grace period, a batch of accounts per transaction.

    Safe on several servers at once: a batch re-reads its accounts under their locks and skips those another run
    holds (that run reclaims them), so no license is reclaimed twice and none is missed."""
    require_user_management(by.user)
    now = now or timezone.now()
    result = ReclaimResult()
    # Leavers who wait in a line first: the licenses the others free then go to the members who stay, rather than
    # to a leaver whose turn is still to come.
    waits = Exists(PendingLicense.objects.filter(user_id=OuterRef("pk")))
    for leavers in (leavers_due(now=now).filter(waits), leavers_due(now=now)):
        after = 0
        while batch := list(leavers.filter(pk__gt=after).values_list("pk", flat=True)[:BATCH_SIZE]):
            after = batch[-1]
            done = _batch_reclaim(by=by, user_ids=batch, now=now)
            result.users += done.users
            result.licenses += done.licenses
            result.places += done.places
    return result


@transaction.atomic
def _batch_reclaim(*, by: Actor, user_ids: list[int], now: datetime.datetime) -> ReclaimResult:
    """One batch, locked in the one order: the users (still due, not held by another run), the groups (no group
    gains a license meanwhile), then every pool they hold or wait for; set-based."""
    users = {
        user.pk: user
        for user in leavers_due(now=now)
        .filter(pk__in=user_ids)
        .select_for_update(no_key=True, skip_locked=True)
        .only("email", "user_name", "disabled_at")
    }
    if not users:
        return ReclaimResult()
    groups_hold()
    grace = settings.LICENSE_RECLAIM_GRACE_DAYS
    lost, left = licenses_take(
        by=by,
        users=users,
        action=AuditAction.LICENSE_RECLAIMED,
        details_of=lambda user: {"disabled_at": user.disabled_at.isoformat(), "grace_days": grace},
    )
    User.objects.filter(pk__in=list(users)).update(licenses_reclaimed_at=now)
    return ReclaimResult(users=len(users), licenses=len(lost), places=len(left))


def user_deleting_licenses_free(*, by: Actor, user: User, **signal: object) -> list[dict[str, str]]:
    """The receiver of accounts.signals.user_deleting (the user is locked, the groups held): every license and
    place in a line of the user goes at once, audited as unassigned because the user was deleted, and the lines
    are served. The pools of the user's groups are locked with them, so that the memberships' removal that follows
    locks nothing new. Returns what was freed, for the user_deleted event."""
    its_groups = GroupLicense.objects.filter(group__memberships__user=user).values_list("pool_id", flat=True)
    lost, left = licenses_take(
        by=by,
        users={user.pk: user},
        action=AuditAction.LICENSE_UNASSIGNED,
        details_of=lambda user: {"reason": "user_deleted"},
        also_lock=its_groups,
    )
    return [
        {"subscription": pool.subscription.name, "sku": pool.product.sku_part_number, "state": state}
        for state, rows in (("licensed", lost), ("waiting", left))
        for pool, _ in rows
    ]


def licenses_take(
    *,
    by: Actor,
    users: Mapping[int, User],
    action: str,
    details_of: Callable[[User], dict[str, Any]],
    also_lock: Iterable[int] = (),
) -> tuple[list[tuple[LicensePool, int]], list[tuple[LicensePool, int]]]:
    """Take every license and place in a line from `users` (by id, locked, with the groups held so that no group
    source appears meanwhile), set-based: lock their pools (and `also_lock`) in one go, delete the rows, move the
    counters, write one `action` event per license and one license_pending_cancelled per place, serve the lines
    of the pools that freed a license. Returns the (pool, user id) of the licenses and of the places taken."""
    ids = sorted(users)
    held = LicenseAssignment.objects.filter(user_id__in=ids)
    waiting = PendingLicense.objects.filter(user_id__in=ids)
    pool_ids = {*held.values_list("pool_id", flat=True), *waiting.values_list("pool_id", flat=True), *also_lock}
    pools = {pool.pk: pool for pool in pools_lock_all(LicensePool.objects.filter(pk__in=pool_ids))}
    # Read again under the pools' locks: a line served meanwhile may have turned a place into a license.
    lost = [(pools[pool_id], user_id) for pool_id, user_id in held.values_list("pool_id", "user_id")]
    left = [(pools[pool_id], user_id) for pool_id, user_id in waiting.values_list("pool_id", "user_id")]
    held.delete()
    waiting.delete()
    deltas: dict[LicensePool, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for pool, _ in lost:
        deltas[pool] = (deltas[pool][0] - 1, deltas[pool][1])
    for pool, _ in left:
        deltas[pool] = (deltas[pool][0], deltas[pool][1] - 1)
    counters_add_many(deltas)
    audit_record(
        [
            audit_event_new(
                event_action,
                actor=by,
                details=details_of(users[user_id]),
                subject_user=users[user_id],
                subscription=pool.subscription,
                product=pool.product,
            )
            for event_action, rows in ((action, lost), (AuditAction.LICENSE_PENDING_CANCELLED, left))
            for pool, user_id in rows
        ]
    )
    for pool in sorted({pool for pool, _ in lost}, key=lambda pool: pool.pk):
        line_serve(by=by, pool=pool)
    return lost, left
