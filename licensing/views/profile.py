"""A user's profile: their licenses across the subscriptions the admin may see."""

from django.views.generic import TemplateView

from accounts.selectors import user_get
from licensing.selectors.assignments import user_licenses
from licensing.selectors.sources import LicenseSources, PoolLicense, license_sources, user_pending_licenses
from licensing.selectors.subscriptions import subscriptions_visible

from .mixins import AdminViewMixin


class UserProfileView(AdminViewMixin, TemplateView):
    """A user's profile: the licenses they hold or wait for in every subscription the admin may see, where each
    comes from, when and by whom assigned."""

    template_name = "licensing/user_profile.html"

    def get_context_data(self, **kwargs):
        subject = user_get(actor=self.request.user, user_id=self.kwargs["user_id"])
        assignments = list(user_licenses(user=subject, actor=self.request.user))
        waits = list(user_pending_licenses(user=subject, actor=self.request.user))
        rows = [(assignment.pool, assignment) for assignment in assignments] + [(wait.pool, None) for wait in waits]
        rows.sort(key=lambda row: (row[0].subscription.name, row[0].product.name))
        sources = license_sources(user_ids=[subject.pk], pools=[pool for pool, _ in rows])
        licenses = [
            {
                "license": PoolLicense(pool=pool, sources=sources.get((subject.pk, pool.pk), LicenseSources())),
                "assignment": assignment,  # None for a license the user waits for
            }
            for pool, assignment in rows
        ]
        held_in = {pool.subscription_id for pool, _ in rows}
        return super().get_context_data(
            subject=subject,
            licenses=licenses,
            held_count=len(assignments),
            waiting_count=len(waits),
            other_subscriptions=subscriptions_visible(actor=self.request.user)
            .prefetch_related(None)
            .exclude(pk__in=held_in),
            **kwargs,
        )
