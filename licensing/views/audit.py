"""The audit log of a subscription."""

from licensing.filtersets import AuditEventFilterSet
from licensing.selectors.audit import audit_events_of_subscription

from .lists import FilteredListView
from .mixins import SubscriptionViewMixin


class SubscriptionAuditView(SubscriptionViewMixin, FilteredListView):
    """Audit log of the subscription, newest first, filterable by user, product, action, source and date. An
    inverted date range is an error on the page, and no events query."""

    template_name = "licensing/subscription_audit.html"
    section = "audit"
    filterset_class = AuditEventFilterSet
    fixed_filters = ("subscription",)
    filter_id_prefix = "audit-"
    filter_ids = {"date_from": "audit-from", "date_to": "audit-to"}
    download_url_name = "licensing:subscription_audit_export"

    def get_queryset(self):
        return audit_events_of_subscription(actor=self.request.user, subscription=self.subscription)

    def offer_choices(self, filterset) -> None:
        filterset.offer_choices("product", self.product_choices)
