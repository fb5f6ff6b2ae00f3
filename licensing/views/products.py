"""Products & licenses: the subscription's products, each product's help page, and changing a quantity."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import admin_scope, require_quantity_change
from core.audit import Actor
from core.choices import Source
from core.errors import ValidationFailed
from licensing.charts import pools_usage
from licensing.forms import PoolQuantityForm
from licensing.selectors.products import products_to_buy
from licensing.selectors.subscriptions import pool_of_subscription
from licensing.services.pools import pool_set_quantity

from .mixins import SubscriptionViewMixin


class SubscriptionProductsView(SubscriptionViewMixin, TemplateView):
    """Products & licenses: quantity, assigned, available and usage per product, each product's last 90 days as a
    chart with its forecast; quantities for those allowed."""

    template_name = "licensing/subscription_products.html"
    section = "products"

    def get_context_data(self, **kwargs):
        can_change_quantity = admin_scope(self.request.user).can_change_quantity(self.subscription.pk)
        pools = self.subscription.pools.all()
        return super().get_context_data(
            pools=pools,
            usages=pools_usage(pools=pools),
            can_change_quantity=can_change_quantity,
            products_to_buy=products_to_buy(subscription=self.subscription) if can_change_quantity else None,
            **kwargs,
        )


class ProductHelpView(SubscriptionViewMixin, TemplateView):
    """A product's own help page: what the subscription holds of it and how to manage its licenses."""

    template_name = "licensing/product_help.html"
    section = "products"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pool=pool_of_subscription(subscription=self.subscription, pool_id=self.kwargs["pool_id"]),
            can_change_quantity=admin_scope(self.request.user).can_change_quantity(self.subscription.pk),
            **kwargs,
        )


class PoolQuantityView(SubscriptionViewMixin, TemplateView):
    """POST: change the purchased quantity of one product of the subscription."""

    http_method_names = ["post"]

    def get_default_return_url(self) -> str:
        return reverse("licensing:subscription_products", args=[self.subscription.pk])

    def post(self, request, *args, **kwargs):
        require_quantity_change(request.user, self.subscription.pk)
        pool = pool_of_subscription(subscription=self.subscription, pool_id=self.kwargs["pool_id"])
        form = PoolQuantityForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(f"Quantity of {pool.product}: {' '.join(form.errors['quantity'])}")
        pool = pool_set_quantity(pool=pool, quantity=form.cleaned_data["quantity"], by=Actor(request.user, Source.WEB))
        counts = f"{pool.available:,} of {pool.quantity:,} available"
        messages.success(request, f"{pool.product} now has {pool.quantity:,} licenses: {counts}.")
        return redirect(self.get_return_url())
