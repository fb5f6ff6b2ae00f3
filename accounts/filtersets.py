"""One FilterSet for users, shared by the User License Assignments page and the REST API (`/api/v1/users/`)."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from licensing.filtersets import IdFilter
from licensing.models import LicenseAssignment, Product, Subscription
from licensing.selectors import product_identifier_q

from .models import User


class UserFilterSet(django_filters.FilterSet):
    """Filters: `q` (name or email fragment), `department`, `is_active`, `subscription` (id), `product`
    (sku id or part number), `licensed` (holds any license; in `subscription` when it is given).

    A page that is about one subscription passes it as `subscription=` and the filters apply within it.
    """

    q = django_filters.CharFilter(method="filter_q", label="Search by name or email")
    department = django_filters.CharFilter(field_name="department", label="Department")
    is_active = django_filters.BooleanFilter(field_name="is_active", label="Account enabled")
    subscription = IdFilter(method="filter_noop", label="Subscription id")
    product = django_filters.CharFilter(method="filter_product", label="Product (sku id or part number)")
    licensed = django_filters.BooleanFilter(method="filter_licensed", label="Has a license")
    ordering = django_filters.OrderingFilter(
        fields=(("display_name", "name"), ("email", "email"), ("department", "department"), ("created_at", "created")),
        label="Sort by",
    )

    class Meta:
        model = User
        fields = ["q", "department", "is_active", "subscription", "product", "licensed"]

    def __init__(
        self, data=None, queryset=None, *, request=None, prefix=None, subscription: Subscription | None = None
    ):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.fixed_subscription = subscription

    @property
    def subscription_id(self) -> int | None:
        if self.fixed_subscription is not None:
            return self.fixed_subscription.pk
        value = self.form.cleaned_data.get("subscription") if hasattr(self.form, "cleaned_data") else None
        return int(value) if value is not None else None

    def _assignments(self) -> QuerySet[LicenseAssignment]:
        assignments = LicenseAssignment.objects.filter(user=OuterRef("pk"))
        if self.subscription_id is not None:
            assignments = assignments.filter(pool__subscription_id=self.subscription_id)
        return assignments

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """`subscription` only narrows `product` and `licensed`; it does not hide users."""
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=value))

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        product_ids = Product.objects.filter(product_identifier_q(value)).values("pk")
        return queryset.filter(Exists(self._assignments().filter(pool__product_id__in=product_ids)))

    def filter_licensed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        licensed = Exists(self._assignments())
        return queryset.filter(licensed if value else ~licensed)
