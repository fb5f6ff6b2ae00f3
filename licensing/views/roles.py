"""Roles: who holds which admin role, with each Subscription Administrator's scope; Global Administrators grant
and revoke them through accounts.services.roles (the last active Global Administrator stays: the refusal is the
page's message). Every admin reads the page, a Subscription Administrator only the scoped roles of their own
subscriptions (accounts.selectors.roles_visible)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.permissions import admin_scope, require_role_management
from accounts.selectors import roles_visible
from accounts.services.roles import role_grant, role_revoke
from core.audit import Actor
from core.choices import Source
from core.errors import PermissionDenied, ValidationFailed
from licensing.forms import RoleGrantForm, RoleRevokeForm
from licensing.selectors.subscriptions import subscriptions_visible

from .mixins import AdminViewMixin


class RolesViewMixin(AdminViewMixin):
    def get_default_return_url(self) -> str:
        return reverse("licensing:roles")

    def get_context_data(self, **kwargs):
        return super().get_context_data(top_section="roles", **kwargs)


class RolesView(RolesViewMixin, TemplateView):
    """GET: the roles held and, for Global Administrators, the grant form. POST: grant a role."""

    template_name = "licensing/roles.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(RoleGrantForm())

    def post(self, request, *args, **kwargs):
        require_role_management(request.user)
        form = RoleGrantForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        user, role, subscription = (form.cleaned_data[name] for name in ("email", "role", "subscription"))
        role_grant(by=Actor(request.user, Source.WEB), user=user, role=role, subscription=subscription)
        scope = f" of {subscription.name}" if subscription else ""
        messages.success(request, f"{user.get_full_name()} is now {Role(role).label}{scope}.")
        return redirect(self.get_default_return_url())

    def render_page(self, form: RoleGrantForm, status: int = 200):
        can_manage = admin_scope(self.request.user).can_manage_roles
        if can_manage:
            form.fields["subscription"].queryset = subscriptions_visible(actor=self.request.user).prefetch_related(None)
        context = self.get_context_data(
            roles=roles_visible(actor=self.request.user), form=form if can_manage else None, can_manage=can_manage
        )
        return self.render_to_response(context, status=status)


class RoleRevokeView(RolesViewMixin, TemplateView):
    """POST: revoke one role held (Global Administrators only)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        require_role_management(request.user)
        form = RoleRevokeForm(request.POST, roles=roles_visible(actor=request.user))
        if not form.is_valid():
            raise ValidationFailed(" ".join(form.errors["role"]))
        held = form.cleaned_data["role"]
        try:
            role_revoke(
                by=Actor(request.user, Source.WEB), user=held.user, role=held.role, subscription=held.subscription
            )
        except PermissionDenied as refusal:  # the last active Global Administrator: the page says why, not a 403
            messages.error(request, refusal.message)
            return redirect(self.get_default_return_url())
        scope = f" of {held.subscription.name}" if held.subscription else ""
        messages.success(request, f"{held.user.get_full_name()} is no longer {held.get_role_display()}{scope}.")
        return redirect(self.get_default_return_url())
