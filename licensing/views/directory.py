"""Users (the top menu's entry): every user of the organisation with the licenses they hold or wait for in the
subscriptions the reader may see; search, filters, sorting, pages; and bulk actions on the rows ticked or on every
user the filters match ("Select all N users that match", the filters re-applied on the server).

Every admin reads the list. Bulk actions go through the services, which refuse what the reader's role does not
allow (accounts.permissions): a Subscription Administrator may assign and unassign in their subscription only, and
gets the 403 page for disabling or adding to groups.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.choices import GroupKind
from accounts.models import Group, User
from accounts.permissions import (
    admin_scope,
    require_group_management,
    require_license_management,
    require_user_management,
)
from accounts.selectors import departments_list, groups_visible
from accounts.services.groups import group_members_change
from accounts.services.users import users_disable
from core.audit import Actor
from core.choices import Source
from core.errors import ValidationFailed
from licensing.filtersets import DirectoryUserFilterSet
from licensing.forms import UsersBulkForm
from licensing.models import LicensePool
from licensing.selectors.assignments import bulk_assign_preview
from licensing.selectors.sources import users_with_subscription_licenses
from licensing.selectors.subscriptions import pools_visible
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign

from .lists import COUNT_AHEAD, FilteredListView, ListTotalMixin
from .mixins import AdminViewMixin


class UsersViewMixin(AdminViewMixin):
    """A page of the Users section: marks its entry of the top menu."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(top_section="users", **kwargs)

    def actor(self) -> Actor:
        return Actor(self.request.user, Source.WEB)


class UserDirectoryView(UsersViewMixin, FilteredListView):
    """Every user, each with their licenses in every subscription the reader may see. A page costs the same number
    of queries whatever the page size and the organisation (tests/web/test_user_directory.py)."""

    template_name = "licensing/users/list.html"
    results_template_name = "licensing/users/partials/results.html"
    results_target = "directory-results"
    filterset_class = DirectoryUserFilterSet
    fixed_filters = ("subscription", "source")  # about one subscription: the subscription's Users page has them
    filter_id_prefix = "users-filter-"
    sort_columns = (("Name", "name"), ("Email", "email"), ("Department", "department"), ("Created", "created"))
    default_sort = "name"
    per_page_choices = (10, 50, 100)
    count_ahead = COUNT_AHEAD
    total_url_name = "licensing:users_total"

    def get_queryset(self):
        return User.objects.all()

    def get_filterset_kwargs(self) -> dict:
        return {"request": self.request, "pools": self.pools}

    def offer_choices(self, filterset) -> None:
        filterset.offer_choices("product", self.product_choices)
        filterset.offer_choices("group", lambda: [(str(group.pk), group.name) for group in self.groups])
        filterset.offer_choices("department", lambda: [(name, name) for name in departments_list()])

    @cached_property
    def pools(self) -> list[LicensePool]:
        return list(pools_visible(actor=self.request.user))

    @cached_property
    def groups(self) -> list[Group]:
        return list(groups_visible(actor=self.request.user).order_by("name"))

    def product_choices(self) -> list[tuple[str, str]]:
        products = {pool.product.sku_part_number: pool.product.name for pool in self.pools}
        return sorted(products.items(), key=lambda item: item[1])

    def rows_of(self, page_rows) -> list:
        return users_with_subscription_licenses(users=page_rows, pools=self.pools)

    def get_context_data(self, **kwargs):
        scope = admin_scope(self.request.user)
        return super().get_context_data(
            can_manage_users=scope.can_manage_users,
            assigned_groups=[group for group in self.groups if group.kind == GroupKind.ASSIGNED]
            if scope.can_manage_groups
            else [],
            bulk_pools=[pool for pool in self.pools if scope.can_assign_licenses(pool.subscription_id)],
            return_to=self.request.get_full_path(),
            **kwargs,
        )


class UserDirectoryTotalView(ListTotalMixin, UserDirectoryView):
    """The exact number of users the list's filters match (fetched by the list page when it counted part way)."""


class UsersBulkView(UsersViewMixin, TemplateView):
    """POST: a bulk action on the users ticked on the list, or on every user its filters match. First the
    confirmation (what will happen, to how many, for an assignment whether there are enough licenses); confirmed,
    the change, all or nothing, then the list again with a message. A refusal (a role rule, too few licenses) is
    the message, with nothing changed."""

    http_method_names = ["post"]
    template_name = "licensing/users/bulk_confirm.html"
    names_shown = 20  # the confirmation names this many of the users; the count says how many in all

    def get_default_return_url(self) -> str:
        return reverse("licensing:users")

    def post(self, request, *args, **kwargs):
        form = UsersBulkForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(" ".join(error for errors in form.errors.values() for error in errors))
        data = form.cleaned_data
        self.require_allowed(data)
        users = self.selected_users(data)
        if not data["confirmed"]:
            pool = data["pool"]
            assigning = data["action"] == UsersBulkForm.ASSIGN
            preview = bulk_assign_preview(pool=pool, users=users) if assigning else None
            count = preview.matched if preview else users.count()
            shown = users.order_by("display_name", "email", "pk")
            # Ticked rows are named in full (a page at most); every match, only the first few.
            shown = list(shown[: self.names_shown] if data["all_matching"] else shown)
            return self.render_to_response(
                self.get_context_data(
                    action=data["action"],
                    action_label=dict(form.fields["action"].choices)[data["action"]],
                    users=shown,
                    count=count,
                    more=count - len(shown),
                    preview=preview,
                    all_matching=data["all_matching"],
                    query=data["query"],
                    group=data["group"],
                    pool=pool,
                    next=self.get_return_url(),
                )
            )
        messages.success(request, self.apply(data, users))
        return redirect(self.get_return_url())

    def selected_users(self, data: dict):
        """The users ticked, or every user the list's filters match (re-applied here, with the reader's scope)."""
        if data["all_matching"]:
            return UserDirectoryView.rows_matching(self.request, data["query"])
        return data["users"]

    def require_allowed(self, data: dict) -> None:
        """Refuse before the confirmation what the services would refuse anyway for the reader's role."""
        user = self.request.user
        if data["action"] == UsersBulkForm.DISABLE:
            require_user_management(user)
        elif data["action"] == UsersBulkForm.ADD_TO_GROUP:
            require_group_management(user)
        else:
            require_license_management(user, data["pool"].subscription_id)  # 404 outside the reader's scope

    def apply(self, data: dict, users) -> str:
        """Make the change; the message saying what changed."""
        action, by = data["action"], self.actor()
        if action == UsersBulkForm.DISABLE:
            disabled = users_disable(users=list(users), by=by)
            return f"Disabled {_count(disabled, 'user')}."
        if action == UsersBulkForm.ADD_TO_GROUP:
            change = group_members_change(group=data["group"], add=list(users), by=by)
            return f"Added {_count(len(change.added), 'user')} to {data['group'].name}."
        pool = data["pool"]
        bulk = licenses_bulk_assign if action == UsersBulkForm.ASSIGN else licenses_bulk_unassign
        result = bulk(subscription=pool.subscription, product=pool.product, users=users, by=by)
        verb = "Assigned" if action == UsersBulkForm.ASSIGN else "Unassigned"
        return f"{verb} {pool.product} in {pool.subscription} for {_count(result.changed, 'user')}."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
