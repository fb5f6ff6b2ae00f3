"""One FilterSet for users, shared by the User License Assignments page and the REST API (`/api/v1/users/`)."""

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from licensing.filtersets import IdFilter
from licensing.models import LicenseAssignment, LicensePool, Product, Subscription
from licensing.selectors import assignments_visible, pools_of_product, product_identifier_q

from .emails import email_search_form
from .models import User
from .permissions import AdminScope, admin_scope


class UserFilterSet(django_filters.FilterSet):
    """Filters: `q` (name or email fragment), `department`, `is_active`, `subscription` (id), `product`
    (sku id or part number), `licensed` (holds any license; in `subscription` when it is given).

    A page that is about one subscription passes it as `subscription=` and the filters apply within it. The filters
    that look at licenses count only those in subscriptions the reader may see (`scope`: the request user's, or
    passed by a caller without a request), so they never tell a Subscription Administrator who holds licenses in a
    subscription that is 404 to them.
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
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        subscription: Subscription | None = None,
        scope: AdminScope | None = None,
    ):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if scope is None:
            if request is None:
                raise TypeError("UserFilterSet needs the request or the reader's scope (scope=).")
            scope = admin_scope(request.user)
        self.scope = scope
        self.fixed_subscription = subscription

    @property
    def subscription_id(self) -> int | None:
        if self.fixed_subscription is not None:
            return self.fixed_subscription.pk
        value = self.form.cleaned_data.get("subscription") if hasattr(self.form, "cleaned_data") else None
        return int(value) if value is not None else None

    def _visible_assignments(self, pools: list[LicensePool] | None = None) -> QuerySet[LicenseAssignment]:
        """The outer row's assignments that the reader may see, in `pools` if given, else in the subscription if
        there is one. Every filter that looks at licenses starts here.

        A page about one subscription has its pools in memory (subscription_get prefetches them), which
        assignments_visible matches by id.
        """
        if pools is None and self.fixed_subscription is not None:
            pools = list(self.fixed_subscription.pools.all())
        assignments = assignments_visible(scope=self.scope, pools=pools).filter(user=OuterRef("pk"))
        if pools is None and self.subscription_id is not None:
            assignments = assignments.filter(pool__subscription_id=self.subscription_id)
        return assignments

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

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """`subscription` only narrows `product` and `licensed`; it does not hide users."""
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=email_search_form(value)))

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        if self.fixed_subscription is not None:
            pools = pools_of_product(pools=self.fixed_subscription.pools.all(), identifier=value)
            return queryset.filter(Exists(self._visible_assignments(pools)))
        product_ids = Product.objects.filter(product_identifier_q(value)).values("pk")
        return queryset.filter(Exists(self._visible_assignments().filter(pool__product_id__in=product_ids)))

    def filter_licensed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        licensed = Exists(self._visible_assignments())
        return queryset.filter(licensed if value else ~licensed)


def _not_by_index(term: str) -> OrderBy:
    """`term` ("field" or "-field") as an ordering a b-tree index cannot produce: ascending with nulls first,
    descending with nulls last (the index keeps them the other way round)."""
    if term.startswith("-"):
        return F(term[1:]).desc(nulls_last=True)
    return F(term).asc(nulls_first=True)
