"""API tokens: the signed-in admin's own tokens, created (the secret shown once, in the response to the POST that
made it, never stored or shown again), listed with last use and expiry, and revoked, through
accounts.services.tokens."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.selectors import api_tokens_of
from accounts.services.tokens import api_token_create, api_token_revoke
from core.audit import Actor
from core.choices import Source
from core.errors import NotFound
from licensing.forms import ApiTokenForm

from .mixins import AdminViewMixin


class ApiTokensViewMixin(AdminViewMixin):
    def get_default_return_url(self) -> str:
        return reverse("licensing:api_tokens")


@method_decorator(never_cache, name="dispatch")  # the page that shows a new secret is kept by no cache
class ApiTokensView(ApiTokensViewMixin, TemplateView):
    """GET: the admin's tokens and the form for a new one. POST: create one and show its secret, once."""

    template_name = "licensing/api_tokens.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(ApiTokenForm())

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        token, secret = api_token_create(
            by=Actor(request.user, Source.WEB),
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
        return self.render_page(ApiTokenForm(), created=token, secret=secret)

    def render_page(self, form: ApiTokenForm, status: int = 200, **kwargs):
        context = self.get_context_data(form=form, tokens=api_tokens_of(user=self.request.user), **kwargs)
        return self.render_to_response(context, status=status)


class ApiTokenRevokeView(ApiTokensViewMixin, TemplateView):
    """POST: revoke one of the admin's own tokens; another user's token does not exist here."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = api_tokens_of(user=request.user).filter(pk=kwargs["token_id"]).first()
        if token is None:
            raise NotFound("API token not found.")
        api_token_revoke(by=Actor(request.user, Source.WEB), token=token)
        messages.success(request, f"Revoked the API token {token.name}: it no longer signs anything in.")
        return redirect(self.get_default_return_url())
