"""Usage charts (README, "License usage history": Charts): each pool's last 90 days drawn as inline SVG paths, with
the forecast sentence and the numbers behind them. The page renders them: no JavaScript, nothing from a CDN. One
history query for all the pools a page shows."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from django.template.defaultfilters import pluralize

from .forecast import HORIZON_DAYS, MIN_POINTS, Forecast, Outlook, exhaustion_forecast
from .models import LicensePool
from .selectors.history import HISTORY_DAYS, UsagePoint, pool_history

# The SVG's own units: ten a day across, a thousand up, fine enough for whole numbers only. It stretches to its box
# (preserveAspectRatio="none", strokes that do not scale), so the same paths serve a chart and a sparkline.
DAY_WIDTH, HEIGHT = 10, 1000
WIDTH = DAY_WIDTH * (HISTORY_DAYS - 1)
VIEW_BOX = f"0 0 {WIDTH} {HEIGHT}"
MARGIN = 40  # keeps a line at the top or the bottom inside the box


class UsageRun(NamedTuple):
    """Consecutive days with the same counters: one row of the table alternative (a tuple: a page makes
    thousands)."""

    first: datetime.date
    last: datetime.date
    quantity: int
    assigned: int
    pending: int


@dataclass(frozen=True)
class PoolUsage:
    """A pool's series over the last `HISTORY_DAYS` days, what the chart draws of it, and its forecast."""

    pool: LicensePool
    points: list[UsagePoint]
    since: datetime.date

    view_box = VIEW_BOX

    @property
    def has_chart(self) -> bool:
        """Today's counters alone draw no line: a chart needs at least one day of history."""
        return len(self.points) > 1

    @cached_property
    def forecast(self) -> Forecast:
        return exhaustion_forecast(self.points)

    @cached_property
    def top(self) -> int:
        """The value at the top of the chart: a round number at or above everything it draws."""
        return _round_up(max(max(quantity, assigned + pending) for _, quantity, assigned, pending in self.points))

    @property
    def owned_path(self) -> str:
        """Licenses owned, a step line: a quantity holds until the day it changes."""
        first, *rest = self.points
        path, level = [f"M{self._x(first.day)} {self._y(first.quantity)}"], first.quantity
        for point in rest:
            if point.quantity != level:
                path.append(f"H{self._x(point.day)} V{self._y(point.quantity)}")
                level = point.quantity
        path.append(f"H{self._x(self.points[-1].day)}")
        return " ".join(path)

    @cached_property
    def assigned_path(self) -> str:
        return self._line([point.assigned for point in self.points])

    @property
    def assigned_area(self) -> str:
        """The area under the assigned line, down to zero."""
        return f"{self.assigned_path} V{self._y(0)} H{self._x(self.points[0].day)} Z"

    @property
    def demand_path(self) -> str:
        """Assigned plus waiting, stacked on the assigned line."""
        return self._line([point.demand for point in self.points])

    @property
    def anyone_waited(self) -> bool:
        return any(point.pending for point in self.points)

    @property
    def runs(self) -> list[UsageRun]:
        """The table alternative, newest first: a row per run of consecutive days with the same counters, so a
        screen reader hears each change once rather than ninety days of the same numbers."""
        runs: list[list] = []  # [first day, last day, its ordinal, counters], grown in place: a page makes thousands
        for day, *counters in self.points:
            ordinal = day.toordinal()
            if runs and runs[-1][3] == counters and ordinal - runs[-1][2] == 1:
                runs[-1][1:3] = day, ordinal
            else:
                runs.append([day, day, ordinal, counters])
        return [UsageRun(first, last, *counters) for first, last, _, counters in reversed(runs)]

    @property
    def summary(self) -> str:
        """The chart in one sentence, for its description and a sparkline's label."""
        first, last = self.points[0], self.points[-1]
        waiting = f" and {last.pending:,} waiting" if last.pending else ""
        return (
            f"{self.pool.product.name} since {first.day:%b} {first.day.day}: {first.assigned:,} assigned of "
            f"{first.quantity:,} owned then, {last.assigned:,} assigned{waiting} of {last.quantity:,} owned today."
        )

    @property
    def forecast_sentence(self) -> str:
        return forecast_sentence(self.forecast, product=self.pool.product.name, waiting=self.points[-1].pending)

    @cached_property
    def _xs(self) -> list[int]:
        since = self.since.toordinal()
        return [(point.day.toordinal() - since) * DAY_WIDTH for point in self.points]

    def _x(self, day: datetime.date) -> int:
        return (day - self.since).days * DAY_WIDTH

    def _y(self, value: int) -> int:
        """Integer arithmetic, rounded to the nearest unit: a page computes some 5,000 of these."""
        return HEIGHT - MARGIN - (2 * value * (HEIGHT - 2 * MARGIN) + self.top) // (2 * self.top)

    def _line(self, values: list[int]) -> str:
        # _y inlined: three lines of ninety points a chart, twenty charts a page.
        base, span, top = HEIGHT - MARGIN, 2 * (HEIGHT - 2 * MARGIN), self.top
        ys = [base - (value * span + top) // (2 * top) for value in values]
        return "M" + " L".join([f"{x} {y}" for x, y in zip(self._xs, ys, strict=True)])


def pools_usage(*, pools: Iterable[LicensePool], today: datetime.date | None = None) -> list[PoolUsage]:
    """Each pool's usage, in the order given, from one history query for them all."""
    pools = list(pools)
    history = pool_history(pools=pools, today=today)
    return [
        PoolUsage(pool, history[pool.pk], since=history[pool.pk][-1].day - datetime.timedelta(days=HISTORY_DAYS - 1))
        for pool in pools
    ]


def forecast_sentence(forecast: Forecast, *, product: str, waiting: int) -> str:
    """The forecast as the pages say it: "At this rate E3 runs out in about 12 days." and the like."""
    match forecast.outlook:
        case Outlook.RUNS_OUT:
            days = forecast.days_left
            return f"At this rate {product} runs out in about {days:,} day{pluralize(days)}."
        case Outlook.EXHAUSTED if waiting:
            return f"Out of licenses now: {waiting:,} member{pluralize(waiting)} waiting for {product}."
        case Outlook.EXHAUSTED:
            return f"Out of licenses now: every {product} license is assigned."
        case Outlook.NOT_WITHIN_HORIZON:
            return f"At this rate {product} does not run out within {HORIZON_DAYS} days."
    return f"Too little history for a forecast of {product}: it needs {MIN_POINTS} days."


def _round_up(value: int) -> int:
    """The next multiple of half a power of ten: 20 stays 20, 23 becomes 25, 159 becomes 200; never 0."""
    step = max(1, 10 ** (len(str(value)) - 1) // 2)
    return max(1, -(-value // step) * step)
