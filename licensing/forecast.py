"""When a pool runs out at the current rate (README, "License usage history": the method). Pure: it reads a series
of selectors.history.UsagePoint and touches no database, so it is tested on known series."""

import math
from dataclasses import dataclass
from enum import StrEnum

from .selectors.history import UsagePoint

TREND_DAYS = 28  # the recent trend: the last four weeks, so one busy week neither hides nor invents a trend
MIN_POINTS = 7  # fewer days than this say nothing about a rate
HORIZON_DAYS = 90  # beyond this, "not within 90 days"


class Outlook(StrEnum):
    EXHAUSTED = "exhausted"  # demand already meets or exceeds what is owned
    RUNS_OUT = "runs_out"  # at this rate, in `days_left` days
    NOT_WITHIN_HORIZON = "not_within_horizon"  # flat, shrinking, or further away than the horizon
    TOO_LITTLE_HISTORY = "too_little_history"


@dataclass(frozen=True)
class Forecast:
    outlook: Outlook
    days_left: int | None = None
    rate_per_day: float | None = None  # licenses wanted per day over the trend window (least squares)


def exhaustion_forecast(points: list[UsagePoint], *, horizon: int = HORIZON_DAYS) -> Forecast:
    """The least-squares slope of demand (assigned + pending) over the last TREND_DAYS days, projected from the last
    point to the last point's quantity."""
    if not points:
        return Forecast(Outlook.TOO_LITTLE_HISTORY)
    last = points[-1]
    if last.demand >= last.quantity:
        return Forecast(Outlook.EXHAUSTED, days_left=0)
    window = [point for point in points if (last.day - point.day).days < TREND_DAYS]
    if len(window) < MIN_POINTS:
        return Forecast(Outlook.TOO_LITTLE_HISTORY)
    xs = [(point.day - last.day).days for point in window]
    ys = [point.demand for point in window]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    rate = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    if rate <= 0:
        return Forecast(Outlook.NOT_WITHIN_HORIZON, rate_per_day=rate)
    days_left = math.ceil((last.quantity - last.demand) / rate)
    if days_left > horizon:
        return Forecast(Outlook.NOT_WITHIN_HORIZON, rate_per_day=rate)
    return Forecast(Outlook.RUNS_OUT, days_left=days_left, rate_per_day=rate)
