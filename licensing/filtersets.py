"""FilterSets of the licensing models, and of users by the licenses they hold; shared by the web pages and the
REST API."""

from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.emails import email_search_form
from accounts.filtersets import UserFilterSet
from accounts.models import GroupMembership, User
from accounts.permissions import AdminScope, admin_scope
from core.choices import AuditAction, Source
from core.filters import DataSelect, FilterSet, TriStateSelect
from core.ids import MAX_ID, IdFilter
from core.models import AuditEvent

from .models import GroupLicense, LicenseAssignment, LicensePool, PendingLicense, Subscription
from .selectors.assignments import pool_rows_visible
from .selectors.counts import (
    group_members_count,
    users_holding_count,
    users_holding_none_count,
    users_in_pools_count,
)
from .selectors.products import pools_of_product, product_ids_named


class AuditEventFilterForm(forms.Form):
    """The audit log's filters as a form: a date range must not end before it starts."""

    INVERTED_RANGE = "The From date is after the To date: choose a From date on or before the To date."

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(self.INVERTED_RANGE, code="inverted_range")
        return cleaned


class AuditEventFilterSet(FilterSet):
    """Filters: `user` (name or email fragment of the subject user), `product` (sku id or part number),
    `action`, `source`, `subscription` (id), `date_from` / `date_to` (inclusive days, in the site's time zone;
    a From after the To is an error).

    Names and emails are also matched against the events' snapshots, so events of deleted users and products
    stay findable.
    """

    user = django_filters.CharFilter(
        method="filter_user", label="User", widget=forms.TextInput(attrs={"placeholder": "Name or email"})
    )
    product = django_filters.CharFilter(
        method="filter_product", label="Product", widget=DataSelect(empty_label="All products")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label="Action", empty_label="All actions")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="Source", empty_label="All sources")
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
        product_ids = product_ids_named(value)
        return queryset.filter(Q(product_id__in=product_ids) | Q(product_label__iexact=value))


class UserLicenseFilterForm(forms.Form):
    """The users filters in the order the list page shows them."""

    field_order = ["q", "product", "licensed", "state", "source", "department", "is_active"]


# The `source` filter's values: a direct assignment, or a group by id ("group:12").
SOURCE_DIRECT = "direct"
SOURCE_GROUP = "group:"
STATE_PENDING = "pending"


class UserLicenseFilterSet(UserFilterSet):
    """The users filters plus `subscription` (id), `product` (sku id or part number), `licensed` (holds any
    license), `state` ("pending": waits for one) and `source` ("direct", or "group:<id>": has a license, or waits
    for one, from that group), each in `subscription` when it is given: the User License Assignments page and
    `/api/v1/users/`.

    A page that is about one subscription passes it as `subscription=` and the filters apply within it. The filters
    that look at licenses count only those in subscriptions the reader may see (`scope`: the request user's, or
    passed by a caller without a request), so they never tell a Subscription Administrator who holds licenses in a
    subscription that is 404 to them.
    """

    subscription = IdFilter(method="filter_noop", label="Subscription id")
    product = django_filters.CharFilter(
        method="filter_product",
        label="Product",
        help_text="Product (sku id or part number)",
        widget=DataSelect(empty_label="All products"),
    )
    licensed = django_filters.BooleanFilter(
        method="filter_licensed",
        label="License status",
        help_text="Has a license",
        widget=TriStateSelect(
            yes="Licensed (a license in this subscription)", no="Unlicensed (no license in this subscription)"
        ),
    )
    state = django_filters.ChoiceFilter(
        method="filter_state",
        label="State",
        help_text="pending: waits for a license (from a group)",
        choices=[(STATE_PENDING, "Pending (waiting for a license)")],
        empty_label="All states",
    )
    source = django_filters.CharFilter(
        method="filter_source",
        label="Source",
        help_text='Where a license comes from: "direct", or "group:<id>" (held or waited for through that group)',
        widget=DataSelect(empty_label="All sources"),
    )

    class Meta:
        model = User
        form = UserLicenseFilterForm
        fields = [*UserFilterSet.Meta.fields, "subscription", "product", "licensed", "state", "source"]

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        subscription: Subscription | None = None,
        scope: AdminScope | None = None,
        pools: list[LicensePool] | None = None,
    ):
        """`pools`: the pools the reader may see, with their products, when the page has read them already."""
        super().__init__(data, queryset, request=request, prefix=prefix)
        if scope is None:
            if request is None:
                raise TypeError("UserLicenseFilterSet needs the request or the reader's scope (scope=).")
            scope = admin_scope(request.user)
        self.scope = scope
        self.fixed_subscription = subscription
        self.pools_read = subscription.pools.all() if subscription is not None else pools
        self._product_pools_read: dict[str, list[LicensePool]] = {}

    @property
    def subscription_id(self) -> int | None:
        if self.fixed_subscription is not None:
            return self.fixed_subscription.pk
        value = self.form.cleaned_data.get("subscription") if hasattr(self.form, "cleaned_data") else None
        return int(value) if value is not None else None

    def _visible(self, rows: QuerySet, pools: list[LicensePool] | None = None) -> QuerySet:
        """`rows` (of a model with a pool: assignments, places in a line, group licenses) that the reader may see,
        in `pools` if given, else in the subscription if there is one. Every filter that looks at licenses starts
        here.

        A page about one subscription has its pools in memory (subscription_get prefetches them), which
        pool_rows_visible matches by id.
        """
        if pools is None and self.fixed_subscription is not None:
            pools = list(self.fixed_subscription.pools.all())
        rows = pool_rows_visible(rows, scope=self.scope, pools=pools)
        if pools is None and self.subscription_id is not None:
            rows = rows.filter(pool__subscription_id=self.subscription_id)
        return rows

    def _pools(self, pools: Iterable[LicensePool] | None = None) -> list[LicensePool]:
        """Those of `pools` (default: every pool) that the reader may see, in the subscription if there is one."""
        if pools is None:
            pools = (
                self.fixed_subscription.pools.all()
                if self.fixed_subscription is not None
                else LicensePool.objects.all()
            )
            if self.fixed_subscription is None and self.subscription_id is not None:
                pools = pools.filter(subscription_id=self.subscription_id)
        return [pool for pool in pools if self.scope is None or self.scope.can_view_subscription(pool.subscription_id)]

    def _product_pools(self, identifier: str) -> list[LicensePool]:
        """The pools of the product `identifier` names that the reader may see (_pools), read once for the filter
        and the count."""
        identifier = identifier.strip()
        if identifier not in self._product_pools_read:
            if self.pools_read is not None:
                pools = pools_of_product(pools=self.pools_read, identifier=identifier)
                if self.fixed_subscription is None and self.subscription_id is not None:
                    pools = [pool for pool in pools if pool.subscription_id == self.subscription_id]
            else:
                pools = LicensePool.objects.filter(product_id__in=product_ids_named(identifier))
                if self.subscription_id is not None:
                    pools = pools.filter(subscription_id=self.subscription_id)
            self._product_pools_read[identifier] = self._pools(pools)
        return self._product_pools_read[identifier]

    def count(self, queryset: QuerySet[User]) -> int:
        """The exact number of users in `queryset`, this FilterSet's result. When its one filter is a product or the
        pending state, the pools' counters know it (selectors/counts.py): no scan of the users. When it is
        `licensed` or `source` over every user, the rows of the pools or of the group's memberships are counted
        instead of the users. Otherwise the database counts the rows."""
        cleaned = self.form.cleaned_data
        active = {
            name
            for name, value in cleaned.items()
            if name not in ("subscription", "ordering") and value is not None and str(value).strip() != ""
        }
        if active == {"product"}:
            return users_in_pools_count(LicenseAssignment, self._product_pools(cleaned["product"]))
        if active == {"state"} and cleaned["state"] == STATE_PENDING:
            return users_in_pools_count(PendingLicense, self._pools())
        if self.queryset.query.has_filters():  # the counts below are of every user's rows
            return queryset.order_by().count()
        subscriptions = self._subscription_ids()
        if active == {"licensed"}:
            return (
                users_holding_count(subscriptions) if cleaned["licensed"] else users_holding_none_count(subscriptions)
            )
        source = cleaned["source"].strip() if active == {"source"} else None
        if source == SOURCE_DIRECT:
            return users_holding_count(subscriptions, direct=True)
        if source is not None and (group_id := _group_id(source)) is not None:
            return group_members_count(group_id, when=self._group_holds(group_id))
        return queryset.order_by().count()

    def _subscription_ids(self) -> list[int] | None:
        """The subscriptions whose licenses the reader may see, in the subscription if there is one; None for every
        subscription."""
        if self.subscription_id is not None:
            return [self.subscription_id] if self.scope.can_view_subscription(self.subscription_id) else []
        reach = self.scope.reach
        return None if reach is None else sorted(reach)

    def _visible_assignments(self, pools: list[LicensePool] | None = None) -> QuerySet[LicenseAssignment]:
        """The outer row's assignments that the reader may see (_visible)."""
        return self._visible(LicenseAssignment.objects.all(), pools).filter(user=OuterRef("pk"))

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """`subscription` only narrows the filters that look at licenses; it does not hide users."""
        return queryset

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        # The product's pools by id, read once for the filter and the count: PostgreSQL then knows how many users
        # hold them, where under a subquery of the pools it guessed a third and chose a parallel plan for a page
        # (README, "Round ten").
        return queryset.filter(Exists(self._visible_assignments(self._product_pools(value))))

    def filter_licensed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        licensed = Exists(self._visible_assignments())
        return queryset.filter(licensed if value else ~licensed)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value != STATE_PENDING:
            return queryset
        return queryset.filter(Exists(self._visible(PendingLicense.objects.filter(user=OuterRef("pk")))))

    def filter_source(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Direct: holds a license assigned directly. A group: is a member of it while it holds a pool the reader
        may see (in the subscription), so has that license or waits for it. Any other value matches nothing."""
        value = value.strip()
        if not value:
            return queryset
        if value == SOURCE_DIRECT:
            return queryset.filter(Exists(self._visible_assignments().filter(direct=True)))
        group_id = _group_id(value)
        if group_id is None:
            return queryset.none()
        member = Exists(GroupMembership.objects.filter(user=OuterRef("pk"), group_id=group_id))
        return queryset.filter(self._group_holds(group_id), member)

    def _group_holds(self, group_id: int) -> Exists:
        """The group holds a pool the reader may see (in the subscription): a condition on no row."""
        return Exists(self._visible(GroupLicense.objects.filter(group_id=group_id)))


def _group_id(source: str) -> int | None:
    """The group id of a `source` value "group:<id>", or None."""
    group_id = source.removeprefix(SOURCE_GROUP)
    if not source.startswith(SOURCE_GROUP) or not (group_id.isascii() and group_id.isdigit()):
        return None
    return int(group_id) if 1 <= int(group_id) <= MAX_ID else None


class DirectoryUserFilterForm(forms.Form):
    """The filters of the organisation's users list in the order the page shows them."""

    field_order = ["q", "licensed", "product", "group", "department", "is_active", "state"]


class DirectoryUserFilterSet(UserLicenseFilterSet):
    """The Users page (every user of the organisation): UserLicenseFilterSet's filters over every subscription the
    reader may see, plus `group` (a member of the group, by id). The page fixes `subscription` and `source`, which
    are about one subscription."""

    licensed = django_filters.BooleanFilter(
        method="filter_licensed",
        label="License status",
        widget=TriStateSelect(yes="Licensed (in a subscription you can see)", no="Unlicensed"),
    )
    group = django_filters.CharFilter(method="filter_group", label="Group", widget=DataSelect(empty_label="All groups"))

    class Meta:
        model = User
        form = DirectoryUserFilterForm
        fields = [*UserLicenseFilterSet.Meta.fields, "group"]

    def filter_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Members of the group; a value that is not a group id matches nobody."""
        value = value.strip()
        if not value:
            return queryset
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID):
            return queryset.none()
        return queryset.filter(Exists(GroupMembership.objects.filter(user=OuterRef("pk"), group_id=int(value))))
