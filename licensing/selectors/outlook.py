"""A pool's series and its exhaustion forecast together, as the REST history endpoint, `license_report --history`
and the history export give them (README, "License usage history"). The forecast always reads the last
forecast.TREND_DAYS days, however few days the reader asked to see, so it is the same everywhere."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import User

from ..forecast import TREND_DAYS, Forecast, exhaustion_forecast
from ..models import LicensePool
from .history import HISTORY_DAYS, UsagePoint, pool_history
from .subscriptions import pools_visible


@dataclass(frozen=True)
class PoolOutlook:
    points: list[UsagePoint]  # the last `days` days, in day order, ending today
    forecast: Forecast


def pools_outlook(
    *, pools: Iterable[LicensePool], days: int = HISTORY_DAYS, today: datetime.date | None = None
) -> dict[int, PoolOutlook]:
    """Per pool id, its points of the last `days` days and its forecast; one query for any number of pools."""
    series = pool_history(pools=pools, days=max(days, TREND_DAYS), today=today)
    outlooks = {}
    for pool_id, points in series.items():
        since = points[-1].day - datetime.timedelta(days=days - 1)
        outlooks[pool_id] = PoolOutlook(
            points=[point for point in points if point.day >= since], forecast=exhaustion_forecast(points)
        )
    return outlooks


def pools_outlook_visible(*, actor: User | None, days: int = HISTORY_DAYS) -> list[tuple[LicensePool, PoolOutlook]]:
    """Every pool `actor` may see (by subscription and product name) with its outlook; three queries."""
    pools = list(pools_visible(actor=actor))
    outlooks = pools_outlook(pools=pools, days=days)
    return [(pool, outlooks[pool.pk]) for pool in pools]
