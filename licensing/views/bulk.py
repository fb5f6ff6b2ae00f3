"""Bulk: assign or unassign one product for the users selected on the User License Assignments page: the rows
ticked, or every user the list's filters match ("Select all N users that match"), after a confirmation that
states the count and, for an assignment, whether there are enough licenses."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from core.audit import Actor
from core.choices import Source
from core.errors import DomainError, NotFound, PermissionDenied, ProductNotInSubscription, ValidationFailed
from licensing.forms import BulkLicensesForm
from licensing.selectors.assignments import bulk_assign_preview
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign

from .mixins import SubscriptionViewMixin
from .users import UserLicenseAssignmentsView


class BulkLicensesView(SubscriptionViewMixin, TemplateView):
    """POST: assign or unassign one product for the selected users, all or nothing; the outcome is a message.

    Done, the list is shown again (a redirect; for htmx a client-side one). Refused, htmx gets only the message,
    so the list stays as it was, with the rows still ticked; without JavaScript the list is shown again.
    For every user that matches, the confirmation comes first (a dialog for htmx, else a page).
    """

    http_method_names = ["post"]
    refused_template_name = "partials/messages_oob.html"

    def get_default_return_url(self) -> str:
        return self.users_url

    def post(self, request, *args, **kwargs):
        form = BulkLicensesForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed(" ".join(error for errors in form.errors.values() for error in errors))
            data = form.cleaned_data
            if data["all_matching"] and not data["confirmed"]:
                return self.confirmation(data)
            messages.success(request, self.apply(data))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            if not request.htmx:
                raise
            messages.error(request, error.message)
            return render(request, self.refused_template_name)
        if request.htmx:
            return HttpResponseClientRedirect(self.get_return_url())
        return redirect(self.get_return_url())

    def selected_users(self, data: dict):
        """The users ticked, or every user the list's filters match (re-applied here, with the reader's scope)."""
        if data["all_matching"]:
            return UserLicenseAssignmentsView.rows_matching(self.request, data["query"], **self.kwargs)
        return data["users"]

    def confirmation(self, data: dict):
        """Before acting on every user that matches: how many, and for an assignment whether there are enough
        licenses (the service refuses all or nothing). A dialog for htmx, else a page."""
        product = data["product"]
        pool = next((pool for pool in self.subscription.pools.all() if pool.product_id == product.pk), None)
        if pool is None:
            raise ProductNotInSubscription(subscription=self.subscription.name, skus=[product.sku_part_number])
        context = self.get_context_data(
            action=data["action"],
            pool=pool,
            preview=bulk_assign_preview(pool=pool, users=self.selected_users(data)),
            query=data["query"],
            next=self.get_return_url(),
        )
        if self.request.htmx:
            response = render(self.request, "licensing/partials/bulk_all_dialog.html", context)
            return reswap(retarget(response, "#dialog-host"), "innerHTML")
        return render(self.request, "licensing/bulk_all_confirm.html", context)

    def apply(self, data: dict) -> str:
        """Make the change; the message saying what changed."""
        product, users, by = data["product"], self.selected_users(data), Actor(self.request.user, Source.WEB)
        if data["action"] == BulkLicensesForm.ASSIGN:
            result = licenses_bulk_assign(subscription=self.subscription, product=product, users=users, by=by)
            text = f"Assigned {product} to {_count(result.changed, 'user')}"
            unchanged = f"{_count(result.unchanged, 'user')} already had it"
        else:
            result = licenses_bulk_unassign(subscription=self.subscription, product=product, users=users, by=by)
            text = f"Unassigned {product} from {_count(result.changed, 'user')}"
            unchanged = f"{_count(result.unchanged, 'user')} did not have it"
        return f"{text}; {unchanged}." if result.unchanged else f"{text}."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
