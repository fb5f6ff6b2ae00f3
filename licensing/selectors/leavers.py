"""Disabled accounts whose licenses are due to return to their pools (README, "Leavers' licenses")."""

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from core.audit import chunks

from ..models import LicenseAssignment, PendingLicense


def reclaim_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Accounts disabled at or before this moment have had their grace period."""
    return now - datetime.timedelta(days=settings.LICENSE_RECLAIM_GRACE_DAYS)


def leavers_due(*, now: datetime.datetime) -> QuerySet[User]:
    """Disabled accounts past their grace period whose licenses were not reclaimed yet, in id order."""
    return User.objects.filter(
        is_active=False, disabled_at__lte=reclaim_cutoff(now), licenses_reclaimed_at=None
    ).order_by("pk")


def leavers_holdings(user_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str]]]:
    """What these users hold and wait for, as (subscription, sku, "licensed" or "waiting") by user id."""
    holdings: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for model, state in ((LicenseAssignment, "licensed"), (PendingLicense, "waiting")):
        for chunk in chunks(list(user_ids)):
            rows = model.objects.filter(user_id__in=chunk).order_by("user_id", "pool_id")
            for user_id, subscription, sku in rows.values_list(
                "user_id", "pool__subscription__name", "pool__product__sku_part_number"
            ):
                holdings[user_id].append((subscription, sku, state))
    return holdings
