"""API tokens (hashed, named, revocable, expiring, created by `create_api_token`) and session authentication."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.tokens import api_token_authenticate, api_token_create
from core.audit import Actor
from core.choices import Source
from tests.api.conftest import bearer_client, error_of
from tests.factories import PASSWORD


def run_command(*args) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("create_api_token", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), err.getvalue(), code


def test_create_api_token_prints_a_working_token_once_and_stores_only_its_hash(org):
    out, err, code = run_command("GLORIA.ADMIN@contoso.test", "--name", "provisioning")
    assert code == 0
    key = out.strip()
    token = ApiToken.objects.get(name="provisioning")
    assert token.user == org.users["global_admin"]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix} and key.startswith(token.prefix)
    assert token.prefix in err and key not in err
    assert token.expires_at is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/subscriptions/").status_code == 200


def test_create_api_token_with_expiry(org):
    out, _, code = run_command("gloria.admin@contoso.test", "--expires-in-days", "30")
    assert code == 0
    token = ApiToken.objects.get()
    assert token.name == "command line"
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs(token.expires_at - expected) < datetime.timedelta(minutes=1)


def test_create_api_token_for_an_unknown_user_fails(org):
    out, err, code = run_command("nobody@contoso.example")
    assert (out, code) == ("", 1)
    assert "not_found" in err
    assert not ApiToken.objects.exists()


def test_create_api_token_as_an_admin_only_for_themselves(org):
    _, err, code = run_command("adele.vance@contoso.test", "--as", "gloria.admin@contoso.test")
    assert code == 1
    assert "permission_denied" in err
    _, _, code = run_command("gloria.admin@contoso.test", "--as", "gloria.admin@contoso.test")
    assert code == 0


def test_tokens_have_distinct_secrets(org):
    keys = {api_token_create(user=org.adele, name=f"t{n}", by=Actor(None, Source.SYSTEM))[1] for n in range(5)}
    assert len(keys) == 5


def test_last_use_is_recorded_at_most_once_a_minute(org):
    token, key = api_token_create(user=org.adele, name="t", by=Actor(None, Source.SYSTEM))
    first = api_token_authenticate(key=key).last_used_at
    assert first is not None
    assert api_token_authenticate(key=key).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    assert api_token_authenticate(key=key).last_used_at > first - datetime.timedelta(minutes=2)


def test_token_endpoint_returns_the_secret_only_on_creation(org):
    client = bearer_client(org.users["global_admin"])
    response = client.post("/api/v1/tokens/", {"name": "deploy", "expires_at": None}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["key"].startswith(created["prefix"])
    listed = client.get(f"/api/v1/tokens/{created['id']}/").json()
    assert "key" not in listed
    assert bearer_client(None).get("/api/v1/tokens/").status_code == 401
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert new_client.get("/api/v1/tokens/").status_code == 200


def test_token_endpoint_revokes(org):
    client = bearer_client(org.users["global_admin"])
    created = client.post("/api/v1/tokens/", {"name": "deploy"}, format="json").json()
    assert client.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204
    assert client.get(f"/api/v1/tokens/{created['id']}/").json()["revoked_at"]
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert revoked.get("/api/v1/tokens/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": " "}, "name"), ({"name": "x", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at")],
)
def test_token_endpoint_validates(org, body, field):
    response = bearer_client(org.users["global_admin"]).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["details"]["fields"]


@pytest.fixture
def session_client(org):
    """A signed-in browser session of the Global Administrator, with CSRF checks on as in a real browser."""
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="gloria.admin@contoso.test", password=PASSWORD)
    return client


def test_session_authentication_reads(session_client):
    assert session_client.get("/api/v1/subscriptions/").status_code == 200


def test_session_authentication_writes_need_the_csrf_token(org, session_client):
    body = {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}
    url = f"/api/v1/users/{org.adele.pk}/licenses/"
    response = session_client.post(url, body, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert "CSRF" in error_of(response)["message"]
    session_client.get("/")  # sets the CSRF cookie, as any page with a form does
    token = session_client.cookies["csrftoken"].value
    assert session_client.post(url, body, format="json", HTTP_X_CSRFTOKEN=token).status_code == 200
