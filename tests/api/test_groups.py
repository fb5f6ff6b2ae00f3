"""/api/v1/groups/ and /api/v1/groups/{id}/members/: every endpoint, every error, and the members' ETag."""

import pytest

from accounts.choices import GroupKind
from accounts.models import Group, GroupMembership
from accounts.selectors import group_members_version
from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from tests.api.conftest import error_of
from tests.factories import GroupFactory

OPERATOR = Actor(None, Source.CLI)


@pytest.fixture
def team(org) -> Group:
    """An assigned group whose one member is Adele."""
    group = GroupFactory(name="Project X", description="The X team")
    group_members_change(group=group, add=[org.adele], by=OPERATOR)
    return group


def member_emails(group: Group) -> set[str]:
    return set(GroupMembership.objects.filter(group=group).values_list("user__email", flat=True))


# --- groups ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["global_admin", "user_admin", "subscription_admin"])
def test_every_admin_lists_and_reads_groups(client_as, team, role):
    client = client_as(role)
    listed = client.get("/api/v1/groups/").json()
    assert listed["count"] == 1
    assert listed["results"][0] == {
        "id": team.pk,
        "name": "Project X",
        "description": "The X team",
        "kind": "assigned",
        "rule": {},
        "member_count": 1,
        "created_at": listed["results"][0]["created_at"],
    }
    assert client.get(f"/api/v1/groups/{team.pk}/").json()["name"] == "Project X"


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("anonymous", 401)])
def test_non_admins_see_no_group(client_as, team, role, status):
    assert client_as(role).get("/api/v1/groups/").status_code == status


def test_groups_filter_by_kind(client_as, team):
    client = client_as("global_admin")
    client.post("/api/v1/groups/", {"name": "Retail", "kind": "dynamic", "rule": {"department": ["Retail"]}}, "json")
    names = lambda kind: [group["name"] for group in client.get("/api/v1/groups/", {"kind": kind}).json()["results"]]  # noqa: E731
    assert names("dynamic") == ["Retail"]
    assert names("assigned") == ["Project X"]


def test_an_unknown_group_is_not_found(client_as):
    response = client_as("global_admin").get("/api/v1/groups/999999/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_creating_a_dynamic_group_fills_it(client_as, org):
    response = client_as("user_admin").post(
        "/api/v1/groups/",
        {"name": "Research", "kind": "dynamic", "description": "", "rule": {"department": ["Research"]}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["rule"], body["member_count"]) == ("dynamic", {"department": ["Research"]}, 1)
    group = Group.objects.get(pk=body["id"])
    assert member_emails(group) == {"henrietta.mueller@contoso.test"}
    event = AuditEvent.objects.get(action=AuditAction.GROUP_CREATED)
    assert (event.actor, event.source) == (org.users["user_admin"], Source.API)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "project x", "kind": "assigned"}, "name"),  # taken, in another case
        ({"name": "", "kind": "assigned"}, "name"),
        ({"name": "G", "kind": "nested"}, "kind"),
        ({"name": "G"}, "kind"),
        ({"name": "G", "kind": "dynamic"}, "rule"),
        ({"name": "G", "kind": "dynamic", "rule": {"department": "Retail"}}, "rule"),
        ({"name": "G", "kind": "dynamic", "rule": {"manager": ["x"]}}, "rule"),
        ({"name": "G", "kind": "assigned", "rule": {"department": ["Retail"]}}, "rule"),
        ({"name": "G", "kind": "assigned", "description": "d" * 501}, "description"),
    ],
)
def test_an_invalid_group_is_a_validation_error(client_as, team, body, field):
    response = client_as("global_admin").post("/api/v1/groups/", body, format="json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"]
    assert Group.objects.count() == 1


@pytest.mark.parametrize("role", ["subscription_admin", "member"])
def test_only_global_and_user_administrators_change_groups(client_as, team, role):
    client = client_as(role)
    responses = [
        client.post("/api/v1/groups/", {"name": "New", "kind": "assigned"}, format="json"),
        client.patch(f"/api/v1/groups/{team.pk}/", {"name": "Renamed"}, format="json"),
        client.delete(f"/api/v1/groups/{team.pk}/"),
        client.post(f"/api/v1/groups/{team.pk}/members/", {"remove": ["adele.vance@contoso.test"]}, format="json"),
    ]
    assert [response.status_code for response in responses] == [403] * 4
    assert {error_of(response)["code"] for response in responses} == {"permission_denied"}
    assert list(Group.objects.values_list("name", flat=True)) == ["Project X"]
    assert member_emails(team) == {"adele.vance@contoso.test"}


def test_patch_renames_and_describes(client_as, team):
    response = client_as("global_admin").patch(
        f"/api/v1/groups/{team.pk}/", {"name": "Project Y", "description": ""}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["description"], response.json()["member_count"]) == (
        "Project Y",
        "",
        1,
    )
    event = AuditEvent.objects.get(action=AuditAction.GROUP_UPDATED)
    assert event.details["changes"]["name"] == {"old": "Project X", "new": "Project Y"}


def test_patch_of_a_rule_recomputes_the_members(client_as, org):
    client = client_as("global_admin")
    group = client.post(
        "/api/v1/groups/", {"name": "Research", "kind": "dynamic", "rule": {"department": ["Research"]}}, format="json"
    ).json()
    response = client.patch(f"/api/v1/groups/{group['id']}/", {"rule": {"department": ["Marketing"]}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rule"] == {"department": ["Marketing"]}
    assert member_emails(Group.objects.get(pk=group["id"])) == {"alex.wilber@contoso.test"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "dynamic"}, "kind"), ({"rule": {"department": ["x"]}}, "rule"), ({"name": " "}, "name")],
)
def test_patch_refuses_what_a_group_cannot_become(client_as, team, body, field):
    response = client_as("global_admin").patch(f"/api/v1/groups/{team.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in error_of(response)["details"]["fields"]


def test_delete_removes_the_group_and_its_memberships(client_as, team):
    client = client_as("user_admin")
    assert client.delete(f"/api/v1/groups/{team.pk}/").status_code == 204
    assert client.get(f"/api/v1/groups/{team.pk}/").status_code == 404
    assert client.delete(f"/api/v1/groups/{team.pk}/").status_code == 404
    assert not GroupMembership.objects.exists()
    assert AuditEvent.objects.get(action=AuditAction.GROUP_DELETED).details["members"] == 1


# --- members --------------------------------------------------------------------------------------------------


def test_members_are_listed_a_page_at_a_time_with_an_etag(client_as, team, org):
    group_members_change(group=team, add=[org.alex], by=OPERATOR)
    response = client_as("subscription_admin").get(f"/api/v1/groups/{team.pk}/members/", {"limit": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"] == [{"id": org.adele.pk, "email": "adele.vance@contoso.test", "display_name": "Adele Vance"}]
    assert response["ETag"].startswith('"')


def test_one_post_adds_and_removes_by_id_or_email(client_as, team, org):
    client = client_as("global_admin")
    response = client.post(
        f"/api/v1/groups/{team.pk}/members/",
        {"add": [org.alex.pk, "MORGAN.MEMBER@contoso.test"], "remove": [str(org.adele.pk)]},
        format="json",
    )
    assert response.status_code == 200, response.content
    member = org.users["member"]
    assert response.json() == {"added": sorted([org.alex.pk, member.pk]), "removed": [org.adele.pk]}
    assert member_emails(team) == {"alex.wilber@contoso.test", "morgan.member@contoso.test"}
    assert response["ETag"] == client.get(f"/api/v1/groups/{team.pk}/members/")["ETag"]
    assert AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_ADDED, source=Source.API).count() == 2


def test_an_unknown_user_is_not_found_and_nothing_changes(client_as, team, org):
    response = client_as("global_admin").post(
        f"/api/v1/groups/{team.pk}/members/",
        {"add": [org.alex.pk, "nobody@contoso.example", 999999]},
        format="json",
    )
    assert response.status_code == 404
    error = error_of(response)
    assert (error["code"], error["details"]["users"]) == ("not_found", ["nobody@contoso.example", "999999"])
    assert member_emails(team) == {"adele.vance@contoso.test"}


@pytest.mark.parametrize(
    "body",
    [{"add": ["not-an-id"]}, {"add": [True]}, {"add": "x"}, {"remove": [{"id": 1}]}, {"add": ["9" * 30]}],
)
def test_malformed_members_are_a_validation_error(client_as, team, body):
    response = client_as("global_admin").post(f"/api/v1/groups/{team.pk}/members/", body, format="json")
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "validation_error"


def test_a_user_both_added_and_removed_is_refused(client_as, team, org):
    response = client_as("global_admin").post(
        f"/api/v1/groups/{team.pk}/members/",
        {"add": [org.alex.pk], "remove": ["alex.wilber@contoso.test"]},
        format="json",
    )
    assert response.status_code == 400
    assert member_emails(team) == {"adele.vance@contoso.test"}


def test_a_dynamic_groups_members_cannot_be_posted(client_as, org):
    client = client_as("global_admin")
    group = client.post(
        "/api/v1/groups/", {"name": "Retail", "kind": GroupKind.DYNAMIC, "rule": {"department": ["Retail"]}}, "json"
    ).json()
    response = client.post(f"/api/v1/groups/{group['id']}/members/", {"add": [org.alex.pk]}, format="json")
    assert response.status_code == 400
    assert "dynamic" in error_of(response)["message"]


def test_if_match_refuses_a_change_built_on_stale_members(client_as, team, org):
    client = client_as("global_admin")
    url = f"/api/v1/groups/{team.pk}/members/"
    etag = client.get(url)["ETag"]
    group_members_change(group=team, add=[org.alex], remove=[org.adele], by=OPERATOR)  # meanwhile

    stale = client.post(url, {"add": [org.users["member"].pk]}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 412
    error = error_of(stale)
    assert (error["code"], error["details"]["expected"]) == ("precondition_failed", [etag])
    assert member_emails(team) == {"alex.wilber@contoso.test"}
    fresh = client.post(url, {"add": [org.users["member"].pk]}, format="json", HTTP_IF_MATCH=error["details"]["etag"])
    assert fresh.status_code == 200
    assert client.post(url, {"add": []}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_the_etag_changes_with_every_change(client_as, team, org):
    client = client_as("global_admin")
    url = f"/api/v1/groups/{team.pk}/members/"
    seen = {client.get(url)["ETag"]}
    for change in ({"add": [org.alex.pk]}, {"remove": [org.adele.pk]}, {"add": [org.adele.pk]}):
        seen.add(client.post(url, change, format="json")["ETag"])
    assert len(seen) == 4


def test_the_members_count_and_etag_follow_every_change(client_as, org):
    client = client_as("user_admin")
    group = GroupFactory(name="Empty")
    url = f"/api/v1/groups/{group.pk}/members/"
    empty = client.get(url)
    assert (empty.json()["count"], empty.json()["results"], empty["ETag"]) == (0, [], '"0-0"')
    for change, expected in (
        ({"add": [org.adele.pk, org.alex.pk, org.henrietta.pk]}, 3),
        ({"remove": [org.alex.pk]}, 2),
        ({"remove": [org.adele.pk, org.henrietta.pk]}, 0),
    ):
        posted = client.post(url, change, format="json")
        response = client.get(url, {"limit": 1})
        assert response.json()["count"] == expected == GroupMembership.objects.filter(group=group).count()
        assert response["ETag"] == posted["ETag"] == group_members_version(group)
    head = client.head(url)
    assert (head.status_code, head["ETag"]) == (200, group_members_version(group))
