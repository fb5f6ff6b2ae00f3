from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts.permissions import admin_scope

from .selectors import subscriptions_visible


class AdminRequiredMixin(LoginRequiredMixin):
    """Signed-in users without an admin role see a page that says a role is needed (403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not admin_scope(request.user).is_admin:
            response = TemplateView.as_view(template_name="no_admin_role.html")(request)
            response.status_code = 403
            return response
        return super().dispatch(request, *args, **kwargs)


class HomeView(AdminRequiredMixin, TemplateView):
    """The admin center home: every subscription the admin may see, with availability per product."""

    template_name = "licensing/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscriptions=subscriptions_visible(actor=self.request.user), **kwargs)
