"""A group's Licenses tab (README, "Groups"): the pools the group holds, adding and removing one, and the line of
members waiting in a pool.

Every admin may open it; it shows and offers only the pools of the subscriptions the admin may see, and the
service (licensing.services.group_licenses) checks the admin may assign licenses there: another subscription's
pool is the 404 page, as elsewhere. A refused change is the
page again with its error (400), nothing written.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.forms import GroupLicenseForm
from licensing.models import GroupLicense, LicensePool
from licensing.selectors.groups import group_licenses, group_pools_members, pending_reason, pool_line
from licensing.selectors.subscriptions import pools_visible
from licensing.services.group_licenses import group_licenses_change

from .groups import GroupViewMixin

PENDING_REASONS = {
    "not_enough_licenses": "Not enough licenses: the next one freed or bought is theirs",
    "subscription_not_active": "The subscription is not active",
}
LINE_PAGE_SIZE = 50


class GroupLicensesView(GroupViewMixin, TemplateView):
    """GET: the group's pools with their availability, line, and how its members stand in each, and the form to
    add a product. POST: add the product chosen, one call of group_licenses_change."""

    template_name = "licensing/groups/licenses.html"

    @property
    def licenses_url(self) -> str:
        return reverse("licensing:group_licenses", args=[self.group.pk])

    def get_default_return_url(self) -> str:
        return self.licenses_url

    def page(self, *, form: GroupLicenseForm | None = None, error: DomainError | None = None, status: int = 200):
        licenses = list(group_licenses(group=self.group, actor=self.request.user))
        pools = [license.pool for license in licenses]
        members = group_pools_members(group=self.group, pools=pools)
        held = {pool.pk for pool in pools}
        offered = [pool for pool in pools_visible(actor=self.request.user) if pool.pk not in held]
        context = self.get_context_data(
            tab="licenses",
            rows=[(pool, members[pool.pk]) for pool in pools],
            offered=offered,
            form=form,
            error=error,
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        group = self.group  # an unknown group is the 404 page, not a form error
        form = GroupLicenseForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed(" ".join(error for errors in form.errors.values() for error in errors))
            pool = form.cleaned_data["pool"]
            change = group_licenses_change(
                by=self.actor(), group=group, subscription=pool.subscription, add=[pool.product]
            )
        except (NotFound, PermissionDenied):  # the group gone meanwhile is the 404 page
            raise
        except DomainError as error:
            return self.page(form=form, error=error, status=400)
        if change.added:
            messages.success(request, f"{group.name} now has {pool.product.name} ({pool.subscription.name}).")
        else:
            messages.info(request, f"{group.name} already had {pool.product.name} ({pool.subscription.name}).")
        return redirect(self.licenses_url)


class GroupPoolViewMixin(GroupViewMixin):
    """A page about one pool the group holds (`pool_id` in the URL), within the admin's subscriptions; else 404."""

    @cached_property
    def group_license(self) -> GroupLicense:
        found = group_licenses(group=self.group, actor=self.request.user).filter(pool_id=self.kwargs["pool_id"]).first()
        if found is None:
            raise NotFound("This group does not have that product.")
        return found

    @property
    def pool(self) -> LicensePool:
        return self.group_license.pool

    def get_default_return_url(self) -> str:
        return reverse("licensing:group_licenses", args=[self.group.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(tab="licenses", pool=self.pool, **kwargs)


class GroupLicenseRemoveView(GroupPoolViewMixin, TemplateView):
    """GET: the confirmation, which says how many members lose the license (those with no other source) and how
    many leave the line. POST: remove the product from the group."""

    template_name = "licensing/groups/license_remove.html"

    def get_context_data(self, **kwargs):
        members = group_pools_members(group=self.group, pools=[self.pool])[self.pool.pk]
        return super().get_context_data(members=members, **kwargs)

    def post(self, request, *args, **kwargs):
        pool = self.pool
        try:
            group_licenses_change(
                by=self.actor(), group=self.group, subscription=pool.subscription, remove=[pool.product]
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            return self.render_to_response(self.get_context_data(error=error), status=400)
        messages.success(request, f"Removed {pool.product.name} ({pool.subscription.name}) from {self.group.name}.")
        return redirect(self.get_default_return_url())


class GroupPoolLineView(GroupPoolViewMixin, TemplateView):
    """The pool's line, first come first served: position, member, since when, and why they wait."""

    template_name = "licensing/groups/license_line.html"

    def get_context_data(self, **kwargs):
        page = Paginator(pool_line(self.pool), LINE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            list_url=self.request.path,
            first_position=page.start_index(),
            reason=PENDING_REASONS[pending_reason(self.pool)],
            **kwargs,
        )
