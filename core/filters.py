"""What a FilterSet needs so that a page can render its form from it (templates/filters/, licensing/views/lists.py):
the tri-state select of a yes/no filter and a select whose options come from data. Both only change how a filter is
shown; what it accepts stays the same, so the API that shares the FilterSet is not affected."""

from collections.abc import Callable, Iterable
from typing import ClassVar

import django_filters
from django import forms
from django_filters.constants import EMPTY_VALUES

Choices = Iterable[tuple[str, str]]


class TriStateSelect(forms.NullBooleanSelect):
    """A yes/no filter as "All" / `yes` / `no` (values "", "true", "false")."""

    def __init__(self, *, yes: str, no: str, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", "All"), ("true", yes), ("false", no)]


class DataSelect(forms.Select):
    """A text filter shown as a select whose options the page supplies (FilterSet.offer_choices), after
    `empty_label`. The filter still takes any text, as the API needs: an unknown value matches nothing."""

    def __init__(self, *, empty_label: str, attrs=None) -> None:
        super().__init__(attrs)
        self.empty_label = empty_label
        self.choices = [("", empty_label)]


class FilterSet(django_filters.FilterSet):
    # Each FilterSet's form class, built once: django-filter builds a class (and a field per filter) for every
    # FilterSet it instantiates, which costs a list page more than some of its queries. The filters do not vary by
    # instance, and a form copies its class's fields, so one class serves every request.
    _form_classes: ClassVar[dict[type, type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = FilterSet._form_classes[type(self)] = super().get_form_class()
        return form_class

    def offer_choices(self, name: str, choices: Choices | Callable[[], Choices]) -> None:
        """Give the DataSelect filter `name` its options: (value, label) pairs, or a callable that returns them,
        called only if the form is rendered (a results fragment does not pay for the query)."""
        widget = self.form.fields[name].widget
        empty = [("", widget.empty_label)]
        widget.choices = lambda: [*empty, *(choices() if callable(choices) else choices)]

    def filters_rows(self) -> bool:
        """Whether a filter narrows the rows, not only sorts them: one has a value (django-filter skips a filter
        whose value is empty). A form with errors counts as narrowing, so the rows it leaves are counted (a FilterSet
        whose filter_queryset narrows the rows on its own overrides this)."""
        if not self.form.is_valid():
            return True
        return any(
            value not in EMPTY_VALUES
            for name, value in self.form.cleaned_data.items()
            if not isinstance(self.filters[name], django_filters.OrderingFilter)
        )
