"""What the downloads and the export commands write, as records (dicts by column): the users of a list with the
licenses they hold in a subscription, license assignments with the plans off on them, the audit log, and the
license report. Each reads its rows as an iterator, so an export of the whole organisation is never in memory."""

import itertools
from collections.abc import Iterable, Iterator

from django.db.models import FilteredRelation, Q, QuerySet

from accounts.models import User
from core.models import AuditEvent

from ..models import LicensePool, Subscription
from .assignments import assignments_for_export
from .history import HISTORY_DAYS
from .outlook import pools_outlook_visible
from .plans import assignments_with_plans_off
from .subscriptions import license_usage

CHUNK_SIZE = 2000

USER_COLUMNS = ("email", "display_name", "department", "job_title", "account_status", "licenses")
ASSIGNMENT_COLUMNS = (
    "email",
    "display_name",
    "subscription",
    "sku",
    "product",
    "assigned_at",
    "assigned_by",
    "disabled_plans",
)
AUDIT_COLUMNS = ("occurred_at", "action", "user", "product", "subscription", "details", "by", "source")
REPORT_COLUMNS = (
    "subscription",
    "status",
    "sku",
    "product",
    "quantity",
    "assigned",
    "available",
    "waiting",
    "utilisation",
    "level",
    "plans_off",
)
HISTORY_COLUMNS = ("subscription", "sku", "product", "day", "quantity", "assigned", "pending", "outlook", "days_left")


def user_license_records(*, users: QuerySet[User], pools: Iterable[LicensePool]) -> Iterator[dict]:
    """A record per user of `users` (in their order, which must end with the primary key), with the part numbers
    of the licenses they hold in `pools`. One query: a user's licenses come joined, a row each, and are gathered
    here, so the count of queries does not grow with the users."""
    sku_of_pool = {pool.pk: pool.product.sku_part_number for pool in pools}
    rows = (
        users.annotate(
            held=FilteredRelation("license_assignments", condition=Q(license_assignments__pool_id__in=sku_of_pool))
        )
        .values_list("pk", "email", "display_name", "department", "job_title", "is_active", "held__pool_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for _, grouped in itertools.groupby(rows, key=lambda row: row[0]):
        user_rows = list(grouped)
        _, email, display_name, department, job_title, is_active, _ = user_rows[0]
        held = [sku_of_pool[row[-1]] for row in user_rows if row[-1] is not None]
        yield {
            "email": email,
            "display_name": display_name,
            "department": department,
            "job_title": job_title,
            "account_status": "active" if is_active else "disabled",
            "licenses": " ".join(sorted(held)),
        }


def assignment_records(*, actor: User | None, subscription: Subscription | None = None) -> Iterator[dict]:
    """Every license assignment the actor may see (of one subscription, if given), with the names of the plans
    switched off on it (a list). Four queries per CHUNK_SIZE assignments."""
    assignments = assignments_for_export(actor=actor, subscription=subscription).iterator(chunk_size=CHUNK_SIZE)
    for assignment in assignments_with_plans_off(assignments, batch=CHUNK_SIZE):
        yield {
            "email": assignment.user.email,
            "display_name": assignment.user.display_name,
            "subscription": assignment.pool.subscription.name,
            "sku": assignment.pool.product.sku_part_number,
            "product": assignment.pool.product.name,
            "assigned_at": assignment.assigned_at.isoformat(),
            "assigned_by": assignment.assigned_by.email if assignment.assigned_by else "",
            "disabled_plans": assignment.plans_off,
        }


def audit_records(events: QuerySet[AuditEvent]) -> Iterator[dict]:
    """A record per event of `events`, from its snapshots (so a deleted user or product still reads): one query."""
    rows = events.values_list(
        "occurred_at",
        "action",
        "subject_user_label",
        "product_label",
        "subscription_label",
        "details",
        "actor_label",
        "source",
    ).iterator(chunk_size=CHUNK_SIZE)
    for occurred_at, action, user, product, subscription, details, by, source in rows:
        yield {
            "occurred_at": occurred_at.isoformat(),
            "action": action,
            "user": user,
            "product": product,
            "subscription": subscription,
            "details": " ".join(f"{name}={value}" for name, value in details.items()),
            "by": by,
            "source": source,
        }


def license_report_records(*, actor: User | None) -> list[dict]:
    """License usage per subscription and product (selectors/subscriptions.license_usage), how many licenses have
    each plan off as a dict by plan name."""
    return [
        {
            "subscription": usage.subscription,
            "status": usage.status,
            "sku": usage.sku,
            "product": usage.product,
            "quantity": usage.quantity,
            "assigned": usage.assigned,
            "available": usage.available,
            "waiting": usage.waiting,
            "utilisation": usage.utilisation,
            "level": usage.level,
            "plans_off": usage.plans_off,
        }
        for usage in license_usage(actor=actor)
    ]


def history_records(*, actor: User | None, days: int = HISTORY_DAYS) -> Iterator[dict]:
    """A record per pool the actor may see and day of its last `days` days, each with the pool's forecast (the
    same on every row of the pool; days_left empty unless it runs out): three queries."""
    for pool, outlook in pools_outlook_visible(actor=actor, days=days):
        for point in outlook.points:
            yield {
                "subscription": pool.subscription.name,
                "sku": pool.product.sku_part_number,
                "product": pool.product.name,
                "day": point.day.isoformat(),
                "quantity": point.quantity,
                "assigned": point.assigned,
                "pending": point.pending,
                "outlook": outlook.forecast.outlook.value,
                "days_left": "" if outlook.forecast.days_left is None else outlook.forecast.days_left,
            }


def plans_off_text(plans_off: dict[str, int]) -> str:
    """How many licenses have each plan off, as one cell: "TEAMS1:3 MCOEV:1"."""
    return " ".join(f"{name}:{count}" for name, count in plans_off.items())
