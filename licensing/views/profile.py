"""A user's page (Users section): their details, their licenses across the subscriptions the admin may see, their
groups, their admin roles and their recent audit events, with the account's actions the reader may take."""

from django.views.generic import TemplateView

from accounts.permissions import admin_scope
from accounts.selectors import user_get, user_groups, user_roles
from licensing.selectors.assignments import user_licenses
from licensing.selectors.audit import audit_events_visible
from licensing.selectors.sources import LicenseSources, PoolLicense, license_sources, user_pending_licenses
from licensing.selectors.subscriptions import subscriptions_visible

from .directory import UsersViewMixin

RECENT_EVENTS = 10


class UserProfileView(UsersViewMixin, TemplateView):
    """A user's page: the licenses they hold or wait for in every subscription the admin may see, where each
    comes from, when and by whom assigned; their groups, roles and last audit events."""

    template_name = "licensing/user_profile.html"

    def get_context_data(self, **kwargs):
        reader = self.request.user
        subject = user_get(actor=reader, user_id=self.kwargs["user_id"])
        assignments = list(user_licenses(user=subject, actor=reader))
        waits = list(user_pending_licenses(user=subject, actor=reader))
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
        scope = admin_scope(reader)
        roles = user_roles(actor=reader, user=subject)
        return super().get_context_data(
            subject=subject,
            licenses=licenses,
            held_count=len(assignments),
            waiting_count=len(waits),
            other_subscriptions=subscriptions_visible(actor=reader).prefetch_related(None).exclude(pk__in=held_in),
            groups=user_groups(actor=reader, user=subject),
            roles=[role for role in roles if _visible_role(scope, role)],
            may_change=scope.can_change_user(holds_admin_role=bool(roles)),
            is_self=subject.pk == reader.pk,
            events=audit_events_visible(actor=reader)
            .filter(subject_user=subject)
            .select_related("product", "subscription", "actor")
            .order_by("-occurred_at", "-id")[:RECENT_EVENTS],
            **kwargs,
        )


def _visible_role(scope, role) -> bool:
    """Outside a Subscription Administrator's scope a subscription does not exist, nor the role that names it."""
    return role.subscription_id is None or scope.can_view_subscription(role.subscription_id)
