"""The OpenAPI 3 schema describes every endpoint and error response; the Swagger UI is served offline; and
schemathesis, as each role, finds no server error, no response outside the schema, no error without the
documented body, and no endpoint that serves anonymous callers or members without an admin role."""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source

OPERATIONS = {
    "/api/v1/subscriptions/": {"get"},
    "/api/v1/subscriptions/{id}/": {"get", "patch"},
    "/api/v1/products/": {"get"},
    "/api/v1/products/{sku}/": {"get"},
    "/api/v1/pools/": {"get"},
    "/api/v1/pools/{id}/": {"get", "patch"},
    "/api/v1/pools/{id}/history/": {"get"},
    "/api/v1/users/": {"get", "post"},
    "/api/v1/users/{id}/": {"get", "patch"},
    "/api/v1/users/{id}/licenses/": {"get", "post", "put"},
    "/api/v1/assignments/": {"get", "post"},
    "/api/v1/assignments/{id}/": {"get", "delete"},
    "/api/v1/audit-events/": {"get"},
    "/api/v1/tokens/": {"get", "post"},
    "/api/v1/tokens/{id}/": {"get", "delete"},
    "/api/v1/groups/": {"get", "post"},
    "/api/v1/groups/{id}/": {"get", "patch", "delete"},
    "/api/v1/groups/{id}/members/": {"get", "post"},
    "/api/v1/groups/{id}/licenses/": {"get", "post"},
}


@pytest.fixture
def openapi(client_as) -> dict:
    response = client_as("global_admin").get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("url", ["/api/v1/schema/", "/api/v1/docs/"])
def test_schema_and_docs_need_an_admin(client_as, url):
    assert APIClient().get(url).status_code == 401
    assert client_as("member").get(url).status_code == 403


def test_schema_describes_every_endpoint(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {path: set(operations) - {"parameters"} for path, operations in openapi["paths"].items()} == OPERATIONS
    assert openapi["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `manage.py create_api_token EMAIL`.",
    }


def test_schema_documents_the_error_responses(openapi):
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "403"):
                assert responses[status]["content"] == error, (method, path, status)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert "400" in responses, (method, path)
    licenses = openapi["paths"]["/api/v1/users/{id}/licenses/"]
    for method in ("post", "put"):
        assert {"400", "404", "409", "412"} <= set(licenses[method]["responses"])
        assert "not_enough_licenses" in licenses[method]["responses"]["409"]["description"]
        assert "license_inherited" in licenses[method]["responses"]["409"]["description"]
        assert [p["name"] for p in licenses[method]["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert "ETag" in licenses["get"]["responses"]["200"]["headers"]
    members = openapi["paths"]["/api/v1/groups/{id}/members/"]
    assert {"400", "404", "412"} <= set(members["post"]["responses"])
    assert [p["name"] for p in members["post"]["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert "ETag" in members["get"]["responses"]["200"]["headers"]
    assert {"limit", "offset"} <= {p["name"] for p in members["get"]["parameters"]}
    group_licenses = openapi["paths"]["/api/v1/groups/{id}/licenses/"]
    assert {"400", "404", "412"} <= set(group_licenses["post"]["responses"])
    assert "409" not in group_licenses["post"]["responses"]  # lacking licenses, members wait: never an error
    assert "product_not_in_subscription" in group_licenses["post"]["responses"]["400"]["description"]
    assert [p["name"] for p in group_licenses["post"]["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert "ETag" in group_licenses["get"]["responses"]["200"]["headers"]
    unassign = openapi["paths"]["/api/v1/assignments/{id}/"]["delete"]
    assert "license_inherited" in unassign["responses"]["409"]["description"]
    assert (
        "quantity_below_assigned" in openapi["paths"]["/api/v1/pools/{id}/"]["patch"]["responses"]["409"]["description"]
    )
    subscription_patch = openapi["paths"]["/api/v1/subscriptions/{id}/"]["patch"]
    assert "status_change_not_allowed" in subscription_patch["responses"]["409"]["description"]
    assert openapi["components"]["schemas"]["StatusEnum"]["enum"] == ["active", "warning", "suspended", "expired"]
    users_list = openapi["paths"]["/api/v1/users/"]["get"]
    assert {p["name"] for p in users_list["parameters"]} >= {
        "q",
        "department",
        "is_active",
        "subscription",
        "product",
        "licensed",
        "limit",
        "offset",
    }
    assert "404" in users_list["responses"]


def test_swagger_ui_is_served_from_this_server(client_as):
    client = client_as("global_admin")
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


@pytest.fixture
def api_schema(org, settings, global_admin_headers):
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client calls the app as http://localhost
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), headers=global_admin_headers)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def headers_of(org, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    _, key = api_token_create(user=org.users[role], name="schemathesis", by=Actor(None, Source.SYSTEM))
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def global_admin_headers(org) -> dict[str, str]:
    return headers_of(org, "global_admin")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Callers without an admin role are turned away before their input is even read.
REFUSED = {"anonymous": 401, "member": 403}


def assert_error_body(response) -> None:
    if 400 <= response.status_code < 500:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details"}, error
        assert isinstance(error["code"], str) and error["message"], error


# schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) fails on pytest 9 (it reads
# `Function._nodeid`), so each operation's strategy runs under a plain Hypothesis test instead.
@pytest.mark.parametrize("role", ["global_admin", "subscription_admin", "user_admin", "member", "anonymous"])
@pytest.mark.parametrize(
    ("method", "path"), [(method, path) for path, methods in OPERATIONS.items() for method in sorted(methods)]
)
def test_api_conforms_to_its_schema(api_schema, org, role, method, path):
    headers = headers_of(org, role)
    operation = api_schema[path][method.upper()]
    strategy = hypothesis.strategies.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=5 if role in REFUSED else 15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        assert_error_body(response)
        # A path that matches no endpoint at all (e.g. /users/1.5/) is 404 for everyone, and reveals nothing.
        unknown_path = response.status_code == 404 and response.json()["error"]["message"].startswith("No API endpoint")
        if role in REFUSED and not unknown_path:
            assert response.status_code == REFUSED[role], (case.method, case.formatted_path, response.status_code)

    run()
