"""A user's account from the Users section: create, edit, enable or disable, delete (after a confirmation that
lists the licenses and places in lines the deletion frees).

Creating and changing accounts is Global and User Administrators' (accounts.permissions.require_user_management),
the 403 page for others; an admin's account is the Global Administrators' alone (require_users_change), refused up
front with the 403 page that says so. Every change goes through accounts.services.users with source=web; a
refused one is the form's error or a message, with nothing written.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.models import User
from accounts.permissions import require_user_management, require_users_change
from accounts.selectors import user_get, user_roles
from accounts.services.users import user_create, user_delete, user_update
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.forms import UserCreateForm, UserForm, UserStatusForm
from licensing.selectors.sources import users_licenses

from .directory import UsersViewMixin


class _UserManagersOnly:
    """Refuses (403) whoever may not manage users; after AdminViewMixin in a view's bases, so its PermissionDenied
    becomes the 403 page there."""

    def dispatch(self, request, *args, **kwargs):
        require_user_management(request.user)
        return super().dispatch(request, *args, **kwargs)


class UserAccountViewMixin(UsersViewMixin, _UserManagersOnly):
    """A change to one user's account (`user_id` in the URL): NotFound (404) if there is none, the 403 page if the
    reader may not change this account (an admin's, to a User Administrator)."""

    @cached_property
    def subject(self) -> User:
        subject = user_get(actor=self.request.user, user_id=self.kwargs["user_id"])
        require_users_change(self.request.user, admins=[subject] if user_roles(actor=None, user=subject) else [])
        return subject

    def get_default_return_url(self) -> str:
        return reverse("licensing:user_profile", args=[self.subject.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, **kwargs)


def _form_with_error(form, error: DomainError):
    """The service's refusal on the form: on each field it names, else above the fields."""
    fields = error.details.get("fields") if isinstance(error.details.get("fields"), dict) else {}
    named = False
    for name, errors in fields.items():
        if name in form.fields:
            for text in errors if isinstance(errors, list) else [errors]:
                form.add_error(name, str(text))
            named = True
    if not named:
        form.add_error(None, error.message)
    return form


class UserCreateView(UsersViewMixin, _UserManagersOnly, TemplateView):
    template_name = "licensing/users/form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=UserCreateForm()))

    def post(self, request, *args, **kwargs):
        form = UserCreateForm(request.POST)
        if form.is_valid():
            try:
                user = user_create(by=self.actor(), **form.cleaned_data)
            except PermissionDenied:
                raise
            except DomainError as error:
                _form_with_error(form, error)
            else:
                messages.success(request, f"Created {user.label}.")
                return redirect("licensing:user_profile", user.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class UserEditView(UserAccountViewMixin, TemplateView):
    template_name = "licensing/users/form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=UserForm(initial=UserForm.initial_of(self.subject))))

    def post(self, request, *args, **kwargs):
        form = UserForm(request.POST)
        if form.is_valid():
            try:
                user_update(by=self.actor(), user=self.subject, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                _form_with_error(form, error)
            else:
                messages.success(request, f"Saved {self.subject.label}.")
                return redirect(self.get_return_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class UserStatusView(UserAccountViewMixin, TemplateView):
    """POST: enable or disable the account; the outcome is a message on the user's page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = UserStatusForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed("Choose whether to enable or disable the account.")
        enable = form.cleaned_data["is_active"]
        user_update(by=self.actor(), user=self.subject, is_active=enable)
        messages.success(request, f"{'Enabled' if enable else 'Disabled'} {self.subject.label}.")
        return redirect(self.get_return_url())


class UserDeleteView(UserAccountViewMixin, TemplateView):
    """GET: the confirmation, with the licenses the user holds and the lines they wait in (all of them return to
    their pools at once). POST: delete the user."""

    template_name = "licensing/users/delete.html"

    def get_context_data(self, **kwargs):
        licenses = users_licenses(user_ids=[self.subject.pk], actor=self.request.user)[self.subject.pk]
        return super().get_context_data(
            held=[entry for entry in licenses if entry.assignment is not None],
            waiting=[entry for entry in licenses if entry.waiting is not None],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        subject = self.subject
        user_delete(by=self.actor(), user=subject)
        messages.success(request, f"Deleted {subject.label}; their licenses returned to their pools.")
        return redirect("licensing:users")
