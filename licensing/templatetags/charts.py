"""A usage chart's card on Products & licenses (licensing/charts.py) with its table alternative: up to 90 rows per
chart and 20 charts on a page, so the card is written here in one pass rather than by the template engine or
format_html, which cost many times more per value (`make bench`, "products: 20 pools, 90 days of history")."""

import datetime
from functools import lru_cache

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from licensing.charts import PoolUsage

from .display import day

register = template.Library()


LEGEND = '<li><svg viewBox="0 0 24 8"><path class="chart-line {}" d="M0 4 H24"/></svg>{}</li>'


@register.simple_tag
def usage_chart(usage: PoolUsage):
    """The card: the forecast sentence, then the chart with its title, description and legend, and the numbers
    behind it; a product with no day of history yet says so instead. The product's name is escaped; every other
    value is a number, a day or a path this module and charts.py write."""
    pk, name = usage.pool.pk, conditional_escape(usage.pool.product.name)
    head = (
        f'<article class="card usage-chart" id="usage-{pk}" aria-labelledby="usage-title-{pk}">\n'
        f'  <h3 id="usage-title-{pk}">{name}</h3>\n'
        f'  <p class="chart-forecast">{conditional_escape(usage.forecast_sentence)}</p>\n'
    )
    if not usage.has_chart:
        return mark_safe(
            head + '  <p class="muted">No history yet: the chart starts after the first daily snapshot.</p>\n</article>'
        )
    waited = usage.anyone_waited
    demand = f'      <path class="chart-line chart-demand" d="{usage.demand_path}"/>\n' if waited else ""
    legend = [("chart-owned", "Owned"), ("chart-assigned", "Assigned")] + (
        [("chart-demand", "Assigned + waiting")] if waited else []
    )
    return mark_safe(
        head + '  <div class="chart-plot">\n'
        f'    <span class="chart-y chart-y-top" aria-hidden="true">{_number(usage.top)}</span>\n'
        '    <span class="chart-y chart-y-zero" aria-hidden="true">0</span>\n'
        f'    <svg class="chart-svg" role="img" aria-labelledby="chart-title-{pk} chart-desc-{pk}" '
        f'viewBox="{usage.view_box}" preserveAspectRatio="none" focusable="false">\n'
        f'      <title id="chart-title-{pk}">Licenses of {name} over the last 90 days</title>\n'
        f'      <desc id="chart-desc-{pk}">{conditional_escape(usage.summary)}</desc>\n'
        f'      <path class="chart-area-assigned" d="{usage.assigned_area}"/>\n'
        f"{demand}"
        f'      <path class="chart-line chart-assigned" d="{usage.assigned_path}"/>\n'
        f'      <path class="chart-line chart-owned" d="{usage.owned_path}"/>\n'
        "    </svg>\n  </div>\n"
        f'  <p class="chart-x" aria-hidden="true"><span>{_day(usage.since)}</span><span>Today</span></p>\n'
        '  <ul class="chart-legend" aria-hidden="true">\n    '
        + "\n    ".join(LEGEND.format(css, label) for css, label in legend)
        + "\n  </ul>\n"
        '  <details class="chart-numbers">\n    <summary>Show the numbers</summary>\n'
        '    <div class="table-wrap">\n      <table class="data-table">\n'
        f'        <caption class="visually-hidden">{name}: licenses per day, newest first</caption>\n'
        '        <thead><tr><th scope="col">Days</th><th scope="col" class="num">Owned</th>'
        '<th scope="col" class="num">Assigned</th><th scope="col" class="num">Waiting</th></tr></thead>\n'
        f"        <tbody>\n{usage_rows(usage)}\n        </tbody>\n"
        "      </table>\n    </div>\n  </details>\n</article>"
    )


def usage_rows(usage: PoolUsage) -> str:
    """The table's rows, newest first: the days (one, or the first and the last of a run), owned, assigned, waiting.
    Safe as it is: every cell is a number or a day this module formats, never text someone typed."""
    rows = (
        f'<tr><th scope="row">{_days(first, last)}</th><td class="num">{_number(quantity)}</td>'
        f'<td class="num">{_number(assigned)}</td><td class="num">{_number(pending)}</td></tr>'
        for first, last, quantity, assigned, pending in usage.runs
    )
    return "\n".join(rows)


@lru_cache(maxsize=4096)
def _number(value: int) -> str:
    """A count with thousands separators; a chart's counts repeat from day to day, so each is formatted once."""
    return f"{value:,}"


def _days(first: datetime.date, last: datetime.date) -> str:
    return _day(first) if first == last else f"{_day(first)} – {_day(last)}"


@lru_cache(maxsize=512)
def _day(value: datetime.date) -> str:
    """A day as every page writes it; the charts of a page share their days, so each is formatted once."""
    return day(value)
