"""A user's profile: their licenses across the subscriptions the admin may see."""

from django.views.generic import TemplateView

from accounts.selectors import user_get
from licensing.selectors.assignments import user_licenses
from licensing.selectors.subscriptions import subscriptions_visible

from .mixins import AdminViewMixin


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
