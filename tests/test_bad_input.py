"""Hostile and malformed input, through the API and through the web forms: NUL bytes, very long strings,
unicode, negative and huge numbers, wrong types. Every one is refused with a 4xx (the API with its error body)
or a form error, never a server error, and changes nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool, Subscription
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, RoleAssignmentFactory, UserFactory

NUL = "bad\x00value"
LONG = "x" * 10_000
HUGE = 10**30
BAD_STRINGS = [NUL, LONG, "\u202e\ufeff", "💥" * 300]
BAD_NUMBERS = [-1, HUGE, -HUGE, 1.5, "12abc", True, None, [], {}, NUL, LONG]


@pytest.fixture
def org(db):
    pool = LicensePoolFactory(quantity=3)
    holder = UserFactory()
    user_licenses_change(user=holder, subscription=pool.subscription, add=[pool.product], by=Actor(None, Source.CLI))
    admin = RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user
    return pool, holder, admin


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
    client.force_login(org[2])
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
    pool, holder, _ = org
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
    client.force_login(org[2])
    return client


def test_web_forms_refuse_bad_input_and_change_nothing(web, org):
    pool, holder, _ = org
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
    subscription = org[0].subscription_id
    assert web.get(f"/subscriptions/{subscription}/users/?{query}").status_code in (200, 400)
    audit = web.get(f"/subscriptions/{subscription}/audit/?{query}&date_from=%00&user=%00&action=nonsense")
    assert audit.status_code in (200, 400)


def test_sign_in_with_a_nul_byte_is_a_form_error(client, db):
    response = client.post("/accounts/sign-in/", {"username": "a\x00@example.test", "password": NUL})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
