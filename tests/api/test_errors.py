"""Every error code the API can answer with, reached through the API: its status and its body."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.tokens import api_token_create, api_token_revoke
from core.audit import Actor
from core.choices import Source
from licensing.choices import SubscriptionStatus
from licensing.models import LicenseAssignment
from tests.api.conftest import bearer_client, error_of


@pytest.fixture
def admin(org):
    return bearer_client(org.users["global_admin"])


def licenses_url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def test_validation_error_names_the_field(org, admin):
    response = admin.patch(f"/api/v1/pools/{org.pool_e3.pk}/", {"quantity": -1}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == ["quantity"]


def test_malformed_json_is_a_validation_error(org, admin):
    response = admin.post(licenses_url(org.adele), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_service_validation_error_keeps_its_details(org, admin):
    """The service refuses adding and removing one product at once; the API passes its details on."""
    response = admin.post(
        licenses_url(org.alex),
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"], "remove": ["officeseries_e3"]},
        format="json",
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["details"] == {"skus": ["OFFICESERIES_E3"]}


def test_user_create_with_a_taken_email_is_a_validation_error(org, admin):
    response = admin.post("/api/v1/users/", {"email": "ADELE.VANCE@contoso.test"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"] == {"email": ["Already in use."]}


def test_user_update_with_a_bad_country_is_a_validation_error(org, admin):
    response = admin.patch(f"/api/v1/users/{org.adele.pk}/", {"usage_location": "us"}, format="json")
    assert response.status_code == 400
    assert "usage_location" in error_of(response)["details"]["fields"]


def test_not_authenticated(org):
    response = APIClient().get("/api/v1/users/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer osat_not-a-real-token", "Bearer", "Bearer two parts"],
    ids=["unknown token", "no token", "malformed"],
)
def test_authentication_failed(org, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/users/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def _client_with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_revoked_token_is_refused(org):
    token, key = api_token_create(user=org.users["global_admin"], name="ci", by=Actor(None, Source.SYSTEM))
    assert _client_with_key(key).get("/api/v1/products/").status_code == 200
    api_token_revoke(token=token, by=Actor(None, Source.SYSTEM))
    response = _client_with_key(key).get("/api/v1/products/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_expired_token_is_refused(org):
    token, key = api_token_create(
        user=org.users["global_admin"],
        name="ci",
        expires_at=timezone.now() + datetime.timedelta(days=1),
        by=Actor(None, Source.SYSTEM),
    )
    assert _client_with_key(key).get("/api/v1/products/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _client_with_key(key).get("/api/v1/products/").status_code == 401


def test_token_of_a_disabled_user_is_refused(org):
    admin_user = org.users["global_admin"]
    _, key = api_token_create(user=admin_user, name="ci", by=Actor(None, Source.SYSTEM))
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    assert _client_with_key(key).get("/api/v1/products/").status_code == 401


def test_permission_denied_for_a_user_without_admin_role(org):
    response = bearer_client(org.users["member"]).get("/api/v1/products/")
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "message": "An admin role is needed to use the admin center.",
        "details": {},
    }


def test_permission_denied_from_the_policy(org):
    """A User Administrator may not change quantities: 403 before the body is even looked at."""
    response = bearer_client(org.users["user_admin"]).patch(
        f"/api/v1/pools/{org.pool_e3.pk}/", {"quantity": "not a number"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/users/999999/", "/api/v1/subscriptions/999999/", "/api/v1/pools/abc/", "/api/v1/products/NO_SUCH_SKU/"],
)
def test_not_found(org, admin, url):
    response = admin.get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_unknown_product_in_a_change_is_not_found_and_named(org, admin):
    response = admin.post(
        licenses_url(org.adele),
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E3", "NO_SUCH_SKU"]},
        format="json",
    )
    assert response.status_code == 404
    error = error_of(response)
    assert (error["code"], error["details"]) == ("not_found", {"skus": ["NO_SUCH_SKU"]})
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()


def test_unknown_subscription_in_a_change_is_not_found(org, admin):
    response = admin.post(licenses_url(org.adele), {"subscription": 999999, "add": []}, format="json")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_not_enough_licenses(org, admin):
    response = admin.post(licenses_url(org.adele), {"subscription": org.s.pk, "add": ["VISIO_P2"]}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_enough_licenses"
    assert {key: error["details"][key] for key in ("sku", "requested", "available")} == {
        "sku": "VISIO_P2",
        "requested": 1,
        "available": 0,
    }


def test_not_enough_licenses_changes_nothing(org, admin):
    """One atomic change: the E3 that could be assigned is not, because Visio cannot."""
    response = admin.post(
        licenses_url(org.adele),
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E3", "VISIO_P2"]},
        format="json",
    )
    assert response.status_code == 409
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_subscription_not_active(org, admin, status):
    org.s.status = status
    org.s.save(update_fields=["status"])
    response = admin.post(
        "/api/v1/assignments/",
        {"user": org.adele.pk, "subscription": org.s.pk, "product": "OFFICESERIES_E3"},
        format="json",
    )
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "subscription_not_active",
        {"subscription": "Contoso Enterprise", "status": status.value},
    )
    # ... but a license can always be taken back.
    assert admin.delete(f"/api/v1/assignments/{org.assignment(org.alex, org.pool_e3).pk}/").status_code == 204


def test_product_not_in_subscription(org, admin):
    response = admin.put(
        licenses_url(org.adele), {"subscription": org.t.pk, "products": ["OFFICESERIES_E5"]}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "product_not_in_subscription",
        {"subscription": "Fabrikam Research", "skus": ["OFFICESERIES_E5"]},
    )


def test_quantity_below_assigned(org, admin):
    response = admin.patch(f"/api/v1/pools/{org.pool_visio.pk}/", {"quantity": 0}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "quantity_below_assigned",
        {"sku": "VISIO_P2", "quantity": 0, "assigned": 1, "must_unassign": 1},
    )
    org.pool_visio.refresh_from_db()
    assert org.pool_visio.quantity == 1


def test_precondition_failed(org, admin):
    etag = admin.get(licenses_url(org.adele))["ETag"]
    admin.post(licenses_url(org.adele), {"subscription": org.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = admin.put(
        licenses_url(org.adele), {"subscription": org.s.pk, "products": []}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "precondition_failed"
    assert error["details"]["etag"] != etag
    assert LicenseAssignment.objects.filter(user=org.adele).count() == 1


def test_method_not_allowed(org, admin):
    response = admin.delete(f"/api/v1/subscriptions/{org.s.pk}/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_unsupported_media_type(org, admin):
    response = admin.post("/api/v1/users/", "email=x@example.test", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
