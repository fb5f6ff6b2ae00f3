"""core/html.py: an integer's short way gives exactly what Django's template engine and humanize give."""

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.test import override_settings

from core.html import count, text

VALUES = [0, 7, -42, 999, 1000, 12_345, -1_234_567, 100_004, 10**15, True, 3.5, "<b>&</b>", None, ""]


@pytest.mark.parametrize("value", VALUES)
def test_text_is_what_a_template_shows(value):
    assert text(value) == Template("{{ value }}").render(Context({"value": value}))


@pytest.mark.parametrize("value", VALUES)
def test_count_is_what_intcomma_shows(value):
    assert count(value) == intcomma(value)


@override_settings(USE_THOUSAND_SEPARATOR=True)
@pytest.mark.parametrize("value", [7, 1000, -1_234_567])
def test_text_groups_digits_where_the_settings_say_so(value):
    assert text(value) == Template("{{ value }}").render(Context({"value": value}))
