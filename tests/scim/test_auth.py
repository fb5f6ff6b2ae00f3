"""Who may provision: a bearer token of a Global or User Administrator; every change audited with source `scim`
and the token's user as actor."""

import pytest
from django.test import Client

from accounts.services.tokens import api_token_revoke
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from tests.scim.conftest import ScimClient, scim_error_of, token_of, user_body


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(org):
    response = ScimClient(None).get("Users")

    scim_error_of(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'


@pytest.mark.parametrize("header", ["Bearer osat_wrong", "Basic dXNlcjpwYXNz", "Bearer", "bearer  "])
def test_a_wrong_or_malformed_credential_is_401(org, header):
    response = Client(headers={"Authorization": header}).get("/scim/v2/Users")

    scim_error_of(response, 401)


def test_a_session_is_not_enough(org):
    client = Client()
    client.force_login(org.users["global_admin"])

    scim_error_of(client.get("/scim/v2/Users"), 401)


@pytest.mark.parametrize("role", ["subscription_admin", "member"])
def test_a_token_of_an_admin_who_may_not_manage_users_is_403(scim_as, role):
    scim_error_of(scim_as(role).get("Users"), 403)
    scim_error_of(scim_as(role).post("Users", user_body("x@contoso.test")), 403)


@pytest.mark.parametrize("role", ["global_admin", "user_admin"])
def test_global_and_user_administrators_provision(scim_as, role):
    assert scim_as(role).post("Users", user_body("megan@contoso.test")).status_code == 201


def test_a_change_is_audited_with_source_scim_and_the_tokens_user(org, scim_as):
    scim_as("user_admin").post("Users", user_body("megan@contoso.test"))

    event = AuditEvent.objects.get(action="user_created")
    assert (event.source, event.actor_id) == ("scim", org.users["user_admin"].pk)


def test_a_revoked_token_stops_working(org):
    key = token_of(org.users["global_admin"])
    client = ScimClient(key)
    assert client.get("Users").status_code == 200
    api_token_revoke(by=Actor(None, Source.SYSTEM), token=org.users["global_admin"].api_tokens.get())

    scim_error_of(client.get("Users"), 401)
