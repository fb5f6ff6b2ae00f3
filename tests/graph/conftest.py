"""Fixtures of the Graph endpoint's tests (the organisation is tests/world.py's `org`): bearer-token clients, the
shape of Graph's error body, and a group that gives its members a license."""

import pytest

from accounts.services.groups import group_create, group_members_change
from core.audit import SYSTEM
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import bearer_client

GRAPH = "/graph/v1.0"


def graph_error(response, status: int, code: str) -> dict:
    """The error of a Graph error response, after checking its status, its code and that the body is exactly
    Graph's shape, with the admin center's own code inside."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "innerError"}, body
    assert error["code"] == code, body
    assert error["message"], body
    assert {"date", "request-id", "code"} <= set(error["innerError"]), body
    return error


@pytest.fixture
def graph_as(org):
    """`graph_as(role)`: a bearer-token client of that role's user in `org` (anonymous: no credentials)."""
    return lambda role: bearer_client(org.users[role])


@pytest.fixture
def graph(graph_as):
    """A Global Administrator's client."""
    return graph_as("global_admin")


@pytest.fixture
def sales(org):
    """An assigned group "Sales team" of Adele and Henrietta, which gives them S's E5."""
    group = group_create(by=SYSTEM, name="Sales team", kind="assigned")
    group_members_change(by=SYSTEM, group=group, add=[org.adele, org.henrietta])
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[org.e5])
    return group
