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
def admin(world):
    return bearer_client(world.users["global_admin"])


def licenses_url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def test_validation_error_names_the_field(world, admin):
    response = admin.patch(f"/api/v1/pools/{world.pool_s_e3.pk}/", {"quantity": -1}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == ["quantity"]


def test_malformed_json_is_a_validation_error(world, admin):
    response = admin.post(licenses_url(world.adele), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_service_validation_error_keeps_its_details(world, admin):
    """The service refuses adding and removing one product at once; the API passes its details on."""
    response = admin.post(
        licenses_url(world.holder),
        {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"], "remove": ["officeseries_e3"]},
        format="json",
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["details"] == {"skus": ["OFFICESERIES_E3"]}


def test_user_create_with_a_taken_email_is_a_validation_error(world, admin):
    response = admin.post("/api/v1/users/", {"email": "ADELE@contoso.example"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"] == {"email": ["Already in use."]}


def test_user_update_with_a_bad_country_is_a_validation_error(world, admin):
    response = admin.patch(f"/api/v1/users/{world.adele.pk}/", {"usage_location": "us"}, format="json")
    assert response.status_code == 400
    assert "usage_location" in error_of(response)["details"]["fields"]


def test_not_authenticated(world):
    response = APIClient().get("/api/v1/users/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer osat_not-a-real-token", "Bearer", "Bearer two parts"],
    ids=["unknown token", "no token", "malformed"],
)
def test_authentication_failed(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/users/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def _client_with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_revoked_token_is_refused(world):
    token, key = api_token_create(user=world.users["global_admin"], name="ci", by=Actor(None, Source.SYSTEM))
    assert _client_with_key(key).get("/api/v1/products/").status_code == 200
    api_token_revoke(token=token, by=Actor(None, Source.SYSTEM))
    response = _client_with_key(key).get("/api/v1/products/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_expired_token_is_refused(world):
    token, key = api_token_create(
        user=world.users["global_admin"],
        name="ci",
        expires_at=timezone.now() + datetime.timedelta(days=1),
        by=Actor(None, Source.SYSTEM),
    )
    assert _client_with_key(key).get("/api/v1/products/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _client_with_key(key).get("/api/v1/products/").status_code == 401


def test_token_of_a_disabled_user_is_refused(world):
    admin_user = world.users["global_admin"]
    _, key = api_token_create(user=admin_user, name="ci", by=Actor(None, Source.SYSTEM))
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    assert _client_with_key(key).get("/api/v1/products/").status_code == 401


def test_permission_denied_for_a_user_without_admin_role(world):
    response = bearer_client(world.users["member"]).get("/api/v1/products/")
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "message": "An admin role is needed to use the admin center.",
        "details": {},
    }


def test_permission_denied_from_the_policy(world):
    """A User Administrator may not change quantities: 403 before the body is even looked at."""
    response = bearer_client(world.users["user_admin"]).patch(
        f"/api/v1/pools/{world.pool_s_e3.pk}/", {"quantity": "not a number"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/users/999999/", "/api/v1/subscriptions/999999/", "/api/v1/pools/abc/", "/api/v1/products/NO_SUCH_SKU/"],
)
def test_not_found(world, admin, url):
    response = admin.get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_unknown_product_in_a_change_is_not_found_and_named(world, admin):
    response = admin.post(
        licenses_url(world.adele),
        {"subscription": world.s.pk, "add": ["OFFICESERIES_E3", "NO_SUCH_SKU"]},
        format="json",
    )
    assert response.status_code == 404
    error = error_of(response)
    assert (error["code"], error["details"]) == ("not_found", {"skus": ["NO_SUCH_SKU"]})
    assert not LicenseAssignment.objects.filter(user=world.adele).exists()


def test_unknown_subscription_in_a_change_is_not_found(world, admin):
    response = admin.post(licenses_url(world.adele), {"subscription": 999999, "add": []}, format="json")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_not_enough_licenses(world, admin):
    response = admin.post(
        licenses_url(world.adele), {"subscription": world.s.pk, "add": ["OFFICESERIES_E5"]}, format="json"
    )
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_enough_licenses"
    assert {key: error["details"][key] for key in ("sku", "requested", "available")} == {
        "sku": "OFFICESERIES_E5",
        "requested": 1,
        "available": 0,
    }


def test_not_enough_licenses_changes_nothing(world, admin):
    """One atomic change: the E3 that could be assigned is not, because E5 cannot."""
    response = admin.post(
        licenses_url(world.adele),
        {"subscription": world.s.pk, "add": ["OFFICESERIES_E3", "OFFICESERIES_E5"]},
        format="json",
    )
    assert response.status_code == 409
    assert not LicenseAssignment.objects.filter(user=world.adele).exists()


@pytest.mark.parametrize("status", [SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED])
def test_subscription_not_active(world, admin, status):
    world.s.status = status
    world.s.save(update_fields=["status"])
    response = admin.post(
        "/api/v1/assignments/",
        {"user": world.adele.pk, "subscription": world.s.pk, "product": "OFFICESERIES_E3"},
        format="json",
    )
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "subscription_not_active",
        {"subscription": "Contoso Enterprise", "status": status.value},
    )
    # ... but a license can always be taken back.
    assert admin.delete(f"/api/v1/assignments/{world.assignment_s.pk}/").status_code == 204


def test_product_not_in_subscription(world, admin):
    response = admin.put(
        licenses_url(world.adele), {"subscription": world.t.pk, "products": ["OFFICESERIES_E5"]}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "product_not_in_subscription",
        {"subscription": "Fabrikam Standard", "skus": ["OFFICESERIES_E5"]},
    )


def test_quantity_below_assigned(world, admin):
    response = admin.patch(f"/api/v1/pools/{world.pool_s_e5.pk}/", {"quantity": 0}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["details"]) == (
        "quantity_below_assigned",
        {"sku": "OFFICESERIES_E5", "quantity": 0, "assigned": 1, "must_unassign": 1},
    )
    world.pool_s_e5.refresh_from_db()
    assert world.pool_s_e5.quantity == 1


def test_precondition_failed(world, admin):
    etag = admin.get(licenses_url(world.adele))["ETag"]
    admin.post(licenses_url(world.adele), {"subscription": world.s.pk, "add": ["OFFICESERIES_E3"]}, format="json")
    response = admin.put(
        licenses_url(world.adele), {"subscription": world.s.pk, "products": []}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "precondition_failed"
    assert error["details"]["etag"] != etag
    assert LicenseAssignment.objects.filter(user=world.adele).count() == 1


def test_method_not_allowed(world, admin):
    response = admin.delete(f"/api/v1/subscriptions/{world.s.pk}/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_unsupported_media_type(world, admin):
    response = admin.post("/api/v1/users/", "email=x@example.test", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
