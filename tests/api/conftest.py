"""Fixtures of the REST API tests (the organisation is tests/world.py's `org`): API clients that authenticate with
real bearer tokens, and the documented shape of an error."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source


def bearer_client(user: User | None) -> APIClient:
    """A client that sends `Authorization: Bearer <a new token of user>`; anonymous for None."""
    client = APIClient()
    if user is not None:
        _, key = api_token_create(user=user, name="tests", by=Actor(None, Source.SYSTEM))
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def error_of(response) -> dict:
    """The error of an error response, after checking the body has exactly the documented shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    assert isinstance(body["error"]["details"], dict), body
    return body["error"]


@pytest.fixture
def client_as(org):
    """`client_as(role)`: a bearer-token client of that role's user in `org` (anonymous: no credentials)."""
    return lambda role: bearer_client(org.users[role])
