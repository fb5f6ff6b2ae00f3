"""FilterSets of the API-only lists (pools, assignments); the audit log's and the users' are shared with the web.

These filter querysets that hold only what the reader may see (selectors.pools_visible, assignments_visible), so a
filter narrows them and can never reach into a subscription that is 404 to the reader."""

import django_filters
from django.db.models import QuerySet

from core.ids import IdFilter
from licensing.models import LicenseAssignment, LicensePool
from licensing.selectors.products import product_ids_named


class PoolFilterSet(django_filters.FilterSet):
    """Filters: `subscription` (id), `product` (sku id or part number)."""

    subscription = IdFilter(field_name="subscription_id", label="Subscription id")
    product = django_filters.CharFilter(method="filter_product", label="Product (sku id or part number)")

    class Meta:
        model = LicensePool
        fields = ["subscription", "product"]

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(product_id__in=product_ids_named(value)) if value.strip() else queryset


class AssignmentFilterSet(django_filters.FilterSet):
    """Filters: `subscription` (id), `product` (sku id or part number), `user` (id)."""

    subscription = IdFilter(field_name="pool__subscription_id", label="Subscription id")
    product = django_filters.CharFilter(method="filter_product", label="Product (sku id or part number)")
    user = IdFilter(field_name="user_id", label="User id")

    class Meta:
        model = LicenseAssignment
        fields = ["subscription", "product", "user"]

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pool__product_id__in=product_ids_named(value)) if value.strip() else queryset
