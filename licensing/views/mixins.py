"""What every page shares: the admin check and the one place domain errors become responses (AdminViewMixin), and
the subscription a page is about (SubscriptionViewMixin)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.permissions import admin_scope
from core.errors import DomainError, NotFound, PermissionDenied
from licensing.selectors.subscriptions import subscription_get


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


class SubscriptionViewMixin(AdminViewMixin):
    """A page of one subscription's settings, with the left menu; `section` marks the current menu entry."""

    section = ""
    # Whether the page needs the subscription's pools read with it (subscription_get(with_pools=)), and the groups
    # that hold each pool (with_groups=).
    with_pools = True
    pools_with_groups = False

    @cached_property
    def subscription(self):
        return subscription_get(
            actor=self.request.user,
            subscription_id=self.kwargs["subscription_id"],
            with_groups=self.pools_with_groups,
            with_pools=self.with_pools,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscription=self.subscription, section=self.section, **kwargs)

    def product_choices(self) -> list[tuple[str, str]]:
        """The options of a product filter: (part number, name) of the subscription's products."""
        return [(pool.product.sku_part_number, pool.product.name) for pool in self.subscription.pools.all()]

    @property
    def users_url(self) -> str:
        return reverse("licensing:subscription_users", args=[self.kwargs["subscription_id"]])  # asks no query
