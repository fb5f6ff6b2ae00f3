"""PATCH of a user in the dialects identity providers send (RFC 7644 §3.5.2, Entra ID, Okta)."""

import pytest

from accounts.models import User
from tests.scim.conftest import ENTERPRISE, scim_error_of, user_body


@pytest.fixture
def megan(scim) -> User:
    body = user_body(
        "megan@contoso.test",
        displayName="Megan Bowen",
        title="Buyer",
        addresses=[{"type": "work", "country": "US"}],
        **{ENTERPRISE: {"department": "Sales"}},
    )
    return User.objects.get(pk=scim.post("Users", body).json()["id"])


def patched(scim, user: User, *operations: dict) -> User:
    response = scim.patch(f"Users/{user.pk}", *operations)
    assert response.status_code == 200, response.content
    return User.objects.get(pk=user.pk)


def test_okta_disables_with_a_value_object_without_path(scim, megan):
    assert not patched(scim, megan, {"op": "replace", "value": {"active": False}}).is_active


def test_entra_sends_op_in_any_case_and_booleans_as_strings(scim, megan):
    user = patched(scim, megan, {"op": "Replace", "path": "active", "value": "False"})
    assert not user.is_active

    assert patched(scim, user, {"op": "Replace", "path": "active", "value": "True"}).is_active


@pytest.mark.parametrize(
    ("path", "value", "field", "expected"),
    [
        (f"{ENTERPRISE}:department", "Marketing", "department", "Marketing"),
        ('addresses[type eq "work"].country', "de", "usage_location", "DE"),
        ("name.formatted", "Megan B.", "display_name", "Megan B."),
        ("displayName", "Meg", "display_name", "Meg"),
        ("title", "Lead Buyer", "job_title", "Lead Buyer"),
        ("externalId", "entra-42", "external_id", "entra-42"),
    ],
)
def test_entra_paths(scim, megan, path, value, field, expected):
    user = patched(scim, megan, {"op": "Replace", "path": path, "value": value})

    assert getattr(user, field) == expected


def test_a_work_email_added_to_a_user_named_by_no_address_becomes_their_email(scim):
    user = User.objects.get(pk=scim.post("Users", user_body("2819c223")).json()["id"])

    user = patched(scim, user, {"op": "Add", "path": 'emails[type eq "work"].value', "value": "Lee@Contoso.test"})

    assert user.email == "lee@contoso.test"


def test_add_and_remove_without_and_with_path(scim, megan):
    user = patched(scim, megan, {"op": "add", "value": {"title": "Lead", ENTERPRISE: {"department": "IT"}}})
    assert (user.job_title, user.department) == ("Lead", "IT")

    user = patched(scim, user, {"op": "remove", "path": "title"}, {"op": "remove", "path": f"{ENTERPRISE}:department"})
    assert (user.job_title, user.department) == ("", "")


def test_a_new_user_name_that_is_taken_is_409(scim, megan, org):
    response = scim.patch(f"Users/{megan.pk}", {"op": "replace", "path": "userName", "value": org.adele.email})

    scim_error_of(response, 409, "uniqueness")


def test_unkept_attributes_are_accepted_and_ignored(scim, megan):
    user = patched(scim, megan, {"op": "replace", "path": "nickName", "value": "Meg"})

    assert user.display_name == "Megan Bowen"


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "move", "path": "title", "value": "x"}, "invalidValue"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "replace", "path": "title[[", "value": "x"}, "invalidPath"),
    ],
)
def test_a_bad_operation_is_a_scim_400(scim, megan, operation, scim_type):
    scim_error_of(scim.patch(f"Users/{megan.pk}", operation), 400, scim_type)


def test_a_stale_if_match_is_412(scim, megan):
    version = scim.get(f"Users/{megan.pk}")["ETag"]
    patched(scim, megan, {"op": "replace", "path": "title", "value": "Lead"})

    response = scim.patch(f"Users/{megan.pk}", {"op": "replace", "path": "title", "value": "x"}, If_Match=version)

    scim_error_of(response, 412)
