"""A list's sortable column headers (the list views give `sort_columns` and `list_url`), rendered in Python: two
`{% querystring %}` and a handful of lookups and escapes per column cost the users lists more than their rows'
cells. The markup lives here only; the indentation is the tables' own, so the page is byte for byte as before."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from licensing.views.lists import ORDERING

register = template.Library()

INDENT = "\n            "


@register.simple_tag(takes_context=True)
def sort_headers(context) -> SafeString:
    """A <th> per column of `sort_columns`: its link sorts by the column (the next order, from the first page)."""
    params = context.request.GET.copy()
    params.pop("page", None)
    list_url = conditional_escape(context["list_url"])
    cells = []
    for column in context["sort_columns"]:
        params[ORDERING] = column["next"]
        url = list_url + conditional_escape(f"?{params.urlencode()}")
        direction = conditional_escape(column["direction"] or "")
        sort = f' aria-sort="{direction}"' if direction else ""
        cells.append(
            f'{INDENT}<th scope="col"{sort}>{INDENT}  <a class="sort-link" href="{url}" hx-get="{url}">'
            f"{conditional_escape(column['label'])}"
            f'<span class="sort-indicator sort-{direction or "none"}" aria-hidden="true"></span></a>{INDENT}</th>'
            f"{INDENT}"
        )
    return mark_safe("".join(cells))
