"""API tokens: an admin's own tokens, created (the secret shown once), listed with last use and expiry, revoked."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services.tokens import api_token_authenticate, api_token_create
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.web.conftest import client_for, messages_of
from tests.world import Org

TOKENS_URL = reverse("licensing:api_tokens")


def token_new(user, name: str = "nightly report", expires_at=None) -> tuple[ApiToken, str]:
    return api_token_create(by=Actor(None, Source.CLI), user=user, name=name, expires_at=expires_at)


def row_of(html: str, token: ApiToken) -> str:
    row = html[html.index(f'id="token-{token.pk}"') :]
    return row[: row.index("</tr>")]


@pytest.mark.parametrize("user_key", ["global_admin", "user_admin", "subscription_admin"])
def test_create_a_token_shows_its_secret_once(org: Org, user_key):
    admin = org.users[user_key]
    client = client_for(admin)

    response = client.post(TOKENS_URL, {"name": "Entra provisioning", "expires_in": "90"})

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    token = ApiToken.objects.get(user=admin)
    secret = response.context["secret"]
    html = response.content.decode()
    assert f'<code id="token-secret" class="secret">{secret}</code>' in html
    assert 'data-copy="token-secret"' in html and "js/copy.js" in html
    assert api_token_authenticate(key=secret) == token
    expected_expiry = timezone.now() + datetime.timedelta(days=90)
    assert abs(token.expires_at - expected_expiry) < datetime.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED, subject_user=admin).count() == 1
    assert secret not in client.get(TOKENS_URL).content.decode()  # shown once


def test_a_token_without_expiry(org: Org):
    client_for(org.users["global_admin"]).post(TOKENS_URL, {"name": "break glass", "expires_in": "never"})

    assert ApiToken.objects.get(name="break glass").expires_at is None


@pytest.mark.parametrize(
    ("data", "error"),
    [({"name": "", "expires_in": "30"}, "Give the token a name."), ({"name": "x", "expires_in": "7"}, "valid choice")],
)
def test_an_invalid_token_is_the_form_with_its_error(org: Org, data, error):
    response = client_for(org.users["global_admin"]).post(TOKENS_URL, data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_your_tokens_with_last_use_and_expiry(org: Org):
    admin = org.users["user_admin"]
    used, secret = token_new(admin, "used", expires_at=timezone.now() + datetime.timedelta(days=30))
    api_token_authenticate(key=secret)
    unused, _ = token_new(admin, "unused")
    token_new(org.users["global_admin"], "someone else's")

    response = client_for(admin).get(TOKENS_URL)

    rows = [token.name for token in response.context["tokens"]]
    assert rows == ["unused", "used"]
    html = response.content.decode()
    assert row_of(html, used).count("<time") == 3 and "Never" not in row_of(html, used)  # created, used, expires
    assert row_of(html, unused).count("<td>Never</td>") == 2  # never used, never expires
    assert f"<code>{used.prefix}…</code>" in html
    assert "someone else" not in html


def test_revoke_your_token(org: Org):
    admin = org.users["global_admin"]
    token, secret = token_new(admin)

    response = client_for(admin).post(reverse("licensing:api_token_revoke", args=[token.pk]), follow=True)

    assert messages_of(response) == ["Revoked the API token nightly report: it no longer signs anything in."]
    assert api_token_authenticate(key=secret) is None
    assert "Revoked " in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_another_admins_token_does_not_exist_for_you(org: Org):
    token, secret = token_new(org.users["global_admin"])

    response = client_for(org.users["user_admin"]).post(reverse("licensing:api_token_revoke", args=[token.pk]))

    assert response.status_code == 404
    assert api_token_authenticate(key=secret) == token


def test_a_member_has_no_tokens_page(org: Org):
    assert client_for(org.users["member"]).get(TOKENS_URL).status_code == 403


def test_the_top_bar_links_to_the_tokens_page(org: Org):
    html = client_for(org.users["subscription_admin"]).get(reverse("licensing:home")).content.decode()

    assert f'href="{TOKENS_URL}">API tokens</a>' in html
