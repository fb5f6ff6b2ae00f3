"""The admin center's pages (design.md, "Web UI — the guide's path").

Views are thin: they resolve what the URL names through licensing.selectors (NotFound outside the admin's
scope), validate input with licensing.forms, write only through licensing.services with source=web, and
render. The domain errors become responses in one place, `AdminViewMixin.dispatch`.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts.models import User
from accounts.permissions import admin_scope, require_quantity_change
from accounts.selectors import departments_list, user_get
from core.audit import Actor
from core.choices import AuditAction, Source
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.selectors.assignments import user_licenses, users_with_subscription_licenses
from licensing.selectors.audit import audit_events_of_subscription
from licensing.selectors.products import pools_of_product
from licensing.selectors.subscriptions import pools_of_subscription, subscription_get, subscriptions_visible
from licensing.services.assignments import user_licenses_set
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.pools import pool_set_quantity

from .filtersets import AuditEventFilterSet, UserLicenseFilterSet
from .forms import BulkLicensesForm, PoolQuantityForm, UserLicensesForm

PER_PAGE_CHOICES = (10, 50, 100)
DEFAULT_PER_PAGE = 50
AUDIT_PER_PAGE = 50
RECENT_EVENTS = 5
# (label, UserLicenseFilterSet ordering key) of the sortable columns of the users list, in column order.
USER_SORT_COLUMNS = (("Name", "name"), ("Email", "email"), ("Department", "department"))
DEFAULT_USER_SORT = "name"
# The list's filters (besides paging and sorting): any of them set makes an empty list "no match".
USER_FILTERS = ("q", "product", "licensed", "department", "is_active")
AUDIT_FILTERS = ("user", "product", "action", "date_from", "date_to")
# How many rows past the page shown the users list counts exactly; beyond, it says "more than".
COUNT_AHEAD = 1000
MAX_COUNT = 2**62  # keeps LIMIT within a bigint


class AdminViewMixin(LoginRequiredMixin):
    """Anonymous users go to sign-in; signed-in users without an admin role get a page saying one is needed
    (403). Domain errors become responses here and nowhere else: NotFound is the 404 page, PermissionDenied
    the 403 page, and any other DomainError a message on the page the request came back to."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not admin_scope(request.user).is_admin:
            return render(request, "no_admin_role.html", status=403)
        try:
            response = super().dispatch(request, *args, **kwargs)
        except NotFound as error:
            response = render(request, "404.html", {"message": error.message}, status=404)
        except PermissionDenied as error:
            response = render(request, "403.html", {"message": error.message}, status=403)
        except DomainError as error:
            messages.error(request, error.message)
            response = redirect(self.get_return_url())
        # htmx requests get fragments of the same URLs, so caches must keep the two apart.
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_default_return_url(self) -> str:
        return self.request.path

    def get_return_url(self) -> str:
        """Where to go back to after a POST: the `next` the page sent, if it is ours, else the default."""
        url = self.request.POST.get("next") or self.request.GET.get("next")
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return url
        return self.get_default_return_url()


class HomeView(AdminViewMixin, TemplateView):
    """The admin center home: every subscription the admin may see, with availability per product."""

    template_name = "licensing/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscriptions=subscriptions_visible(actor=self.request.user), **kwargs)


class SubscriptionViewMixin(AdminViewMixin):
    """A page of one subscription's settings, with the left menu; `section` marks the current menu entry."""

    section = ""

    @cached_property
    def subscription(self):
        return subscription_get(actor=self.request.user, subscription_id=self.kwargs["subscription_id"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscription=self.subscription, section=self.section, **kwargs)

    @property
    def users_url(self) -> str:
        return reverse("licensing:subscription_users", args=[self.subscription.pk])


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


class SubscriptionProductsView(SubscriptionViewMixin, TemplateView):
    """Products & licenses: quantity, assigned, available and usage per product; quantities for those allowed."""

    template_name = "licensing/subscription_products.html"
    section = "products"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pools=self.subscription.pools.all(),
            can_change_quantity=admin_scope(self.request.user).can_change_quantity(self.subscription.pk),
            **kwargs,
        )


class ProductHelpView(SubscriptionViewMixin, TemplateView):
    """A product's own help page: what the subscription holds of it and how to manage its licenses."""

    template_name = "licensing/product_help.html"
    section = "products"

    def get_context_data(self, **kwargs):
        pool = pools_of_subscription(subscription=self.subscription).filter(pk=self.kwargs["pool_id"]).first()
        if pool is None:
            raise NotFound("This subscription has no such product.")
        return super().get_context_data(
            pool=pool,
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
        pool = pools_of_subscription(subscription=self.subscription).filter(pk=self.kwargs["pool_id"]).first()
        if pool is None:
            raise NotFound("This subscription has no such product.")
        form = PoolQuantityForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(f"Quantity of {pool.product}: {' '.join(form.errors['quantity'])}")
        pool = pool_set_quantity(pool=pool, quantity=form.cleaned_data["quantity"], by=Actor(request.user, Source.WEB))
        counts = f"{pool.available:,} of {pool.quantity:,} available"
        messages.success(request, f"{pool.product} now has {pool.quantity:,} licenses: {counts}.")
        return redirect(self.get_return_url())


def _per_page(value: str | None) -> int:
    return int(value) if value in {str(size) for size in PER_PAGE_CHOICES} else DEFAULT_PER_PAGE


class BoundedCountPaginator(Paginator):
    """Counts the rows only up to COUNT_AHEAD past the end of the page asked for, so the count costs what the
    page costs, not what the organisation costs (an exact "unlicensed" count is an anti-join over every user:
    ~60 ms at 100,000). `count_is_lower_bound` says the list goes on past `count`; a later page counts further.
    """

    def __init__(self, object_list, per_page: int, *, wanted_page: str | None) -> None:
        super().__init__(object_list, per_page)
        try:
            wanted = max(1, int(wanted_page or 1))
        except ValueError:
            wanted = 1
        # Past the last page the paginator shows the last one, so an absurd page number just counts everything.
        self.count_limit = min(wanted * per_page + COUNT_AHEAD, MAX_COUNT)
        self.count_is_lower_bound = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.count_limit + 1].count()
        self.count_is_lower_bound = counted > self.count_limit
        return min(counted, self.count_limit)


class UserLicenseAssignmentsView(SubscriptionViewMixin, TemplateView):
    """User License Assignments: users with the licenses they hold here; search, filters, sorting, pages.

    Live filtering (htmx, targeting #user-results) gets only the results fragment. A page costs the same number
    of queries at any page size and organisation size (tests/web/test_list_performance.py).
    """

    template_name = "licensing/user_license_assignments.html"
    results_template_name = "licensing/partials/user_results.html"
    section = "users"

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "user-results":
            return [self.results_template_name]
        return [self.template_name]

    def filtered_users(self):
        return UserLicenseFilterSet(
            self.request.GET, queryset=User.objects.all(), request=self.request, subscription=self.subscription
        ).qs

    def get_context_data(self, **kwargs):
        params = self.request.GET
        users = self.filtered_users()
        # The primary key last keeps pages stable when many users share a department or a name.
        users = users.order_by(*(users.query.order_by or User._meta.ordering), "pk")
        paginator = BoundedCountPaginator(users, _per_page(params.get("per_page")), wanted_page=params.get("page"))
        page = paginator.get_page(params.get("page"))
        pools = self.subscription.pools.all()
        page.object_list = users_with_subscription_licenses(users=page.object_list, pools=pools)
        return super().get_context_data(
            pools=pools,
            filters=params,
            # A callable: the template calls it only when it renders the filter form (not for the fragment).
            departments=departments_list,
            per_page=paginator.per_page,
            per_page_choices=PER_PAGE_CHOICES,
            page=page,
            page_range=paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            sort_columns=_sort_columns(params.get("ordering") or DEFAULT_USER_SORT),
            filtered=any(params.get(name) for name in USER_FILTERS),
            bulk_product_id=_bulk_default_product_id(pools, params.get("product")),
            list_url=self.request.path,
            # Where the exact total comes from when the page counted only part of the way.
            total_url=reverse("licensing:subscription_users_total", args=[self.subscription.pk])
            + _query_without(params, "page", "per_page", "ordering"),
            return_to=self.request.get_full_path(),
            **kwargs,
        )


class UserLicenseAssignmentsTotalView(UserLicenseAssignmentsView):
    """The exact number of users the list's filters match. The list page fetches it after it is shown (htmx)
    when it counted only part of the way, so a slow count never holds the page up."""

    template_name = "licensing/partials/user_total.html"

    def get_template_names(self):
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return {"total": self.filtered_users().order_by().count()}


def _bulk_default_product_id(pools, product_filter: str | None) -> int | None:
    """The product the bulk bar offers first: the one the list is filtered by, else the first with licenses
    left, else the first."""
    pools = list(pools)
    candidates = pools_of_product(pools=pools, identifier=product_filter) if product_filter else []
    candidates = candidates or [pool for pool in pools if pool.available > 0] or pools
    return candidates[0].product_id if candidates else None


def _query_without(params, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return f"?{query.urlencode()}" if query else ""


def _sort_columns(ordering: str) -> list[dict]:
    """Header links: a click sorts by the column, a second click reverses it."""
    columns = []
    for label, key in USER_SORT_COLUMNS:
        direction = {key: "ascending", f"-{key}": "descending"}.get(ordering)
        columns.append({"label": label, "direction": direction, "next": f"-{key}" if direction == "ascending" else key})
    return columns


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


class SubscriptionAuditView(SubscriptionViewMixin, TemplateView):
    """Audit log of the subscription, filterable by user, product, action and date."""

    template_name = "licensing/subscription_audit.html"
    section = "audit"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        filterset = AuditEventFilterSet(
            params, queryset=audit_events_of_subscription(actor=self.request.user, subscription=self.subscription)
        )
        # An inverted date range matches nothing by definition: say so instead of querying.
        inverted = NON_FIELD_ERRORS in filterset.errors
        paginator = Paginator(filterset.qs.none() if inverted else filterset.qs, AUDIT_PER_PAGE)
        page = paginator.get_page(params.get("page"))
        return super().get_context_data(
            pools=self.subscription.pools.all(),
            actions=AuditAction.choices,
            filters=params,
            filtered=any(params.get(name) for name in AUDIT_FILTERS),
            filter_errors=filterset.errors,
            page=page,
            page_range=paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            list_url=self.request.path,
            **kwargs,
        )


class UserProfileView(AdminViewMixin, TemplateView):
    """A user's profile: their licenses in every subscription the admin may see, when and by whom assigned."""

    template_name = "licensing/user_profile.html"

    def get_context_data(self, **kwargs):
        subject = user_get(actor=self.request.user, user_id=self.kwargs["user_id"])
        assignments = list(user_licenses(user=subject, actor=self.request.user))
        held_in = {assignment.pool.subscription_id for assignment in assignments}
        return super().get_context_data(
            subject=subject,
            assignments=assignments,
            other_subscriptions=subscriptions_visible(actor=self.request.user)
            .prefetch_related(None)
            .exclude(pk__in=held_in),
            **kwargs,
        )
