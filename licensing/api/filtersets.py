"""FilterSets of the API-only lists (pools, assignments); the audit log's and the users' are shared with the web.

These filter querysets that hold only what the reader may see (selectors.pools_visible, assignments_visible), so a
filter narrows them and can never reach into a subscription that is 404 to the reader."""

from functools import cached_property

import django_filters
from django.db.models import QuerySet

from core.ids import IdFilter
from licensing.models import LicenseAssignment, LicensePool
from licensing.selectors.products import product_ids_named
from licensing.selectors.subscriptions import pools_visible


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
    """Filters: `subscription` (id), `product` (sku id or part number), `user` (id).

    `subscription` and `product` choose pools, read once (`pools`) and matched by id: the rows then come from the
    (pool, user) unique index in the list's order (selectors.assignments_listed), and their number from the pools'
    `assigned` counters (`count`)."""

    subscription = IdFilter(method="filter_noop", label="Subscription id")
    product = django_filters.CharFilter(method="filter_noop", label="Product (sku id or part number)")
    user = IdFilter(field_name="user_id", label="User id")

    class Meta:
        model = LicenseAssignment
        fields = ["subscription", "product", "user"]

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """`subscription` and `product` narrow through `pools` (filter_queryset)."""
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        if cleaned.get("subscription") is None and not (cleaned.get("product") or "").strip():
            return queryset
        return queryset.filter(pool_id__in=[pool.pk for pool in self.pools])

    @cached_property
    def pools(self) -> list[LicensePool]:
        """The pools the reader may see that `subscription` and `product` choose (every one they may see without
        either)."""
        cleaned = self.form.cleaned_data
        pools = pools_visible(actor=self.request.user).select_related(None).order_by()
        if cleaned.get("subscription") is not None:
            pools = pools.filter(subscription_id=cleaned["subscription"])
        if (cleaned.get("product") or "").strip():
            pools = pools.filter(product_id__in=product_ids_named(cleaned["product"]))
        return list(pools.only("pk", "assigned"))

    def count(self, queryset: QuerySet[LicenseAssignment]) -> int:
        """The exact number of assignments in `queryset`, this FilterSet's result: a pool's `assigned` is the number
        of its rows (the services keep it with them; licensing/integrity.py checks it), so without a `user` the sum of
        the chosen pools' counters, and no scan."""
        if self.form.cleaned_data.get("user") is not None:
            return queryset.order_by().count()
        return sum(pool.assigned for pool in self.pools)
