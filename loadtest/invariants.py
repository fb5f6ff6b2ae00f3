"""What must hold after a load run: the database's invariants (licensing.integrity) over the plan's pools, and
what the run itself saw. Needs Django set up."""

from collections import Counter

from django.db.models import Count

from core.models import AuditEvent
from licensing.integrity import Baseline, integrity_problems

from .client import CHANGE_ACTIONS, Tally
from .plan import Plan


def invariants_check(plan: Plan, tally: Tally) -> list[str]:
    """Everything that must hold after a run, as a list of what does not (empty: all is well).

    - licensing.integrity over the plan's pools: no pool with assigned outside 0..quantity, every counter equal
      to its assignment rows, the audit log replaying to the rows and, from the plan's quantities, to the
      present quantities;
    - one audit event per change the server reported, and none for a change that did not happen: the events of
      each action since the run began equal the changes the clients counted;
    - no 5xx, no dropped request, no answer an operation does not allow.
    """
    since = Baseline(audit_floor=plan.audit_floor, quantities={pool.id: pool.quantity for pool in plan.pools})
    problems = integrity_problems([pool.id for pool in plan.pools], since=since)

    events = AuditEvent.objects.filter(
        subscription_id__in=list(plan.subscriptions), action__in=CHANGE_ACTIONS, pk__gt=plan.audit_floor
    )
    counted = Counter(dict(events.order_by().values("action").annotate(n=Count("pk")).values_list("action", "n")))
    for action in CHANGE_ACTIONS:
        if counted[action] != tally.changes[action]:
            problems.append(f"{counted[action]} {action} events, but the server reported {tally.changes[action]}")

    if tally.server_errors:
        problems.append(f"{len(tally.server_errors)} 5xx answers, e.g. {tally.server_errors[:3]}")
    if tally.transport_errors:
        problems.append(f"{len(tally.transport_errors)} failed requests, e.g. {tally.transport_errors[:3]}")
    if tally.unexpected:
        problems.append(f"{len(tally.unexpected)} answers an operation does not allow, e.g. {tally.unexpected[:5]}")
    return problems
