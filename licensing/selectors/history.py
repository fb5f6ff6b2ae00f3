"""A pool's usage over time: the daily snapshots (models.PoolSnapshot) plus today's live counters, one query for any
number of pools. Charts, the forecast, the REST history endpoint, `license_report --history` and the exports all
read this one series (README, "License usage history")."""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.utils import timezone

from ..models import LicensePool, PoolSnapshot

HISTORY_DAYS = 90  # what the charts show and the forecast may look back on


class UsagePoint(NamedTuple):
    """One pool on one day: licenses owned, assigned, and members waiting. A tuple, not a dataclass: a page of
    charts builds thousands of them, and a tuple is built several times faster."""

    day: datetime.date
    quantity: int
    assigned: int
    pending: int

    @property
    def demand(self) -> int:
        """Licenses wanted: those held plus those waited for."""
        return self.assigned + self.pending


def pool_history(
    *, pools: Iterable[LicensePool], days: int = HISTORY_DAYS, today: datetime.date | None = None
) -> dict[int, list[UsagePoint]]:
    """Per pool id, its points of the last `days` days in day order, ending with today's live counters (read off
    the pool objects given, not the database), whether or not today's snapshot exists yet."""
    pools = list(pools)
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days - 1)
    series: dict[int, list[UsagePoint]] = {pool.pk: [] for pool in pools}
    rows = (
        PoolSnapshot.objects.filter(pool__in=[pool.pk for pool in pools], day__gte=since, day__lt=today)
        .order_by("pool_id", "day")
        .values_list("pool_id", "day", "quantity", "assigned", "pending")
    )
    point = UsagePoint._make  # from the row's tuple as it is: a page of charts reads some 2,000
    for row in rows:
        series[row[0]].append(point(row[1:]))
    for pool in pools:
        series[pool.pk].append(UsagePoint(today, pool.quantity, pool.assigned, pool.pending))
    return series
