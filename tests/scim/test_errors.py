"""Bad input gets SCIM's Error body with the RFC 7644 §3.12 status and scimType, never a 500."""

import pytest

from tests.scim.conftest import SCIM_TYPE, scim_error_of


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"[" * 100 + b"]" * 100, b"\xff\xfe", b""],
    ids=["malformed", "array", "string", "too-deep", "not-utf8", "empty"],
)
def test_a_body_that_is_no_json_object_is_invalid_syntax(scim, body):
    response = scim.client.post("/scim/v2/Users", body, content_type=SCIM_TYPE)

    scim_error_of(response, 400, "invalidSyntax")


def test_plain_json_is_accepted_and_other_media_types_refused(scim):
    body = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@contoso.test"}'
    assert scim.client.post("/scim/v2/Users", body, content_type="application/json").status_code == 201

    scim_error_of(scim.client.post("/scim/v2/Users", body, content_type="text/plain"), 400, "invalidSyntax")


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": ["a"]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": "perhaps"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x" * 300},
    ],
    ids=["no-user-name", "user-name-not-a-string", "active-not-a-boolean", "user-name-too-long"],
)
def test_an_invalid_user_is_400(scim, body):
    response = scim.post("Users", body)

    assert response.status_code == 400, response.content
    assert response.json()["scimType"] in ("invalidValue", "invalidSyntax")


def test_a_patch_without_operations_is_400(scim, org):
    response = scim.client.patch(
        f"/scim/v2/Users/{org.adele.pk}",
        b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}',
        content_type=SCIM_TYPE,
    )

    scim_error_of(response, 400, "invalidValue")


def test_a_method_an_endpoint_does_not_have_is_405(scim):
    response = scim.client.delete("/scim/v2/ServiceProviderConfig")

    scim_error_of(response, 405)
    assert response["Allow"] == "GET"


def test_control_characters_in_an_id_reach_no_view(scim):
    scim_error_of(scim.get("Users/1%00"), 404)
