"""The users FilterSet: search, department, account status and sorting. Licensing extends it with the filters
that look at licenses (licensing.filtersets.UserLicenseFilterSet). And the groups FilterSet: search by name, kind."""

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

from core.filters import DataSelect, FilterSet, TriStateSelect

from .choices import GroupKind
from .emails import email_search_form
from .models import Group, User


class UserFilterSet(FilterSet):
    """Filters: `q` (name or email fragment), `department`, `is_active`; `ordering`.

    The labels are the list page's (its filter form is rendered from them); `help_text` is the API's description.
    """

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search by name or email",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Adele or adele@"}),
    )
    department = django_filters.CharFilter(
        field_name="department", label="Department", widget=DataSelect(empty_label="All departments")
    )
    is_active = django_filters.BooleanFilter(
        field_name="is_active",
        label="Account status",
        help_text="Account enabled",
        widget=TriStateSelect(yes="Enabled", no="Disabled"),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("display_name", "name"), ("email", "email"), ("department", "department"), ("created_at", "created")),
        label="Sort by",
    )

    class Meta:
        model = User
        fields = ["q", "department", "is_active"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if (self.form.cleaned_data.get("q") or "").strip():
            # A search's matches may all sit in one stretch of the name order (every "Kenji" under K): walking the
            # (display_name, email) index until a page is full then reads most users (~40,000 rows, 180 ms at
            # 100,000). Sorting with the nulls on the side the index does not keep them (the columns are NOT NULL,
            # so the order is the same) leaves one plan: the trigram indexes find the matches, a top-N sort orders
            # them, and the cost follows the number of matches, never where they sit.
            ordering = queryset.query.order_by or self._meta.model._meta.ordering
            queryset = queryset.order_by(*(_not_by_index(term) for term in ordering))
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=email_search_form(value)))


def _not_by_index(term: str) -> OrderBy:
    """`term` ("field" or "-field") as an ordering a b-tree index cannot produce: ascending with nulls first,
    descending with nulls last (the index keeps them the other way round)."""
    if term.startswith("-"):
        return F(term[1:]).desc(nulls_last=True)
    return F(term).asc(nulls_first=True)


class GroupFilterSet(FilterSet):
    """Filters of the groups list: `q` (a fragment of the name), `kind`; `ordering` by name or number of members
    (the `member_count` that accounts.selectors.groups_visible annotates)."""

    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label="Search by name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Sales"}),
    )
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices, label="Kind", empty_label="All kinds")
    ordering = django_filters.OrderingFilter(fields=(("name", "name"), ("member_count", "members")), label="Sort by")

    class Meta:
        model = Group
        fields = ["q", "kind"]
