"""The chart's geometry, its table alternative and the forecast sentences, on known series (no database)."""

import datetime

import pytest

from licensing.charts import PoolUsage, _round_up, forecast_sentence
from licensing.forecast import Forecast, Outlook
from licensing.models import LicensePool, Product
from licensing.selectors.history import UsagePoint

TODAY = datetime.date(2026, 5, 31)
SINCE = TODAY - datetime.timedelta(days=89)


def usage(*points: tuple[int, int, int, int]) -> PoolUsage:
    """(days ago, quantity, assigned, pending) → the pool's usage, oldest point first."""
    series = [UsagePoint(TODAY - datetime.timedelta(days=ago), *counters) for ago, *counters in points]
    return PoolUsage(LicensePool(product=Product(name="E3")), series, since=SINCE)


def test_owned_is_a_step_line_that_moves_only_on_the_day_the_quantity_changes():
    chart = usage((89, 10, 0, 0), (88, 10, 0, 0), (1, 20, 0, 0), (0, 20, 0, 0))

    assert chart.top == 20
    # 10 of 20 is half way between the margins (40 and 960); the step comes on day 88 (x 880), today is 890.
    assert chart.owned_path == "M0 500 H880 V40 H890"


def test_assigned_and_demand_are_lines_and_the_area_closes_at_zero():
    chart = usage((2, 10, 5, 0), (1, 10, 10, 2), (0, 10, 10, 5))

    assert chart.top == 15
    assert chart.assigned_path == "M870 653 L880 347 L890 347"
    assert chart.demand_path == "M870 653 L880 224 L890 40"
    assert chart.assigned_area == "M870 653 L880 347 L890 347 V960 H870 Z"
    assert chart.anyone_waited


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (7, 7), (20, 20), (23, 25), (159, 200), (1000, 1000)])
def test_the_top_of_the_chart_is_a_round_number_at_or_above_the_highest_value(value, top):
    assert _round_up(value) == top


def test_the_table_has_a_row_per_run_of_equal_days_newest_first_and_a_missing_day_breaks_a_run():
    chart = usage((5, 10, 3, 0), (4, 10, 3, 0), (2, 10, 3, 0), (1, 10, 4, 0), (0, 10, 4, 0))

    runs = [(run.first.day, run.last.day, run.assigned) for run in chart.runs]
    assert runs == [(30, 31, 4), (29, 29, 3), (26, 27, 3)]


def test_a_chart_needs_a_day_of_history_besides_today():
    assert not usage((0, 10, 3, 0)).has_chart
    assert usage((1, 10, 3, 0), (0, 10, 3, 0)).has_chart


@pytest.mark.parametrize(
    ("forecast", "waiting", "sentence"),
    [
        (Forecast(Outlook.RUNS_OUT, days_left=12), 0, "At this rate E3 runs out in about 12 days."),
        (Forecast(Outlook.RUNS_OUT, days_left=1), 0, "At this rate E3 runs out in about 1 day."),
        (Forecast(Outlook.NOT_WITHIN_HORIZON), 0, "At this rate E3 does not run out within 90 days."),
        (Forecast(Outlook.EXHAUSTED, days_left=0), 3, "Out of licenses now: 3 members waiting for E3."),
        (Forecast(Outlook.EXHAUSTED, days_left=0), 0, "Out of licenses now: every E3 license is assigned."),
        (Forecast(Outlook.TOO_LITTLE_HISTORY), 0, "Too little history for a forecast of E3: it needs 7 days."),
    ],
)
def test_the_forecast_sentence(forecast, waiting, sentence):
    assert forecast_sentence(forecast, product="E3", waiting=waiting) == sentence
