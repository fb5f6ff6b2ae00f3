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
from licensing.selectors.assignments import user_licenses
from licensing.selectors.sources import LicenseSources, license_sources, users_with_subscription_licenses
from licensing.selectors.subscriptions import pools_of_subscription
from licensing.services.assignments import user_licenses_set

from .mixins import SubscriptionViewMixin


class UserLicensesView(SubscriptionViewMixin, TemplateView):
    """ "Add or remove licenses" for one user: a dialog fragment for htmx, a full page without JavaScript.

    Save applies the whole desired set of direct assignments through user_licenses_set. A license the user has
    from a group is locked (shown checked and disabled, so its checkbox is never sent): the server keeps its
    direct assignment, if any, as it is (desired_products). On success htmx gets the updated row, pool summary
    and message (out-of-band swaps) and the dialog closes; a plain POST redirects back (PRG). On any error
    nothing changes and the form is shown again with the error.
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

    def sources_of(self, pools) -> dict[int, LicenseSources]:
        """Where each of the user's licenses of `pools` comes from, and whether they wait for it, by product id."""
        sources = license_sources(user_ids=[self.subject.pk], pools=pools)
        return {pool.product_id: sources.get((self.subject.pk, pool.pk), LicenseSources()) for pool in pools}

    def desired_products(self, submitted) -> list:
        """The direct assignments to save: what the form sent for the products the admin may change. A product the
        user has (or waits for) from a group is locked: whatever the request says, its direct assignment stays as
        the database has it (kept if there is one, never added)."""
        pools = list(pools_of_subscription(subscription=self.subscription))
        sources = self.sources_of(pools)
        locked = {pool.product_id for pool in pools if sources[pool.product_id].inherited}
        kept = [pool.product for pool in pools if pool.product_id in locked and sources[pool.product_id].direct]
        return [product for product in submitted if product.pk not in locked] + kept

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
                products=self.desired_products(form.cleaned_data["products"]),
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
        """The form with fresh availability and sources: `held` are the products the user holds now, `selected`
        the product ids (as sent) to show checked."""
        pools = list(pools_of_subscription(subscription=self.subscription))
        sources = self.sources_of(pools)
        options = [self.option(pool, sources[pool.product_id], held=held, selected=selected) for pool in pools]
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

    def option(self, pool, sources: LicenseSources, *, held: set[int], selected: set[str]) -> dict:
        """One product's checkbox: locked (disabled) when the user has it, or waits for it, from a group; else
        free unless it cannot be assigned now. `reason` says why it is disabled."""
        if sources.pending:
            reason = f"waiting for a license ({pool.pending:,} in line), {_from_groups(sources)}"
            return {"pool": pool, "sources": sources, "disabled": True, "checked": False, "reason": reason}
        if sources.inherited:
            reason = _from_groups(sources) + ("; also assigned directly" if sources.direct else "")
            checked = pool.product_id in held
            return {"pool": pool, "sources": sources, "disabled": True, "checked": checked, "reason": reason}
        reason = None if pool.product_id in held else self.unassignable_reason(pool)
        checked = reason is None and str(pool.product_id) in selected
        return {"pool": pool, "sources": sources, "disabled": reason is not None, "checked": checked, "reason": reason}

    def unassignable_reason(self, pool) -> str | None:
        """Why a product the user does not hold cannot be checked now, if it cannot."""
        if not self.subscription.allows_assignment:
            return f"Not while the subscription is {self.subscription.get_status_display().lower()}"
        if pool.available < 1:
            return "None available — free a license or buy more"
        if pool.pending:
            return "Members are waiting for this license: the next one free is theirs"
        return None


def _from_groups(sources: LicenseSources) -> str:
    names = ", ".join(group.name for group in sources.groups)
    return f"from group{'s' if len(sources.groups) > 1 else ''} {names}"


def _change_message(user: User, change) -> str:
    if not change.changed:
        return f"No changes for {user}: the licenses were already as selected."
    parts = []
    if change.added:
        parts.append("added " + ", ".join(product.name for product in change.added))
    if change.removed:
        parts.append("removed " + ", ".join(product.name for product in change.removed))
    return f"Licenses updated for {user}: {'; '.join(parts)}."
