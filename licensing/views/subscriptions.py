"""A subscription's lifecycle and purchases: its status changed through the audited service (Global
Administrators), and "Buy licenses", a product added with a quantity (whoever may change its quantities)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import require_quantity_change, require_subscription_status_change
from core.audit import Actor
from core.choices import Source
from core.errors import ValidationFailed
from licensing.forms import PoolCreateForm, SubscriptionStatusForm
from licensing.selectors.products import products_to_buy
from licensing.services.pools import pool_create
from licensing.services.subscriptions import subscription_set_status

from .mixins import SubscriptionViewMixin


def _form_errors(form) -> str:
    return " ".join(message for messages_of_field in form.errors.values() for message in messages_of_field)


class SubscriptionStatusView(SubscriptionViewMixin, TemplateView):
    """POST: move the subscription along its lifecycle; a change it does not allow is the message on the overview."""

    http_method_names = ["post"]

    def get_default_return_url(self) -> str:
        return reverse("licensing:subscription_overview", args=[self.subscription.pk])

    def post(self, request, *args, **kwargs):
        require_subscription_status_change(request.user, self.subscription.pk)
        form = SubscriptionStatusForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(_form_errors(form))
        subscription = subscription_set_status(
            by=Actor(request.user, Source.WEB), subscription=self.subscription, status=form.cleaned_data["status"]
        )
        messages.success(request, f"{subscription.name} is now {subscription.get_status_display().lower()}.")
        return redirect(self.get_return_url())


class PoolCreateView(SubscriptionViewMixin, TemplateView):
    """POST "Buy licenses": add a product the subscription does not hold yet, with its quantity."""

    http_method_names = ["post"]

    def get_default_return_url(self) -> str:
        return reverse("licensing:subscription_products", args=[self.subscription.pk])

    def post(self, request, *args, **kwargs):
        require_quantity_change(request.user, self.subscription.pk)
        form = PoolCreateForm(request.POST, products=products_to_buy(subscription=self.subscription))
        if not form.is_valid():
            raise ValidationFailed(f"Buy licenses: {_form_errors(form)}")
        pool = pool_create(
            by=Actor(request.user, Source.WEB),
            subscription=self.subscription,
            product=form.cleaned_data["product"],
            quantity=form.cleaned_data["quantity"],
        )
        messages.success(request, f"Added {pool.product} to {self.subscription.name}: {pool.quantity:,} licenses.")
        return redirect(self.get_return_url())
