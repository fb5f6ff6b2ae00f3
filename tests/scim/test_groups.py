"""Groups: SCIM groups are assigned groups, their members users by id; a dynamic group is read-only over SCIM."""

import pytest

from accounts.choices import GroupKind
from accounts.models import Group
from core.models import AuditEvent
from tests.factories import GroupFactory
from tests.scim.conftest import GROUP_SCHEMA, scim_error_of


def group_body(name: str, *members, **attributes) -> dict:
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": str(m.pk)} for m in members]} | (
        attributes
    )


def member_ids(group_id) -> set[int]:
    return set(Group.objects.get(pk=group_id).members.values_list("pk", flat=True))


@pytest.fixture
def sales(scim, org) -> Group:
    response = scim.post("Groups", group_body("Sales", org.adele, org.alex, externalId="entra-sales"))
    assert response.status_code == 201, response.content
    return Group.objects.get(pk=response.json()["id"])


def test_a_create_makes_an_assigned_group_with_its_members(scim, org, sales):
    assert (sales.kind, sales.external_id) == (GroupKind.ASSIGNED, "entra-sales")
    assert member_ids(sales.pk) == {org.adele.pk, org.alex.pk}
    body = scim.get(f"Groups/{sales.pk}").json()
    assert body["displayName"] == "Sales"
    assert {member["value"] for member in body["members"]} == {str(org.adele.pk), str(org.alex.pk)}
    assert body["members"][0]["$ref"].startswith("http://testserver/scim/v2/Users/")
    assert AuditEvent.objects.filter(action="group_member_added", source="scim").count() == 2


def test_a_taken_name_is_409_and_an_unknown_member_400(scim, org, sales):
    scim_error_of(scim.post("Groups", group_body("SALES")), 409, "uniqueness")
    unknown_member = group_body("Marketing") | {"members": [{"value": "999999"}]}
    scim_error_of(scim.post("Groups", unknown_member), 400, "invalidValue")
    assert not Group.objects.filter(name="Marketing").exists()


def test_patch_adds_and_removes_members_in_every_dialect(scim, org, sales):
    henrietta = org.henrietta
    assert scim.patch(f"Groups/{sales.pk}", {"op": "Add", "path": "members", "value": [{"value": str(henrietta.pk)}]})
    assert member_ids(sales.pk) == {org.adele.pk, org.alex.pk, henrietta.pk}

    response = scim.patch(f"Groups/{sales.pk}", {"op": "remove", "path": f'members[value eq "{org.adele.pk}"]'})
    assert response.status_code == 204, response.content
    assert member_ids(sales.pk) == {org.alex.pk, henrietta.pk}

    entra_legacy = {"op": "Remove", "path": "members", "value": [{"value": str(org.alex.pk)}]}
    assert scim.patch(f"Groups/{sales.pk}", entra_legacy).status_code == 204
    assert member_ids(sales.pk) == {henrietta.pk}

    replace = {"op": "replace", "path": "members", "value": [{"value": str(org.adele.pk)}]}
    assert scim.patch(f"Groups/{sales.pk}", replace).status_code == 204
    assert member_ids(sales.pk) == {org.adele.pk}


def test_patch_renames_with_a_path_or_a_value_object(scim, sales):
    scim.patch(f"Groups/{sales.pk}", {"op": "replace", "path": "displayName", "value": "Sales EMEA"})
    assert Group.objects.get(pk=sales.pk).name == "Sales EMEA"

    scim.patch(f"Groups/{sales.pk}", {"op": "Replace", "value": {"displayName": "Sales", "externalId": "x"}})
    sales.refresh_from_db()
    assert (sales.name, sales.external_id) == ("Sales", "x")


def test_a_members_patch_does_not_read_the_members(scim, org, sales, django_assert_max_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    operation = {"op": "add", "path": "members", "value": [{"value": str(org.henrietta.pk)}]}

    with django_assert_max_num_queries(30) as captured:
        assert scim.patch(f"Groups/{sales.pk}", operation).status_code == 204

    assert not [
        query for query in captured if "accounts_groupmembership" in query["sql"] and "INNER JOIN" in query["sql"]
    ]


def test_put_replaces_the_name_and_the_members(scim, org, sales):
    response = scim.put(f"Groups/{sales.pk}", group_body("Sales team", org.henrietta))

    assert response.status_code == 200, response.content
    assert Group.objects.get(pk=sales.pk).name == "Sales team"
    assert member_ids(sales.pk) == {org.henrietta.pk}
    assert [member["value"] for member in response.json()["members"]] == [str(org.henrietta.pk)]


def test_excluded_members_are_not_read(scim, sales, django_assert_num_queries):
    scim.get("ServiceProviderConfig")
    with django_assert_num_queries(3):  # the token with its admin's roles, the page and the count
        body = scim.get("Groups", excludedAttributes="members").json()

    assert body["Resources"][0]["displayName"] == "Sales"
    assert "members" not in body["Resources"][0]


def test_delete_removes_the_group(scim, sales):
    assert scim.delete(f"Groups/{sales.pk}").status_code == 204

    assert not Group.objects.filter(pk=sales.pk).exists()
    scim_error_of(scim.get(f"Groups/{sales.pk}"), 404)


def test_a_dynamic_group_is_read_but_not_changed(scim, org):
    dynamic = GroupFactory(name="Everyone in Sales", kind=GroupKind.DYNAMIC, rule={"department": "Sales"})
    assert scim.get(f"Groups/{dynamic.pk}").status_code == 200

    add = {"op": "add", "path": "members", "value": [{"value": str(org.alex.pk)}]}
    detail = scim_error_of(scim.patch(f"Groups/{dynamic.pk}", add), 400, "invalidValue")["detail"]
    assert "dynamic group" in detail
    scim_error_of(scim.put(f"Groups/{dynamic.pk}", group_body("Renamed")), 400, "invalidValue")
    scim_error_of(scim.delete(f"Groups/{dynamic.pk}"), 400, "invalidValue")
    assert Group.objects.get(pk=dynamic.pk).name == "Everyone in Sales"
