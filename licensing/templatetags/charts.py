"""The usage chart's table alternative (licensing/charts.py): up to 90 rows per chart and 20 charts on a page, so its
rows are written here in one pass rather than by the template engine or format_html, which cost many times more
per row (`make bench`, "products: 20 pools, 90 days of history")."""

import datetime
from functools import lru_cache

from django import template
from django.utils.safestring import mark_safe

from licensing.charts import PoolUsage

from .display import day

register = template.Library()

ROW = '<tr><th scope="row">{}</th><td class="num">{:,}</td><td class="num">{:,}</td><td class="num">{:,}</td></tr>'


@register.filter
def usage_rows(usage: PoolUsage):
    """The table's rows, newest first: the days (one, or the first and the last of a run), owned, assigned, waiting.
    Safe as it is: every cell is a number or a day this module formats, never text someone typed."""
    rows = (ROW.format(_days(run.first, run.last), run.quantity, run.assigned, run.pending) for run in usage.runs)
    return mark_safe("\n".join(rows))


def _days(first: datetime.date, last: datetime.date) -> str:
    return _day(first) if first == last else f"{_day(first)} – {_day(last)}"


@lru_cache(maxsize=512)
def _day(value: datetime.date) -> str:
    """A day as every page writes it; the charts of a page share their days, so each is formatted once."""
    return day(value)
