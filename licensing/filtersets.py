"""FilterSets of the licensing models, shared by the web pages and the REST API."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.emails import email_search_form

from .choices import AuditAction, Source
from .models import AuditEvent, Product
from .selectors import product_identifier_q

# Database ids are signed 64-bit integers; a value outside that range is a validation error, never a query.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number from 1 to MAX_ID."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class AuditEventFilterForm(forms.Form):
    """The audit log's filters as a form: a date range must not end before it starts."""

    INVERTED_RANGE = "The From date is after the To date: choose a From date on or before the To date."

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(self.INVERTED_RANGE, code="inverted_range")
        return cleaned


class AuditEventFilterSet(django_filters.FilterSet):
    """Filters: `user` (name or email fragment of the subject user), `product` (sku id or part number),
    `action`, `source`, `subscription` (id), `date_from` / `date_to` (inclusive days, in the site's time zone;
    a From after the To is an error).

    Names and emails are also matched against the events' snapshots, so events of deleted users and products
    stay findable.
    """

    user = django_filters.CharFilter(method="filter_user", label="User")
    product = django_filters.CharFilter(method="filter_product", label="Product")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label="Action")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="Source")
    subscription = IdFilter(field_name="subscription_id", label="Subscription id")
    date_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="From")
    date_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="To")

    class Meta:
        model = AuditEvent
        form = AuditEventFilterForm
        fields = ["user", "product", "action", "source", "subscription", "date_from", "date_to"]

    def filter_user(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        email = email_search_form(value)
        return queryset.filter(
            Q(subject_user_label__icontains=email)
            | Q(subject_user__display_name__icontains=value)
            | Q(subject_user__email__icontains=email)
        )

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        product_ids = Product.objects.filter(product_identifier_q(value)).values("pk")
        return queryset.filter(Q(product_id__in=product_ids) | Q(product_label__iexact=value))
