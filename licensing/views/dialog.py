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
from licensing.models import Product, Subscription
from licensing.selectors.sources import LicenseSources, pools_with_user_licenses, user_with_licenses
from licensing.services.assignments import user_licenses_set

from .mixins import SubscriptionViewMixin


class UserLicensesView(SubscriptionViewMixin, TemplateView):
    """ "Add or remove licenses" for one user: a dialog fragment for htmx, a full page without JavaScript.

    Save applies the whole desired set of direct assignments through user_licenses_set. A license the user has
    from a group is locked (shown checked and disabled, so its checkbox is never sent): the service keeps its
    direct assignment, if any, as it is (keep_inherited). On success htmx gets the updated row, pool summary
    and message (out-of-band swaps) and the dialog closes; a plain POST redirects back (PRG). On any error
    nothing changes and the form is shown again with the error.

    Under each product, its apps (service plans) are switches: on for the plans the direct assignment leaves on
    (all of them for a product not held), saved with it (disabled_plans_sent). A license the user has from a
    group shows the plans they have read-only, from all its sources.
    """

    template_name = "licensing/user_licenses_page.html"
    dialog_template_name = "licensing/partials/license_dialog.html"
    dialog_body_template_name = "licensing/partials/license_form.html"
    saved_template_name = "licensing/partials/license_saved.html"
    section = "users"
    with_pools = False  # the form reads them fresh, with the user's licenses (pools_with_user_licenses)

    @cached_property
    def subject(self) -> User:
        return user_get(actor=self.request.user, user_id=self.kwargs["user_id"])

    def get_default_return_url(self) -> str:
        return self.users_url

    def pools(self) -> list:
        """The subscription's pools as they are now, each with the subject's license of it (sources and plans)."""
        return pools_with_user_licenses(subscription_id=self.subscription.pk, user=self.subject)

    def enabled_plans_sent(self, products) -> dict:
        """The plans switched on, as the switches sent them, for each of `products` whose switches the form showed
        (`plan_products`); a product without them keeps its plans."""
        shown = set(self.request.POST.getlist("plan_products"))
        return {
            product: self.request.POST.getlist(f"plans-{product.pk}")
            for product in products
            if str(product.pk) in shown
        }

    def get(self, request, *args, **kwargs):
        pools = self.pools()
        held = {str(pool.product_id) for pool in pools if pool.held}
        return self.render_form(pools, selected=held)

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            return HttpResponse() if request.htmx else redirect(self.get_return_url())
        form = UserLicensesForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed(" ".join(form.errors["products"]))
            products = [Product(pk=product_id) for product_id in form.cleaned_data["products"]]
            change = user_licenses_set(
                user=User(pk=self.kwargs["user_id"]),  # read by the service, under its lock (change.user)
                subscription=Subscription(pk=self.kwargs["subscription_id"]),  # read with the pools it locks
                products=products,  # read by the service too, with their pools
                enabled_plans=self.enabled_plans_sent(products),
                by=Actor(request.user, Source.WEB),
                keep_inherited=True,  # their checkboxes are locked: whatever the request says
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            return self.render_form(
                self.pools(),
                selected=set(request.POST.getlist("products")),
                plans_on={
                    product_id: set(request.POST.getlist(f"plans-{product_id}"))
                    for product_id in request.POST.getlist("plan_products")
                },
                error=error,
            )
        messages.success(request, _change_message(change.user, change))
        if not request.htmx:
            return redirect(self.get_return_url())
        # The user and the subscription as the change read them; their licenses and the pools as they are now.
        pools = pools_with_user_licenses(subscription_id=change.subscription.pk, user=change.user)
        return render(
            request,
            self.saved_template_name,
            {
                "subscription": change.subscription,
                "person": user_with_licenses(change.user, pools),
                "pools": pools,
                "return_to": self.get_return_url(),
            },
        )

    def render_form(
        self,
        pools: list,
        *,
        selected: set[str],
        plans_on: dict[str, set[str]] | None = None,
        error: DomainError | None = None,
    ) -> HttpResponse:
        """The form of `pools` (pools_with_user_licenses: fresh availability and sources): `selected` the product
        ids (as sent) to show checked, `plans_on` the plans (as sent, by product id as sent) whose switches to show
        on, where the form comes back with an error."""
        options = [self.option(pool, selected=selected) for pool in pools]
        for option in options:
            option["plans"] = self.plan_switches(option, option["pool"].product.plans_read, plans_on or {})
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

    def option(self, pool, *, selected: set[str]) -> dict:
        """One product's checkbox: locked (disabled) when the user has it, or waits for it, from a group; else
        free unless it cannot be assigned now. `reason` says why it is disabled."""
        sources = pool.license.sources if pool.license else LicenseSources()
        if sources.pending:
            reason = f"waiting for a license ({pool.pending:,} in line), {_from_groups(sources)}"
            return {"pool": pool, "sources": sources, "disabled": True, "checked": False, "reason": reason}
        if sources.inherited:
            reason = _from_groups(sources) + ("; also assigned directly" if sources.direct else "")
            checked = pool.held
            return {"pool": pool, "sources": sources, "disabled": True, "checked": checked, "reason": reason}
        reason = None if pool.held else self.unassignable_reason(pool)
        checked = reason is None and str(pool.product_id) in selected
        return {"pool": pool, "sources": sources, "disabled": reason is not None, "checked": checked, "reason": reason}

    def plan_switches(self, option: dict, plans: list, plans_on: dict[str, set[str]]) -> list[dict]:
        """The switches of one product's plans: read-only with the plans the user has when the license comes from a
        group; else those the direct assignment leaves on (or the form sent back)."""
        sources, product_id = option["sources"], str(option["pool"].product_id)
        if sources.pending:
            return []
        off = set(sources.disabled_plans if sources.inherited else sources.direct_disabled_plans)
        sent = plans_on.get(product_id)
        option["plans_editable"] = not sources.inherited
        return [
            {
                "plan": plan,
                "on": plan.key in sent if sent is not None else plan.key not in off,
            }
            for plan in plans
        ]

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
    if change.plans_changed:
        parts.append("apps changed in " + ", ".join(product.name for product in change.plans_changed))
    return f"Licenses updated for {user}: {'; '.join(parts)}."
