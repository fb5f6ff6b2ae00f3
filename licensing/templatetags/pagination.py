"""A list's pages (the list views give `page`, `page_range`, `list_url` and `total_url`), rendered in Python: every
list page shows them, and the template engine spent a lookup, a localisation and an escape per page link, plus a
`{% querystring %}` or two each (README, "Where a list page's time goes"). The markup lives here only.

A paginator that counts only so far past the page shown (views/lists.py, BoundedCountPaginator) sets
count_is_lower_bound: the summary then says "more than" (and, given a total_url, fetches the exact total after the
page is shown) and an ellipsis follows the last page link. An empty list shows no pagination: the list's own empty
state says so."""

from django import template
from django.template.defaultfilters import pluralize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from core.html import count, text

register = template.Library()


@register.simple_tag(takes_context=True)
def pagination(context, noun: str, hx: bool = False) -> SafeString:
    page, list_url = context["page"], context["list_url"]
    paginator = page.paginator
    if not paginator.count:
        return mark_safe("\n\n")
    params = context.request.GET

    def href(number: int) -> str:
        query = params.copy()
        query["page"] = number
        url = text(list_url) + conditional_escape(f"?{query.urlencode()}")
        return f'href="{url}"' + (f' hx-get="{url}"' if hx else "")

    total = count(paginator.count)
    if getattr(paginator, "count_is_lower_bound", False):
        total_url = context.get("total_url")
        fetch = (
            f' hx-get="{text(total_url)}" hx-trigger="load" hx-target="this" hx-swap="outerHTML"' if total_url else ""
        )
        total = f"<span{fetch}>more than {total}</span>"
    html = (
        f'\n<nav class="pagination" aria-label="Pages">\n  <p class="pagination-summary">Showing '
        f"{count(page.start_index())}–{count(page.end_index())} of {total} {text(noun)}"
        f"{pluralize(paginator.count)}</p>\n  "
    )
    if paginator.num_pages > 1:
        if page.has_previous():
            previous = f'<a {href(page.previous_page_number())} rel="prev">Previous</a>'
        else:
            previous = '<span class="is-disabled" aria-disabled="true">Previous</span>'
        links = []
        for number in context["page_range"]:
            if number == paginator.ELLIPSIS:
                link = f'<span class="ellipsis">{text(number)}</span>'
            elif number == page.number:
                link = f'<span class="is-current" aria-current="page">{count(number)}</span>'
            else:
                link = f'<a {href(number)} aria-label="Page {text(number)}">{count(number)}</a>'
            links.append(f"\n      \n    <li>{link}</li>\n      \n    ")
        more = (
            f'\n    <li><span class="ellipsis">{text(paginator.ELLIPSIS)}</span></li>\n    '
            if getattr(paginator, "count_is_lower_bound", False)
            else ""
        )
        if page.has_next():
            following = f'<a {href(page.next_page_number())} rel="next">Next</a>'
        else:
            following = '<span class="is-disabled" aria-disabled="true">Next</span>'
        html += (
            f"\n  <ul>\n    \n    <li>{previous}</li>\n    \n    {''.join(links)}\n    {more}\n    "
            f"\n    <li>{following}</li>\n    \n  </ul>\n  "
        )
    return mark_safe(html + "\n</nav>\n")  # every value is escaped above
