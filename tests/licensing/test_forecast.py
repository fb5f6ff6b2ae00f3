"""exhaustion_forecast on known series (README, "License usage history": the method): least squares over the last
28 days of demand (assigned + pending), projected to the pool's quantity, within 90 days."""

import datetime

import pytest

from licensing.forecast import Forecast, Outlook, exhaustion_forecast
from licensing.selectors.history import UsagePoint

TODAY = datetime.date(2026, 11, 30)


def daily(demands: list[int], *, quantity: int = 100, pending: int = 0) -> list[UsagePoint]:
    """One point a day ending TODAY, with these demands (the last `pending` of each waiting)."""
    start = TODAY - datetime.timedelta(days=len(demands) - 1)
    return [
        UsagePoint(start + datetime.timedelta(days=index), quantity, demand - pending, pending)
        for index, demand in enumerate(demands)
    ]


def test_a_flat_pool_does_not_run_out():
    assert exhaustion_forecast(daily([40] * 28)) == Forecast(Outlook.NOT_WITHIN_HORIZON, rate_per_day=0.0)


def test_linear_growth_runs_out_on_the_exact_day():
    # Two more a day, 54 of 100 wanted today: 46 left, 23 days.
    assert exhaustion_forecast(daily([2 * day for day in range(28)])) == Forecast(
        Outlook.RUNS_OUT, days_left=23, rate_per_day=2.0
    )


def test_a_part_day_counts_as_a_day():
    # Three a day, 90 of 100 wanted: 10 left is 3⅓ days, said as 4.
    forecast = exhaustion_forecast(daily([90 - 3 * day for day in range(27, -1, -1)]))
    assert (forecast.outlook, forecast.days_left) == (Outlook.RUNS_OUT, 4)


def test_members_waiting_count_as_demand():
    forecast = exhaustion_forecast(daily([2 * day for day in range(28)], pending=1))
    assert forecast == Forecast(Outlook.RUNS_OUT, days_left=23, rate_per_day=2.0)


def test_a_step_reads_as_growth_spread_over_the_window_until_it_leaves_it():
    """20 licenses added at once 8 days ago (an onboarding): least squares spreads the step over the 28 days,
    1600 / 1827 a day, so 70 left read as 80 days; four weeks after the step the pool is flat again."""
    step = daily([10] * 20 + [30] * 8)
    forecast = exhaustion_forecast(step)
    assert (forecast.outlook, forecast.days_left) == (Outlook.RUNS_OUT, 80)
    assert forecast.rate_per_day == pytest.approx(1600 / 1827)

    later = exhaustion_forecast(daily([10] * 20 + [30] * 28))
    assert later == Forecast(Outlook.NOT_WITHIN_HORIZON, rate_per_day=0.0)


def test_only_the_last_28_days_count():
    # Fast growth two months ago, flat for the last four weeks.
    assert exhaustion_forecast(daily(list(range(0, 60, 2)) + [60] * 28)).outlook == Outlook.NOT_WITHIN_HORIZON


def test_a_shrinking_pool_does_not_run_out():
    forecast = exhaustion_forecast(daily(list(range(80, 52, -1))))
    assert forecast.outlook == Outlook.NOT_WITHIN_HORIZON
    assert forecast.rate_per_day == pytest.approx(-1.0)


@pytest.mark.parametrize("points", [[], daily([1, 2, 3, 4, 5, 6])])
def test_fewer_than_seven_days_is_too_little_history(points):
    assert exhaustion_forecast(points) == Forecast(Outlook.TOO_LITTLE_HISTORY)


def test_seven_days_are_enough():
    assert exhaustion_forecast(daily([84, 86, 88, 90, 92, 94, 96])) == Forecast(
        Outlook.RUNS_OUT, days_left=2, rate_per_day=2.0
    )


def test_days_outside_the_window_do_not_make_up_for_too_little_history():
    old = daily([10] * 61)[:31]  # 60 to 30 days ago: before the window of the last 28 days
    recent = daily([12] * 3)
    assert exhaustion_forecast(old + recent).outlook == Outlook.TOO_LITTLE_HISTORY


def test_gaps_between_days_are_days():
    """Snapshots every other day: the rate is per calendar day, not per point."""
    points = daily([2 * day for day in range(28)])[::2][-14:] + daily([54])
    points = sorted(set(points), key=lambda point: point.day)
    forecast = exhaustion_forecast(points)
    assert forecast.days_left == 23 and forecast.rate_per_day == pytest.approx(2.0)


def test_a_pool_already_full_is_exhausted_whatever_its_history():
    assert exhaustion_forecast(daily([100])) == Forecast(Outlook.EXHAUSTED, days_left=0)
    full_and_waiting = daily([90] * 27 + [103], quantity=100, pending=3)
    assert exhaustion_forecast(full_and_waiting) == Forecast(Outlook.EXHAUSTED, days_left=0)


def test_beyond_the_horizon_is_not_within_it():
    # One a week, 50 left: about 350 days.
    forecast = exhaustion_forecast(daily([50 + day // 7 for day in range(28)]))
    assert forecast.outlook == Outlook.NOT_WITHIN_HORIZON and forecast.days_left is None
    assert forecast.rate_per_day > 0


@pytest.mark.parametrize(("left", "outlook"), [(90, Outlook.RUNS_OUT), (91, Outlook.NOT_WITHIN_HORIZON)])
def test_the_horizon_is_inclusive(left, outlook):
    points = daily([100 - left - 27 + day for day in range(28)])
    assert exhaustion_forecast(points).outlook == outlook
