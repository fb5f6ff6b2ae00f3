"""Fixtures of the SCIM tests (the organisation is tests/world.py's `org`): clients that send a bearer token of an
admin of each role and SCIM's media type, and the shape of SCIM's Error body."""

import json

import pytest
from django.test import Client

from accounts.models import User
from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source

SCIM_TYPE = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def token_of(user: User) -> str:
    _, key = api_token_create(user=user, name="Entra ID provisioning", by=Actor(None, Source.SYSTEM))
    return key


class ScimClient:
    """Django's test client with a bearer token, sending JSON bodies as application/scim+json."""

    def __init__(self, key: str | None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = Client(headers=headers)

    def get(self, path: str, **params):
        return self.client.get(f"/scim/v2/{path}", params)

    def post(self, path: str, body: dict, **headers):
        return self.client.post(f"/scim/v2/{path}", json.dumps(body), content_type=SCIM_TYPE, headers=headers)

    def put(self, path: str, body: dict, **headers):
        return self.client.put(f"/scim/v2/{path}", json.dumps(body), content_type=SCIM_TYPE, headers=headers)

    def patch(self, path: str, *operations: dict, **headers):
        body = {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        return self.client.patch(f"/scim/v2/{path}", json.dumps(body), content_type=SCIM_TYPE, headers=headers)

    def delete(self, path: str, **headers):
        return self.client.delete(f"/scim/v2/{path}", headers=headers)


def scim_error_of(response, status: int, scim_type: str | None = None) -> dict:
    """The SCIM Error body of a response, after checking its status, media type and shape (RFC 7644 §3.12)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM_TYPE
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], body
    assert body["status"] == str(status), body
    assert body.get("scimType") == scim_type, body
    assert body["detail"], body
    return body


def user_body(user_name: str, **attributes) -> dict:
    return {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}


@pytest.fixture
def scim(org) -> ScimClient:
    """A client of the Global Administrator's SCIM token."""
    return ScimClient(token_of(org.users["global_admin"]))


@pytest.fixture
def scim_as(org):
    """`scim_as(role)`: a client of that role's user in `org` (anonymous: no token)."""
    return lambda role: ScimClient(token_of(org.users[role]) if org.users[role] else None)
