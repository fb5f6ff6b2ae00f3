"""Users: create, read, replace and delete, mapped as README "Provisioning with SCIM" says."""

import pytest
from django.db import connection

from accounts.models import User
from core.models import AuditEvent
from tests.scim.conftest import ENTERPRISE, SCIM_TYPE, scim_error_of, user_body

ENTRA_USER = user_body(
    "Megan.Bowen@Contoso.test",
    externalId="0b7e6ff0-entra",
    name={"formatted": "Megan Bowen", "givenName": "Megan", "familyName": "Bowen"},
    displayName="Megan Bowen",
    title="Buyer",
    active=True,
    emails=[{"value": "megan.bowen@contoso.test", "type": "work", "primary": True}],
    addresses=[{"type": "work", "country": "us"}],
    phoneNumbers=[{"value": "+1 555 0100", "type": "work"}],  # not kept: accepted and ignored
    nickName="Meg",
    **{ENTERPRISE: {"department": "Sales", "employeeNumber": "42"}},
)


def test_a_create_maps_every_kept_attribute_and_answers_201_with_its_location(scim):
    response = scim.post("Users", ENTRA_USER)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == SCIM_TYPE
    user = User.objects.get(email="megan.bowen@contoso.test")
    assert (user.user_name, user.external_id, user.display_name, user.job_title) == (
        "Megan.Bowen@Contoso.test",
        "0b7e6ff0-entra",
        "Megan Bowen",
        "Buyer",
    )
    assert (user.department, user.usage_location, user.is_active) == ("Sales", "US", True)
    body = response.json()
    assert response["Location"] == body["meta"]["location"] == f"http://testserver/scim/v2/Users/{user.pk}"
    assert response["ETag"] == body["meta"]["version"]
    assert body["userName"] == "Megan.Bowen@Contoso.test"
    assert body["emails"] == [{"value": "megan.bowen@contoso.test", "type": "work"}]
    assert body[ENTERPRISE] == {"department": "Sales"}
    assert "nickName" not in body and "phoneNumbers" not in body


def test_a_user_name_that_is_no_address_keeps_the_work_email(scim):
    scim.post("Users", user_body("2819c223-7f76", emails=[{"value": "Lee@Contoso.test", "type": "work"}]))

    user = User.objects.get(user_name="2819c223-7f76")
    assert user.email == "lee@contoso.test"


def test_a_user_without_any_address_is_kept_but_cannot_sign_in(scim):
    response = scim.post("Users", user_body("2819c223-7f76-453a"))

    assert response.status_code == 201
    user = User.objects.get(user_name="2819c223-7f76-453a")
    assert user.email is None and not user.has_usable_password()
    assert "emails" not in response.json()


def test_a_user_name_taken_in_another_case_is_409_uniqueness(scim, org):
    scim_error_of(scim.post("Users", user_body(org.adele.email.upper())), 409, "uniqueness")
    scim.post("Users", user_body("2819c223"))
    scim_error_of(scim.post("Users", user_body("2819C223")), 409, "uniqueness")


def test_a_user_is_read_by_id_and_an_unknown_id_is_404(scim, org):
    body = scim.get(f"Users/{org.adele.pk}").json()

    assert (body["id"], body["userName"], body["active"]) == (str(org.adele.pk), org.adele.email, True)
    scim_error_of(scim.get("Users/999999"), 404)
    scim_error_of(scim.get("Users/not-an-id"), 404)


def test_a_replace_sets_what_it_sends_and_clears_what_it_leaves_out(scim):
    user_id = scim.post("Users", ENTRA_USER).json()["id"]

    response = scim.put(f"Users/{user_id}", user_body("Megan.Bowen@Contoso.test", displayName="Megan B.", active=False))

    assert response.status_code == 200, response.content
    user = User.objects.get(pk=user_id)
    assert (user.display_name, user.job_title, user.department, user.is_active) == ("Megan B.", "", "", False)
    assert user.external_id == ""


def test_a_replace_of_a_user_the_provider_did_not_create_keeps_them_named_by_email(scim, org):
    scim.put(f"Users/{org.adele.pk}", user_body(org.adele.email, title="Lead"))

    org.adele.refresh_from_db()
    assert (org.adele.user_name, org.adele.job_title) == (None, "Lead")


def test_if_match_with_a_stale_version_is_412_and_changes_nothing(scim):
    created = scim.post("Users", ENTRA_USER)
    user_id, version = created.json()["id"], created["ETag"]
    assert scim.put(f"Users/{user_id}", ENTRA_USER | {"title": "Lead"}, If_Match=version).status_code == 200

    scim_error_of(scim.put(f"Users/{user_id}", ENTRA_USER | {"title": "Chief"}, If_Match=version), 412)
    assert User.objects.get(pk=user_id).job_title == "Lead"


def test_an_invalid_value_is_400_invalid_value_and_writes_nothing(scim):
    body = ENTRA_USER | {"addresses": [{"type": "work", "country": "United States"}]}

    scim_error_of(scim.post("Users", body), 400, "invalidValue")
    assert not User.objects.filter(user_name="Megan.Bowen@Contoso.test").exists()
    assert not AuditEvent.objects.filter(action="user_created").exists()


@pytest.mark.django_db
def test_delete_frees_the_user_at_once(scim, org):
    """user_delete is the other half of issue 13 (accounts.services.users): this fails until it is merged."""
    response = scim.delete(f"Users/{org.adele.pk}")

    assert response.status_code == 204
    assert not User.objects.filter(pk=org.adele.pk).exists()
    scim_error_of(scim.delete(f"Users/{org.adele.pk}"), 404)


def test_a_create_takes_a_fixed_number_of_queries(scim, django_assert_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    # The token with its admin's roles; one identity check (email and user name); the user, its event and the dynamic
    # groups (held in SHARE mode first on PostgreSQL), a new user joining them without a check of memberships it
    # cannot have; and the savepoints of the request's transaction and the identity's.
    with django_assert_num_queries(11 + (connection.vendor == "postgresql")):
        assert scim.post("Users", ENTRA_USER).status_code == 201
