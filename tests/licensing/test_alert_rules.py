"""The alert rules (licensing/alert_rules.py) on known series: which kinds fire, which have recovered, and which keep
their state (README, "Alerts")."""

import datetime

import pytest

from licensing.alert_rules import alert_verdict
from licensing.choices import AlertKind
from licensing.selectors.history import UsagePoint

TODAY = datetime.date(2026, 11, 30)
DAYS = 14


def series(*demand: int, quantity: int = 100, pending: int = 0) -> list[UsagePoint]:
    """One point a day ending today, `demand` assigned each day (the last day with `pending` waiting)."""
    start = TODAY - datetime.timedelta(days=len(demand) - 1)
    points = [
        UsagePoint(start + datetime.timedelta(days=i), quantity, assigned, 0) for i, assigned in enumerate(demand)
    ]
    last = points[-1]
    return [*points[:-1], UsagePoint(last.day, last.quantity, last.assigned, pending)]


def verdict(points):
    return alert_verdict(points, forecast_days=DAYS)


@pytest.mark.parametrize(
    ("assigned", "firing"),
    [
        (89, set()),
        (90, {AlertKind.USAGE_90}),
        (99, {AlertKind.USAGE_90}),
        (100, {AlertKind.USAGE_90, AlertKind.FULL}),
    ],
)
def test_usage_fires_at_90_and_100_percent_of_the_quantity(assigned, firing):
    result = verdict(series(assigned))  # one day: too little history for a forecast
    assert result.firing == firing
    counters = {AlertKind.USAGE_90, AlertKind.FULL, AlertKind.WAITING}
    assert result.recovered & counters == counters - firing


def test_members_waiting_fire_and_none_waiting_recovers():
    assert AlertKind.WAITING in verdict(series(10, pending=1)).firing
    assert AlertKind.WAITING in verdict(series(10, pending=0)).recovered


def test_a_steady_climb_fires_the_forecast_under_the_threshold():
    # 5 more a day for 10 days, 55 of 100: 45 left at 5 a day is 9 days, under 14.
    result = verdict(series(*range(10, 60, 5)))
    assert result.forecast.days_left == 9
    assert AlertKind.FORECAST in result.firing


def test_a_slow_climb_is_not_an_alert_and_has_recovered():
    # 1 more a day for 10 days, 19 of 100: 81 days left.
    result = verdict(series(*range(10, 20)))
    assert result.forecast.days_left == 81
    assert AlertKind.FORECAST in result.recovered


def test_the_threshold_itself_is_not_under_it():
    # 2 more a day, 72 of 100: 28 / 2 = 14 days, not under 14.
    result = verdict(series(*range(54, 74, 2)))
    assert result.forecast.days_left == DAYS
    assert AlertKind.FORECAST in result.recovered


def test_a_flat_or_shrinking_pool_recovers_the_forecast():
    assert AlertKind.FORECAST in verdict(series(*[50] * 10)).recovered
    assert AlertKind.FORECAST in verdict(series(*range(60, 50, -1))).recovered


def test_an_exhausted_pool_neither_fires_nor_clears_the_forecast():
    # The 100 % alert speaks for it; an open forecast alert stays open until the forecast recovers.
    result = verdict(series(*range(55, 105, 5)))
    assert AlertKind.FULL in result.firing
    assert AlertKind.FORECAST not in result.firing | result.recovered


def test_too_little_history_recovers_the_forecast():
    assert AlertKind.FORECAST in verdict(series(80, 85, 90)).recovered
