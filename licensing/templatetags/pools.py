"""How much of each pool is used, as User License Assignments shows it above its list and in its bulk bar, rendered
in Python: the template engine spent a lookup, a localisation and an escape per value, and an include per pool
(README, "Where a list page's time goes"). The markup lives here only; the partials of the same names call these
tags (the dialog's Save sends them out of band, licensing/partials/license_saved.html)."""

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.html import count, text

register = template.Library()


def _percent_used(pool) -> int | None:
    """The share of the pool assigned in whole percent (0 of no licenses), rounded as `{% widthratio %}` does."""
    try:
        return round(float(pool.assigned) / float(pool.quantity) * 100)
    except ZeroDivisionError:
        return 0
    except (ValueError, TypeError, OverflowError):
        return None


@register.simple_tag
def usage_meter(pool, meter_label: str = "") -> SafeString:
    """The pool's usage as a `<meter>`: "full" when none is left, "high" from 90 % used."""
    percent = _percent_used(pool)
    level = " usage-full" if not pool.available else " usage-high" if percent is not None and percent >= 90 else ""
    label = f'aria-label="{text(meter_label)}"' if meter_label else 'aria-hidden="true"'
    return mark_safe(  # every value is escaped
        f'<meter class="usage{level}" min="0" max="{text(pool.quantity)}" value="{text(pool.assigned)}" {label}>'
        "</meter>"
    )


@register.simple_tag
def pool_summary(pools: Iterable, oob: bool = False) -> SafeString:
    """Each pool's product, its licenses available of its quantity, those waiting, and its usage meter."""
    chips = []
    for pool in pools:
        waiting = f' · <span class="pool-waiting">{count(pool.pending)} waiting</span>' if pool.pending else ""
        chips.append(
            f'\n  <div class="pool-chip{"" if pool.available else " is-exhausted"}">\n'
            f'    <span class="pool-chip-name">{text(pool.product.name)}</span>\n'
            f'    <span class="pool-chip-count">{count(pool.available)} of {count(pool.quantity)} available'
            f"{waiting}</span>\n    {usage_meter(pool)}\n\n  </div>\n  "
        )
    shown = "".join(chips) or '\n  <p class="muted">This subscription has no products yet.</p>\n  '
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # every value is escaped above
        f'<section id="pool-summary" class="pool-summary" aria-label="License availability"{swap}>\n  {shown}\n'
        "</section>"
    )


@register.simple_tag
def bulk_option(pool, selected_product_id: int | None, oob: bool = False) -> SafeString:
    """The bulk bar's option of the pool's product, with the licenses available (its text only, out of band)."""
    product = pool.product
    selected = " selected" if product.pk == selected_product_id else ""
    swap = ' hx-swap-oob="innerHTML"' if oob else ""
    return mark_safe(  # every value is escaped
        f'<option id="bulk-option-{text(product.pk)}" value="{text(product.pk)}"{selected}{swap}>'
        f"{text(product.name)} ({count(pool.available)} available)</option>"
    )


@register.simple_tag
def bulk_options(pools: Iterable, selected_product_id: int | None) -> SafeString:
    """The bulk bar's options, one per pool."""
    return mark_safe("".join(f"{bulk_option(pool, selected_product_id)}\n" for pool in pools))
