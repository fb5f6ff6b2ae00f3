"""The fields of a list's filter form (templates/filters/form.html, from views/lists.py's FilterControl), rendered
in Python: every list page shows the form, and its selects' options (departments, products, groups) cost the
template engine a lookup, a localisation and an escape per option value and label (README, "Where a list page's
time goes"). A field's markup lives here only."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.html import text

register = template.Library()


@register.simple_tag
def filter_field(control) -> SafeString:
    """One field: a select with its options (the empty one never marked), a date input or a search box."""
    label = f'<label for="{text(control.id)}">{text(control.label)}</label>'
    names = f'id="{text(control.id)}" name="{text(control.name)}"'
    if control.kind == "select":
        options = "".join(
            f'<option value="{text(value)}"{" selected" if value and value == control.value else ""}>'
            f"{text(shown)}</option>"
            for value, shown in control.options
        )
        html = (
            f'<div class="filter-field">\n    {label}\n    <select {names}>\n      {options}\n    </select>\n  </div>'
        )
    elif control.kind == "date":
        date = f'<input type="date" {names} value="{text(control.value)}">'
        html = f'<div class="filter-field">\n    {label}\n    {date}\n  </div>'
    else:
        placeholder = f' placeholder="{text(control.placeholder)}"' if control.placeholder else ""
        html = (
            f'<div class="filter-field filter-search">\n    {label}\n    <input type="search" {names} '
            f'value="{text(control.value)}" autocomplete="off"{placeholder}>\n  </div>'
        )
    return mark_safe(html)  # every value is escaped above
