"""The admin center home and a subscription's overview."""

from django.views.generic import TemplateView

from licensing.selectors.audit import audit_events_of_subscription
from licensing.selectors.subscriptions import subscriptions_visible

from .mixins import AdminViewMixin, SubscriptionViewMixin

RECENT_EVENTS = 5


class HomeView(AdminViewMixin, TemplateView):
    """The admin center home: every subscription the admin may see, with availability per product."""

    template_name = "licensing/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscriptions=subscriptions_visible(actor=self.request.user), **kwargs)


class SubscriptionOverviewView(SubscriptionViewMixin, TemplateView):
    template_name = "licensing/subscription_overview.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        pools = list(self.subscription.pools.all())
        quantity = sum(pool.quantity for pool in pools)
        assigned = sum(pool.assigned for pool in pools)
        return super().get_context_data(
            pools=pools,
            totals={"quantity": quantity, "assigned": assigned, "available": quantity - assigned},
            recent_events=audit_events_of_subscription(actor=self.request.user, subscription=self.subscription)[
                :RECENT_EVENTS
            ],
            **kwargs,
        )
