"""The OpenAPI 3 schema describes every endpoint and error response; the Swagger UI is served offline; and
schemathesis, as a Global Administrator, finds no server error and no response outside the schema."""

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

from accounts.services import api_token_create

OPERATIONS = {
    "/api/v1/subscriptions/": {"get"},
    "/api/v1/subscriptions/{id}/": {"get"},
    "/api/v1/products/": {"get"},
    "/api/v1/products/{sku}/": {"get"},
    "/api/v1/pools/": {"get"},
    "/api/v1/pools/{id}/": {"get", "patch"},
    "/api/v1/users/": {"get", "post"},
    "/api/v1/users/{id}/": {"get", "patch"},
    "/api/v1/users/{id}/licenses/": {"get", "post", "put"},
    "/api/v1/assignments/": {"get", "post"},
    "/api/v1/assignments/{id}/": {"get", "delete"},
    "/api/v1/audit-events/": {"get"},
    "/api/v1/tokens/": {"get", "post"},
    "/api/v1/tokens/{id}/": {"get", "delete"},
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
        assert [p["name"] for p in licenses[method]["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert "ETag" in licenses["get"]["responses"]["200"]["headers"]
    assert (
        "quantity_below_assigned" in openapi["paths"]["/api/v1/pools/{id}/"]["patch"]["responses"]["409"]["description"]
    )
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
def api_schema(world, settings, global_admin_headers):
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client calls the app as http://localhost
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), headers=global_admin_headers)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def global_admin_headers(world) -> dict[str, str]:
    _, key = api_token_create(actor=None, user=world.users["global_admin"], name="schemathesis")
    return {"Authorization": f"Bearer {key}"}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) fails on pytest 9 (it reads
# `Function._nodeid`), so each operation's strategy runs under a plain Hypothesis test instead.
@pytest.mark.parametrize(
    ("method", "path"), [(method, path) for path, methods in OPERATIONS.items() for method in sorted(methods)]
)
def test_api_conforms_to_its_schema(api_schema, global_admin_headers, method, path):
    operation = api_schema[path][method.upper()]
    strategy = hypothesis.strategies.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=global_admin_headers, checks=CHECKS)

    run()
