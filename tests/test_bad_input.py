"""Hostile and malformed input, through the API and through the web forms: NUL bytes, very long strings,
unicode, negative and huge numbers, wrong types. Every one is refused with a 4xx (the API with its error body)
or a form error, never a server error, and changes nothing."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.urls import reverse
from rest_framework import parsers
from rest_framework.test import APIClient

from accounts.models import User
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool, Subscription
from officeseries.api.exceptions import exception_handler

NUL = "bad\x00value"
LONG = "x" * 10_000
HUGE = 10**30
BAD_STRINGS = [NUL, LONG, "\u202e\ufeff", "💥" * 300]
BAD_NUMBERS = [-1, HUGE, -HUGE, 1.5, "12abc", True, None, [], {}, NUL, LONG]


def state() -> tuple:
    return (
        list(LicensePool.objects.order_by("pk").values_list("quantity", "assigned")),
        list(Subscription.objects.order_by("pk").values_list("status", "ends_on")),
        LicenseAssignment.objects.count(),
        AuditEvent.objects.count(),
        User.objects.count(),
        list(User.objects.order_by("pk").values_list("display_name", "job_title", "usage_location")),
    )


@pytest.fixture
def api(org):
    client = APIClient()
    client.force_login(org.users["global_admin"])
    return client


def assert_refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}


def api_cases(pool, holder):
    sku = pool.product.sku_part_number
    licenses = f"/api/v1/users/{holder.pk}/licenses/"
    cases = []
    for value in BAD_NUMBERS:
        cases.append(("patch", f"/api/v1/pools/{pool.pk}/", {"quantity": value}))
        cases.append(("post", licenses, {"subscription": value, "add": [sku]}))
        cases.append(
            ("post", "/api/v1/assignments/", {"user": value, "subscription": pool.subscription_id, "product": sku})
        )
    for value in BAD_STRINGS:
        cases.append(("post", "/api/v1/users/", {"email": value}))
        cases.append(("post", "/api/v1/users/", {"email": "fine@example.test", "display_name": value + LONG}))
        cases.append(("patch", f"/api/v1/users/{holder.pk}/", {"usage_location": value}))
        cases.append(("post", licenses, {"subscription": pool.subscription_id, "add": [value]}))
        cases.append(("put", licenses, {"subscription": pool.subscription_id, "products": value}))
        cases.append(("post", "/api/v1/tokens/", {"name": value + LONG}))
    for value in [*BAD_NUMBERS, *BAD_STRINGS, "Active", " active"]:
        cases.append(("patch", f"/api/v1/subscriptions/{pool.subscription_id}/", {"status": value}))
    for body in ["not json", b"\xff\xfe", "[1, 2]", '{"subscription": 1, "add": "' + LONG + '"}']:
        cases.append(("post", licenses, body))
    return cases


def test_api_refuses_bad_bodies_and_changes_nothing(org, api):
    pool, holder = org.pool_e3, org.alex
    before = state()
    for method, url, body in api_cases(pool, holder):
        if isinstance(body, dict):
            response = getattr(api, method)(url, body, format="json")
        else:
            response = getattr(api, method)(url, body, content_type="application/json")
        assert_refused(response)
    assert state() == before


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "%00",
        "q=" + "a" * 5000,
        "department=%00",
        "product=%00",
        "subscription=" + str(HUGE),
        "subscription=-1",
        "is_active=maybe",
        "licensed=%00",
        "limit=-1",
        "offset=" + str(HUGE),
        "limit=abc",
        "ordering=%00",
    ],
)
def test_api_list_filters_never_fail_on_bad_queries(api, query):
    response = api.get(f"/api/v1/users/?{query}")
    if response.status_code != 200:
        assert_refused(response)
    audit = api.get(f"/api/v1/audit-events/?{query}")
    if audit.status_code != 200:
        assert_refused(audit)


@pytest.fixture
def web(client, org):
    client.force_login(org.users["global_admin"])
    return client


def test_web_forms_refuse_bad_input_and_change_nothing(web, org):
    pool, holder = org.pool_e3, org.alex
    subscription = pool.subscription_id
    quantity_url = reverse("licensing:pool_quantity", args=[subscription, pool.pk])
    dialog_url = reverse("licensing:user_licenses", args=[subscription, holder.pk])
    bulk_url = reverse("licensing:users_bulk", args=[subscription])
    before = state()
    for value in [*BAD_STRINGS, "-1", str(HUGE), "1.5", ""]:
        for url, data in [
            (quantity_url, {"quantity": value}),
            (dialog_url, {"products": [value]}),
            (bulk_url, {"action": "assign", "product": value, "users": [holder.pk]}),
            (bulk_url, {"action": value, "product": pool.product_id, "users": [value]}),
        ]:
            response = web.post(url, data)
            assert response.status_code < 500, (url, value[:20], response.status_code)
            assert response.status_code in (302, 400, 409) or b'role="alert"' in response.content
    assert state() == before


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=" + "a" * 5000,
        "department=%00",
        "product=%00",
        "licensed=maybe",
        "is_active=%00",
        "page=-1",
        "page=" + str(HUGE),
        "per_page=abc",
        "ordering=%00",
        "sort=%00",
    ],
)
def test_web_list_filters_never_fail(web, org, query):
    subscription = org.pool_e3.subscription_id
    assert web.get(f"/subscriptions/{subscription}/users/?{query}").status_code in (200, 400)
    audit = web.get(f"/subscriptions/{subscription}/audit/?{query}&date_from=%00&user=%00&action=nonsense")
    assert audit.status_code in (200, 400)


def test_sign_in_with_a_nul_byte_is_a_form_error(client, db):
    response = client.post("/accounts/sign-in/", {"username": "a\x00@example.test", "password": NUL})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def json_write_endpoints(pool, holder) -> list[tuple[str, str]]:
    return [
        ("patch", f"/api/v1/pools/{pool.pk}/"),
        ("post", "/api/v1/users/"),
        ("patch", f"/api/v1/users/{holder.pk}/"),
        ("post", f"/api/v1/users/{holder.pk}/licenses/"),
        ("put", f"/api/v1/users/{holder.pk}/licenses/"),
        ("post", "/api/v1/assignments/"),
        ("post", "/api/v1/tokens/"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 1000 + "1" + "}" * 1000,
        '{"subscription": ' + "[" * 40 + "]" * 40 + "}",
        "[" + ",".join(["0"] * 800_000) + "]",
        '{"add": [' + ",".join(['"x"'] * 20_000) + "]}",
        "{" + ",".join(f'"k{index}": 0' for index in range(20_000)) + "}",
    ],
    ids=["nested-arrays", "nested-objects", "nested-field", "huge-array", "big-field", "big-object"],
)
def test_api_refuses_deep_or_huge_json_on_every_write(org, api, body):
    pool, holder = org.pool_e3, org.alex
    before = state()
    for method, url in json_write_endpoints(pool, holder):
        response = getattr(api, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
        error = response.json()["error"]
        assert error["code"] == "validation_error", error
    assert state() == before


def test_api_refuses_a_huge_array_before_decoding_it(org, api, monkeypatch):
    """800,000 elements fit in the upload limit; refusing them must not cost the seconds of decoding and validating
    them: the parser refuses the body by its shape alone, before DRF's JSON parser builds a single element."""
    decoded = []
    monkeypatch.setattr(parsers.JSONParser, "parse", lambda *args, **kwargs: decoded.append(args) or {})
    pool, holder = org.pool_e3, org.alex
    body = json.dumps({"subscription": pool.subscription_id, "add": [0] * 800_000})
    response = api.post(f"/api/v1/users/{holder.pk}/licenses/", body, content_type="application/json")
    assert response.status_code == 400
    assert "more than 10,000 values" in response.json()["error"]["message"]
    assert decoded == []


def test_api_json_within_the_limits_is_still_accepted(org, api):
    holder = org.alex
    response = api.patch(f"/api/v1/users/{holder.pk}/", {"job_title": '[{not json} "]]]]'}, format="json")
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=holder.pk).job_title == '[{not json} "]]]]'


def test_api_answers_a_body_over_the_upload_limit_with_413(org, api, settings):
    holder = org.alex
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"display_name": "' + "x" * 2000 + '"}'
    response = api.patch(f"/api/v1/users/{holder.pk}/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_api_answers_too_many_form_fields_with_its_error_body(org):
    client = APIClient(enforce_csrf_checks=True)  # the CSRF check of a session reads the form
    client.force_login(org.users["global_admin"])
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    fields = "&".join(f"f{index}=1" for index in range(1001))
    response = client.post("/api/v1/users/", fields, content_type="application/x-www-form-urlencoded")
    assert_refused(response)  # 415 today, as the API reads JSON only; 400 if it ever reads forms


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [(TooManyFieldsSent(), 400, "validation_error"), (RequestDataTooBig(), 413, "request_too_large")],
)
def test_djangos_refusals_of_a_request_get_the_api_error_body(refusal, status, code):
    response = exception_handler(refusal, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code


def test_web_forms_refuse_oversized_posts_without_a_server_error(web, org, settings):
    pool = org.pool_e3
    url = reverse("licensing:pool_quantity", args=[pool.subscription_id, pool.pk])
    before = state()
    fields = "&".join(f"f{index}=1" for index in range(1001))
    assert web.post(url, fields, content_type="application/x-www-form-urlencoded").status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert web.post(url, {"quantity": "1" * 2000}).status_code == 400
    assert state() == before


@pytest.mark.parametrize("segment", ["a%00b", "%00", "a%01b", "a%0Ab", "a%7Fb"])
@pytest.mark.parametrize(
    "url", ["/api/v1/products/{}/", "/api/v1/users/{}/", "/api/v1/users/{}/licenses/", "/api/v1/pools/{}/"]
)
def test_api_control_characters_in_the_path_are_not_found(api, url, segment):
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(url.format(segment), {}, format="json")
        assert response.status_code == 404, (method, response.status_code, response.content[:300])
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("segment", ["9" * 30, "-1", "1.5", "%E2%80%AE"])
@pytest.mark.parametrize(
    "url", ["/api/v1/products/{}/", "/api/v1/users/{}/", "/api/v1/users/{}/licenses/", "/api/v1/pools/{}/"]
)
def test_api_odd_identifiers_in_the_path_are_not_found(api, url, segment):
    response = api.get(url.format(segment))
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("parameter", ["q", "department", "product", "subscription", "user", "action", "source"])
def test_nul_in_any_query_parameter_is_not_a_server_error(api, web, org, parameter):
    pool, holder = org.pool_e3, org.alex
    subscription = pool.subscription_id
    for url in ["users", "audit-events", "pools", "assignments", "products", "subscriptions", "tokens"]:
        response = api.get(f"/api/v1/{url}/?{parameter}=a%00b")
        if response.status_code != 200:
            assert_refused(response)
    for url in [
        "/",
        f"/subscriptions/{subscription}/users/",
        f"/subscriptions/{subscription}/audit/",
        f"/subscriptions/{subscription}/products/",
        f"/users/{holder.pk}/",
    ]:
        assert web.get(f"{url}?{parameter}=a%00b").status_code in (200, 400)
