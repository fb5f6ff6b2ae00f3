"""Bulk: assign or unassign one product for the users selected on the User License Assignments page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect

from core.audit import Actor
from core.choices import Source
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.forms import BulkLicensesForm
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign

from .mixins import SubscriptionViewMixin


class BulkLicensesView(SubscriptionViewMixin, TemplateView):
    """POST: assign or unassign one product for the selected users, all or nothing; the outcome is a message.

    Done, the list is shown again (a redirect; for htmx a client-side one). Refused, htmx gets only the message,
    so the list stays as it was, with the rows still ticked; without JavaScript the list is shown again.
    """

    http_method_names = ["post"]
    refused_template_name = "partials/messages_oob.html"

    def get_default_return_url(self) -> str:
        return self.users_url

    def post(self, request, *args, **kwargs):
        try:
            messages.success(request, self.apply())
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

    def apply(self) -> str:
        """Make the change; the message saying what changed."""
        request = self.request
        form = BulkLicensesForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(" ".join(error for errors in form.errors.values() for error in errors))
        product, users = form.cleaned_data["product"], form.cleaned_data["users"]
        if form.cleaned_data["action"] == BulkLicensesForm.ASSIGN:
            result = licenses_bulk_assign(
                subscription=self.subscription, product=product, users=users, by=Actor(request.user, Source.WEB)
            )
            text = f"Assigned {product} to {_count(result.changed, 'user')}"
            unchanged = f"{_count(result.unchanged, 'user')} already had it"
        else:
            result = licenses_bulk_unassign(
                subscription=self.subscription, product=product, users=users, by=Actor(request.user, Source.WEB)
            )
            text = f"Unassigned {product} from {_count(result.changed, 'user')}"
            unchanged = f"{_count(result.unchanged, 'user')} did not have it"
        return f"{text}; {unchanged}." if result.unchanged else f"{text}."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
