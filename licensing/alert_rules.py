"""When a pool's alerts fire and when they recover (README, "Alerts"). Pure, like forecast.py: it reads a pool's
series of selectors.history.UsagePoint and touches no database, so each rule is tested on known series.

An alert fires when its condition starts to hold and clears when the condition has recovered; in between it stays
open and fires no more (services/alerts.py keeps that state). The forecast alert is the early warning: it fires
while the pool still has licenses to spare; once none are left the 90 % and 100 % alerts speak, and the forecast
alert stays open (an exhausted pool has not recovered) until the forecast is back at or above the threshold."""

from dataclasses import dataclass

from .choices import AlertKind
from .forecast import Forecast, Outlook, exhaustion_forecast
from .selectors.history import UsagePoint
from .selectors.subscriptions import USAGE_WARNING_PERCENT


@dataclass(frozen=True)
class Verdict:
    """What one pool's series says: the kinds whose condition holds (`firing`) and those that have recovered
    (`recovered`); a kind in neither keeps its state."""

    firing: frozenset[AlertKind]
    recovered: frozenset[AlertKind]
    forecast: Forecast


def alert_verdict(points: list[UsagePoint], *, forecast_days: int) -> Verdict:
    """The verdict on a pool whose last point is now; `forecast_days` is settings.LICENSE_FORECAST_ALERT_DAYS."""
    now = points[-1]
    forecast = exhaustion_forecast(points)
    holds = {
        AlertKind.USAGE_90: now.assigned * 100 >= now.quantity * USAGE_WARNING_PERCENT,
        AlertKind.FULL: now.assigned >= now.quantity,
        AlertKind.WAITING: now.pending > 0,
    }
    firing = {kind for kind, held in holds.items() if held}
    recovered = set(holds) - firing
    soon = forecast.days_left is not None and forecast.days_left < forecast_days
    if soon and forecast.outlook == Outlook.RUNS_OUT:
        firing.add(AlertKind.FORECAST)
    elif not soon:
        recovered.add(AlertKind.FORECAST)
    return Verdict(frozenset(firing), frozenset(recovered), forecast)
