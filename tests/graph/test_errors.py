"""Graph's error body for every refusal, and hostile input never a 5xx."""

import pytest

from tests.api.conftest import bearer_client

from .conftest import GRAPH, graph_error


def test_no_token_or_a_bad_one_is_invalid_authentication_token(org, client):
    response = client.get(f"{GRAPH}/users")
    graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    graph_error(
        client.get(f"{GRAPH}/users", headers={"Authorization": "Bearer nope"}), 401, "InvalidAuthenticationToken"
    )


def test_a_signed_in_session_is_not_a_token(org, client):
    client.force_login(org.users["global_admin"])
    graph_error(client.get(f"{GRAPH}/me"), 401, "InvalidAuthenticationToken")


def test_a_user_without_an_admin_role_is_denied(org, graph_as):
    error = graph_error(graph_as("member").get(f"{GRAPH}/users"), 403, "Authorization_RequestDenied")
    assert error["innerError"]["code"] == "permission_denied"


def test_unknown_paths_and_trailing_slashes_are_not_found_without_a_redirect(graph):
    graph_error(graph.get(f"{GRAPH}/users/"), 404, "Request_ResourceNotFound")
    graph_error(graph.get(f"{GRAPH}/subscribedSkus/"), 404, "Request_ResourceNotFound")
    graph_error(graph.get(f"{GRAPH}/devices"), 404, "Request_ResourceNotFound")


def test_a_wrong_method_is_a_405_in_graphs_body(org, graph):
    graph_error(graph.get(f"{GRAPH}/users/{org.adele.public_id}/assignLicense"), 405, "Request_BadRequest")
    graph_error(graph.delete(f"{GRAPH}/users/{org.adele.public_id}"), 405, "Request_BadRequest")


def test_the_client_request_id_comes_back(org, graph):
    response = graph.get(f"{GRAPH}/users/nobody", headers={"client-request-id": "abc-123"})
    error = graph_error(response, 404, "Request_ResourceNotFound")
    assert error["innerError"]["client-request-id"] == "abc-123"
    assert response.headers["request-id"] == error["innerError"]["request-id"]


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b"null", b'"x"', b"[" * 100 + b"]" * 100, b'{"addLicenses": [' + b"{}," * 5000 + b"{}]}"],
)
def test_hostile_bodies_are_a_400(org, body):
    graph = bearer_client(org.users["global_admin"])
    response = graph.post(f"{GRAPH}/users/{org.adele.public_id}/assignLicense", body, content_type="application/json")
    assert response.status_code in (400, 413), response.content[:300]
    assert response.json()["error"]["code"] == "Request_BadRequest"


@pytest.mark.parametrize(
    "path",
    [
        "/users/%00",
        "/users/" + "a" * 5000,
        "/users/x%2Fy/licenseDetails",
        "/groups/%ff",
        "/users?$top=99999999999999999999",
        "/users?$skiptoken=99999999999999999999",
        "/users?$filter=" + "(" * 500 + "true" + ")" * 500,
        "/users?$filter=department eq 'a%00b'",
        "/users?$select=id%00",
    ],
)
def test_hostile_paths_and_queries_are_never_a_5xx(org, path):
    response = bearer_client(org.users["global_admin"]).get(GRAPH + path)
    assert response.status_code < 500, response.content[:300]
    assert "error" in response.json()
