"""core/templatetags/urls.py: `{% url %}` answers what Django's tag answers, reversing each URL once."""

from unittest import mock

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from core.templatetags import urls


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_the_tag_is_the_cached_one_and_answers_what_reverse_answers():
    html = _render("{% url 'licensing:subscription_users' pk %}|{% url 'licensing:home' as home %}{{ home }}", pk=7)

    assert html == f"{reverse('licensing:subscription_users', args=[7])}|{reverse('licensing:home')}"


def test_a_url_is_reversed_once_then_kept():
    template = Template("{% url 'licensing:subscription_audit' pk %}")
    with mock.patch.object(urls, "reverse", wraps=reverse) as reversed_:
        first = [template.render(Context({"pk": 123456789})) for _ in range(3)]
        other = template.render(Context({"pk": 987654321}))

    assert first == [reverse("licensing:subscription_audit", args=[123456789])] * 3
    assert other == reverse("licensing:subscription_audit", args=[987654321])
    assert reversed_.call_count == 2


def test_an_unknown_url_fails_as_with_django_unless_kept_in_a_variable():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'licensing:no_such_page' %}")

    assert _render("{% url 'licensing:no_such_page' as nothing %}[{{ nothing }}]") == "[]"
