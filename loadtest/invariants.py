"""What must hold after a load run: the database's invariants (licensing.integrity) over the plan's pools, the
pools' lines replayed from the audit log, and what the run itself saw. Needs Django set up."""

from collections import Counter
from itertools import groupby

from django.db.models import Count

from core.choices import AuditAction
from core.models import AuditEvent
from licensing.integrity import Baseline, integrity_problems
from licensing.models import PendingLicense

from .client import CHANGE_ACTIONS, MEMBER_ACTIONS, Tally
from .plan import Plan

LINE_ACTIONS = (AuditAction.LICENSE_PENDING, AuditAction.LICENSE_PENDING_CANCELLED, AuditAction.LICENSE_ASSIGNED)


def invariants_check(plan: Plan, tally: Tally) -> list[str]:
    """Everything that must hold after a run, as a list of what does not (empty: all is well).

    - licensing.integrity over the plan's pools: no pool with assigned outside 0..quantity, every counter equal
      to its rows, every license with a source, every group member holding or waiting, no free license while
      members wait, the audit log replaying to the rows and, from the plan's quantities, to the present
      quantities;
    - every line served in order (`line_order_problems`);
    - one audit event per change the server reported, and none for a change that did not happen: the license
      events of the single and bulk users, and the membership events of the plan's groups, since the run began
      equal the changes the clients counted (the group users' licenses follow memberships and lines, which no
      client sees: the checks above cover them);
    - no 5xx, no dropped request, no answer an operation does not allow.
    """
    since = Baseline(audit_floor=plan.audit_floor, quantities={pool.id: pool.quantity for pool in plan.pools})
    problems = integrity_problems([pool.id for pool in plan.pools], since=since)
    problems += line_order_problems(plan)

    run_events = AuditEvent.objects.filter(pk__gt=plan.audit_floor)
    license_events = run_events.filter(subscription_id__in=list(plan.subscriptions), action__in=CHANGE_ACTIONS)
    member_events = run_events.filter(
        action__in=MEMBER_ACTIONS, details__group_id__in=[group.id for group in plan.groups]
    )
    counted = _by_action(license_events.exclude(subject_user_id__in=plan.group_users)) + _by_action(member_events)
    for action in CHANGE_ACTIONS + (MEMBER_ACTIONS if plan.groups else ()):
        if counted[action] != tally.changes[action]:
            problems.append(f"{counted[action]} {action} events, but the server reported {tally.changes[action]}")

    if tally.server_errors:
        problems.append(f"{len(tally.server_errors)} 5xx answers, e.g. {tally.server_errors[:3]}")
    if tally.transport_errors:
        problems.append(f"{len(tally.transport_errors)} failed requests, e.g. {tally.transport_errors[:3]}")
    if tally.unexpected:
        problems.append(f"{len(tally.unexpected)} answers an operation does not allow, e.g. {tally.unexpected[:5]}")
    return problems


def _by_action(events) -> Counter:
    return Counter(dict(events.order_by().values("action").annotate(n=Count("pk")).values_list("action", "n")))


def line_order_problems(plan: Plan) -> list[str]:
    """Each pool's line replayed from the audit log since the plan made it: a license filled from the line
    (license_assigned with from_line) goes to the earliest waiters, nobody who waits gets a license any other
    way, a member leaves the line only from it, and the replay ends at the line there is now.

    One service call writes the events of one pool at one moment (occurred_at); the members who join the line
    together are in it by user id, as their PendingLicense rows (services/holders.newcomers_admit)."""
    pool_of = {(pool.subscription_id, pool.product_id): pool.id for pool in plan.pools}
    events = (
        AuditEvent.objects.filter(subscription_id__in=list(plan.subscriptions), action__in=LINE_ACTIONS)
        .order_by("pk")
        .values_list("subscription_id", "product_id", "action", "occurred_at", "details", "subject_user_id")
    )
    streams: dict[int, list[tuple]] = {pool_id: [] for pool_id in pool_of.values()}
    for subscription_id, product_id, action, occurred_at, details, user_id in events.iterator():
        if (subscription_id, product_id) in pool_of:
            batch = (action, occurred_at, bool((details or {}).get("from_line")))
            streams[pool_of[subscription_id, product_id]].append((batch, user_id))
    problems = []
    for pool_id, stream in streams.items():
        line: list[int] = []
        for (action, occurred_at, from_line), batch in groupby(stream, key=lambda event: event[0]):
            users = [user_id for _, user_id in batch]
            if action == AuditAction.LICENSE_PENDING:
                line += sorted(users)
                continue
            waiting = set(line)
            if action == AuditAction.LICENSE_PENDING_CANCELLED:
                if strangers := set(users) - waiting:
                    problems.append(f"pool {pool_id}, users {sorted(strangers)}: left a line they were not in")
            elif from_line:
                if set(users) != set(line[: len(users)]):
                    problems.append(
                        f"pool {pool_id} at {occurred_at}: filled from the line for {sorted(users)}, "
                        f"the first waiters were {line[: len(users)]}"
                    )
            elif jumped := set(users) & waiting:
                problems.append(f"pool {pool_id}, users {sorted(jumped)}: a license while waiting, not from the line")
            line = [user_id for user_id in line if user_id not in set(users)]
        now = list(
            PendingLicense.objects.filter(pool_id=pool_id).order_by("since", "pk").values_list("user_id", flat=True)
        )
        if now != line:
            problems.append(f"pool {pool_id}: the audit log replays to a line of {len(line)}, {len(now)} wait now")
    return problems


def line_figures(plan: Plan) -> dict[str, int]:
    """How the lines moved during the run: members who joined one, got a license from one, left one; and how
    many wait now."""
    events = AuditEvent.objects.filter(pk__gt=plan.audit_floor, subscription_id__in=list(plan.subscriptions))
    return {
        "joined a line": events.filter(action=AuditAction.LICENSE_PENDING).count(),
        "filled from a line": events.filter(action=AuditAction.LICENSE_ASSIGNED, details__from_line=True).count(),
        "left a line": events.filter(action=AuditAction.LICENSE_PENDING_CANCELLED).count(),
        "waiting at the end": PendingLicense.objects.filter(pool_id__in=[pool.id for pool in plan.pools]).count(),
    }
