"""ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4): what the service announces, and only the
attributes it keeps."""

from tests.scim.conftest import ENTERPRISE, GROUP_SCHEMA, SCIM_TYPE, USER_SCHEMA, scim_error_of


def test_the_service_provider_config_announces_patch_filter_and_etags(scim):
    response = scim.get("ServiceProviderConfig")

    assert response.status_code == 200
    assert response["Content-Type"] == SCIM_TYPE
    config = response.json()
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    assert config["etag"] == {"supported": True}
    assert config["bulk"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_are_users_with_the_enterprise_extension_and_groups(scim):
    listed = scim.get("ResourceTypes").json()

    assert listed["totalResults"] == 2
    by_id = {resource["id"]: resource for resource in listed["Resources"]}
    assert by_id["User"]["endpoint"] == "/Users"
    assert by_id["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert by_id["Group"]["schema"] == GROUP_SCHEMA
    assert scim.get("ResourceTypes/Group").json()["endpoint"] == "/Groups"
    scim_error_of(scim.get("ResourceTypes/Device"), 404)


def test_schemas_publish_only_the_attributes_the_admin_center_keeps(scim):
    schemas = {schema["id"]: schema for schema in scim.get("Schemas").json()["Resources"]}

    user = {attribute["name"]: attribute for attribute in schemas[USER_SCHEMA]["attributes"]}
    assert set(user) == {"userName", "name", "displayName", "title", "active", "emails", "addresses"}
    assert {sub["name"] for sub in user["addresses"]["subAttributes"]} == {"country", "type"}
    assert user["active"]["required"] is True
    assert [attribute["name"] for attribute in schemas[ENTERPRISE]["attributes"]] == ["department"]
    group = {attribute["name"]: attribute for attribute in schemas[GROUP_SCHEMA]["attributes"]}
    assert {sub["name"] for sub in group["members"]["subAttributes"]} == {"value", "$ref"}
    assert scim.get(f"Schemas/{USER_SCHEMA}").json()["id"] == USER_SCHEMA
    scim_error_of(scim.get("Schemas/urn:nothing"), 404)


def test_paths_have_no_trailing_slash_and_unknown_ones_get_the_scim_404(scim):
    scim_error_of(scim.get("Users/"), 404)
    scim_error_of(scim.get("Devices"), 404)
    scim_error_of(scim.post("Devices", {}), 404)


def test_searching_all_resource_types_at_once_is_not_implemented(scim):
    scim_error_of(scim.post(".search", {}), 501)
