"""The license dialog: "Add or remove licenses" for one user of a subscription."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from django_htmx.http import reswap, retarget

from accounts.models import User
from accounts.selectors import user_get
from core.audit import Actor
from core.choices import Source
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.forms import UserLicensesForm
from licensing.selectors.assignments import user_licenses, users_with_subscription_licenses
from licensing.selectors.subscriptions import pools_of_subscription
from licensing.services.assignments import user_licenses_set

from .mixins import SubscriptionViewMixin


class UserLicensesView(SubscriptionViewMixin, TemplateView):
    """ "Add or remove licenses" for one user: a dialog fragment for htmx, a full page without JavaScript.

    Save applies the whole desired set through user_licenses_set. On success htmx gets the updated row, pool
    summary and message (out-of-band swaps) and the dialog closes; a plain POST redirects back (PRG). On any
    error nothing changes and the form is shown again with the error.
    """

    template_name = "licensing/user_licenses_page.html"
    dialog_template_name = "licensing/partials/license_dialog.html"
    dialog_body_template_name = "licensing/partials/license_form.html"
    saved_template_name = "licensing/partials/license_saved.html"
    section = "users"

    @cached_property
    def subject(self) -> User:
        return user_get(actor=self.request.user, user_id=self.kwargs["user_id"])

    def get_default_return_url(self) -> str:
        return self.users_url

    def held_product_ids(self) -> set[int]:
        return {
            assignment.pool.product_id
            for assignment in user_licenses(user=self.subject, actor=self.request.user).filter(
                pool__subscription=self.subscription
            )
        }

    def get(self, request, *args, **kwargs):
        held = self.held_product_ids()
        return self.render_form(held=held, selected={str(product_id) for product_id in held})

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            return HttpResponse() if request.htmx else redirect(self.get_return_url())
        form = UserLicensesForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed(" ".join(form.errors["products"]))
            change = user_licenses_set(
                user=self.subject,
                subscription=self.subscription,
                products=form.cleaned_data["products"],
                by=Actor(request.user, Source.WEB),
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            return self.render_form(
                held=self.held_product_ids(), selected=set(request.POST.getlist("products")), error=error
            )
        messages.success(request, _change_message(self.subject, change))
        if not request.htmx:
            return redirect(self.get_return_url())
        pools = list(pools_of_subscription(subscription=self.subscription))
        (person,) = users_with_subscription_licenses(users=User.objects.filter(pk=self.subject.pk), pools=pools)
        return render(
            request,
            self.saved_template_name,
            {
                "subscription": self.subscription,
                "person": person,
                "pools": pools,
                "return_to": self.get_return_url(),
            },
        )

    def render_form(self, *, held: set[int], selected: set[str], error: DomainError | None = None) -> HttpResponse:
        """The form with fresh availability: `held` are the products the user holds now, `selected` the product
        ids (as sent) to show checked."""
        options = []
        for pool in pools_of_subscription(subscription=self.subscription):
            reason = None if pool.product_id in held else self.unassignable_reason(pool)
            options.append(
                {
                    "pool": pool,
                    "disabled": reason is not None,
                    "reason": reason,
                    "checked": reason is None and str(pool.product_id) in selected,
                }
            )
        context = self.get_context_data(
            subject=self.subject,
            options=options,
            error=error,
            form_url=self.request.path,
            return_to=self.get_return_url(),
            as_page=not self.request.htmx,
        )
        if not self.request.htmx:
            return self.render_to_response(context, status=error.http_status if error else 200)
        if error is None:
            return render(self.request, self.dialog_template_name, context)
        # The dialog stays open: only its content is replaced, with the error in it.
        response = render(self.request, self.dialog_body_template_name, context)
        return reswap(retarget(response, "#license-dialog"), "innerHTML")

    def unassignable_reason(self, pool) -> str | None:
        """Why a product the user does not hold cannot be checked now, if it cannot."""
        if not self.subscription.allows_assignment:
            return f"Not while the subscription is {self.subscription.get_status_display().lower()}"
        if pool.available < 1:
            return "None available — free a license or buy more"
        return None


def _change_message(user: User, change) -> str:
    if not change.changed:
        return f"No changes for {user}: the licenses were already as selected."
    parts = []
    if change.added:
        parts.append("added " + ", ".join(product.name for product in change.added))
    if change.removed:
        parts.append("removed " + ", ".join(product.name for product in change.removed))
    return f"Licenses updated for {user}: {'; '.join(parts)}."
