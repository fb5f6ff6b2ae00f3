"""User License Assignments: the users of a subscription with the licenses they hold there, and its exact total."""

from accounts.models import User
from accounts.selectors import departments_list
from licensing.filtersets import SOURCE_DIRECT, SOURCE_GROUP, UserLicenseFilterSet
from licensing.selectors.products import pools_of_product
from licensing.selectors.sources import groups_holding, users_with_subscription_licenses

from .lists import COUNT_AHEAD, FilteredListView, ListTotalMixin
from .mixins import SubscriptionViewMixin


class UserLicenseAssignmentsView(SubscriptionViewMixin, FilteredListView):
    """Users with the licenses they hold or wait for here, with their sources; search, filters, sorting, pages.

    Live filtering (htmx, targeting #user-results) gets only the results fragment. A page costs the same number
    of queries at any page size and organisation size (tests/web/test_list_performance.py).
    """

    template_name = "licensing/user_license_assignments.html"
    results_template_name = "licensing/partials/user_results.html"
    results_target = "user-results"
    section = "users"
    filterset_class = UserLicenseFilterSet
    fixed_filters = ("subscription",)
    filter_ids = {"is_active": "filter-active"}
    sort_columns = (("Name", "name"), ("Email", "email"), ("Department", "department"))
    default_sort = "name"
    per_page_choices = (10, 50, 100)
    count_ahead = COUNT_AHEAD
    total_url_name = "licensing:subscription_users_total"
    download_url_name = "licensing:subscription_users_export"
    pools_with_groups = True  # the source filter's groups come with the pools

    def get_queryset(self):
        return User.objects.all()

    def get_filterset_kwargs(self) -> dict:
        return {"request": self.request, "subscription": self.subscription}

    def offer_choices(self, filterset) -> None:
        filterset.offer_choices("product", self.product_choices)
        filterset.offer_choices("department", lambda: [(name, name) for name in departments_list()])
        filterset.offer_choices("source", self.source_choices)

    def source_choices(self) -> list[tuple[str, str]]:
        """Direct, then each group that holds a product of the subscription."""
        groups = groups_holding(self.subscription.pools.all())
        return [
            (SOURCE_DIRECT, "Direct"),
            *((f"{SOURCE_GROUP}{group.pk}", f"Group {group.name}") for group in groups),
        ]

    def rows_of(self, page_rows) -> list:
        return users_with_subscription_licenses(users=page_rows, pools=self.subscription.pools.all())

    def get_context_data(self, **kwargs):
        pools = self.subscription.pools.all()
        return super().get_context_data(
            pools=pools,
            bulk_product_id=_bulk_default_product_id(pools, self.request.GET.get("product")),
            return_to=self.request.get_full_path(),
            **kwargs,
        )


class UserLicenseAssignmentsTotalView(ListTotalMixin, UserLicenseAssignmentsView):
    """The exact number of users the list's filters match (fetched by the list page when it counted part way)."""


def _bulk_default_product_id(pools, product_filter: str | None) -> int | None:
    """The product the bulk bar offers first: the one the list is filtered by, else the first with licenses
    left, else the first."""
    pools = list(pools)
    candidates = pools_of_product(pools=pools, identifier=product_filter) if product_filter else []
    candidates = candidates or [pool for pool in pools if pool.available > 0] or pools
    return candidates[0].product_id if candidates else None
