"""Values as the admin center's pages show them, for template tags that build their HTML in Python.

A template's `{{ value }}` localises and escapes every value, and humanize's `intcomma` groups a number's digits:
both go through Django's number_format, some 15 µs a call, and a list page shows a hundred or more numbers (ids in
its options and links, the pools' counts). An integer takes a short way here that gives exactly what Django
gives (`tests/core/test_html.py` holds the two equal); anything else goes Django's way.
"""

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape


def text(value) -> str:
    """`value` as a template's `{{ value }}` shows it: localised, then escaped."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what number_format gives an integer when it groups no digits
    return conditional_escape(localize(value))


def count(value) -> str:
    """`value` as `{{ value|intcomma }}` shows it: an integer with its digits grouped by thousands."""
    if type(value) is int and get_format("NUMBER_GROUPING") == 3:
        return f"{value:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    return intcomma(value)
