"""The admin center home and a subscription's overview."""

from django.views.generic import TemplateView

from accounts.permissions import admin_scope
from licensing.charts import pools_usage
from licensing.choices import STATUS_TRANSITIONS, SubscriptionStatus
from licensing.selectors.audit import audit_events_of_subscription
from licensing.selectors.subscriptions import subscriptions_visible

from .mixins import AdminViewMixin, SubscriptionViewMixin

RECENT_EVENTS = 5


class HomeView(AdminViewMixin, TemplateView):
    """The admin center home: every subscription the admin may see, with availability per product and its
    sparkline, and the organisation's totals across them (from the pools read with the subscriptions: no query
    more; the sparklines' history is one query for every pool)."""

    template_name = "licensing/home.html"

    def get_context_data(self, **kwargs):
        subscriptions = list(subscriptions_visible(actor=self.request.user))
        pools = [pool for subscription in subscriptions for pool in subscription.pools.all()]
        owned = sum(pool.quantity for pool in pools)
        assigned = sum(pool.assigned for pool in pools)
        totals = {
            "owned": owned,
            "assigned": assigned,
            "available": owned - assigned,
            "waiting": sum(pool.pending for pool in pools),
        }
        # The card's pool list (a partial the overview shares) reads each pool's sparkline off the pool itself.
        for usage in pools_usage(pools=pools):
            usage.pool.usage = usage
        return super().get_context_data(subscriptions=subscriptions, totals=totals, **kwargs)


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
            can_change_status=admin_scope(self.request.user).can_change_subscription_status,
            next_statuses=[
                (value, label)
                for value, label in SubscriptionStatus.choices
                if value in STATUS_TRANSITIONS[self.subscription.status]
            ],
            recent_events=audit_events_of_subscription(actor=self.request.user, subscription=self.subscription)[
                :RECENT_EVENTS
            ],
            **kwargs,
        )
