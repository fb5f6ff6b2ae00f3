"""The lists written out (scim/users.py `user_listed`, scim/groups.py `group_listed`, scim/http.py `list_response`)
against scim2-models' own dump of the same resources, which stays the definition of what a list says: equal as JSON
text, so in key order too."""

import datetime
import json

import pytest
from django.test import RequestFactory
from scim2_models import Context
from scim2_models import Group as ScimGroup

from accounts.choices import GroupKind
from accounts.models import Group, GroupMembership, User
from scim.groups import group_listed, group_resource
from scim.http import response_parameters
from scim.users import ScimUser, user_listed, user_resource
from scim.views.groups import GROUP_LIST
from scim.views.users import USER_LIST
from tests.factories import GroupFactory, UserFactory

FULL = {
    "email": "zoe.astrom@contoso.test",
    "user_name": "Zoë.Åström@Contoso.test",  # differs from the email
    "display_name": "Zoë Åström",
    "job_title": "Ingénieure",
    "department": "Recherche & Développement",
    "usage_location": "SE",
    "external_id": "0b7e6ff0-ëntra",
    "is_active": True,
}
EMPTY = {
    "email": None,
    "user_name": "2819c223-7f76",  # a user without an email is named by their user name
    "display_name": "",
    "job_title": "",
    "department": "",
    "usage_location": "",
    "external_id": "",
    "is_active": False,
}
# A user with every optional field full, one with all of them empty, and each field alone emptied or filled.
VARIED = [FULL, EMPTY] + [FULL | {name: EMPTY[name]} for name in FULL] + [EMPTY | {name: FULL[name]} for name in FULL]
WITH_MICROSECONDS = datetime.datetime(2024, 3, 9, 17, 5, 2, 120000, tzinfo=datetime.UTC)
WHOLE_SECOND = datetime.datetime(2023, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
ONE_MICROSECOND = datetime.datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC)
TIMES = [(WHOLE_SECOND, WITH_MICROSECONDS), (WITH_MICROSECONDS, WHOLE_SECOND), (WHOLE_SECOND, ONE_MICROSECOND)]


USERS_URL = "http://testserver/scim/v2/Users"


def location(user: User) -> str:
    return f"{USERS_URL}/{user.pk}"


def group_location(group: Group) -> str:
    return f"http://testserver/scim/v2/Groups/{group.pk}"


@pytest.fixture
def varied(org) -> list[User]:
    """Every kind of user VARIED lists, distinct where the constraints ask it, with timestamps with and without
    microseconds."""
    users = []
    for index, fields in enumerate(VARIED):
        unique = {
            name: f"{index}.{value}" if value and name in ("email", "user_name", "external_id") else value
            for name, value in fields.items()
        }
        user = UserFactory(**unique)
        created_at, updated_at = TIMES[index % len(TIMES)]
        User.objects.filter(pk=user.pk).update(created_at=created_at, updated_at=updated_at)
        users.append(user)
    return list(User.objects.filter(pk__in=[user.pk for user in users]).order_by("pk"))


@pytest.fixture
def groups(org, varied) -> list[Group]:
    """Groups with and without an external id and members, a dynamic one, names beyond ASCII, timestamps with and
    without microseconds."""
    made = [
        GroupFactory(name="Försäljning Nord", external_id="entra-ü-1"),
        GroupFactory(name="No members", external_id=""),
        GroupFactory(name="Everyone in Sales", kind=GroupKind.DYNAMIC, rule={"department": "Sales"}),
        GroupFactory(name="One member"),
    ]
    members = [varied, [], varied[::3], varied[:1]]
    for index, (group, users) in enumerate(zip(made, members, strict=True)):
        GroupMembership.objects.bulk_create(GroupMembership(group=group, user=user) for user in users)
        created_at, updated_at = TIMES[index % len(TIMES)]
        Group.objects.filter(pk=group.pk).update(created_at=created_at, updated_at=updated_at)
    return list(Group.objects.filter(pk__in=[group.pk for group in made]).order_by("pk"))


def library_dump(listed, model) -> dict:
    """The library's dump, with the parameters the view reads from a query that names no attributes."""
    parameters = response_parameters(RequestFactory().get("/scim/v2/"), model)
    return listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters)


def members_of(group: Group) -> list[User]:
    return list(group.members.order_by("pk"))


def test_a_listed_user_is_what_the_library_dumps(varied):
    assert {user.email is None for user in varied} == {True, False}  # the fixture spans both
    for user in varied:
        written = user_listed(user, location(user))
        dumped = user_resource(user, location(user)).model_dump(scim_ctx=Context.SEARCH_RESPONSE)

        assert written == dumped
        assert json.dumps(written) == json.dumps(dumped)  # in the same order


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"startIndex": "3", "count": "7"},
        {"count": "0"},
        {"filter": "active eq false"},
        {"filter": 'userName eq "x"'},
    ],
)
def test_a_list_is_what_the_library_dumps(scim, varied, query):
    """The whole answer, byte for byte, against USER_LIST dumped as the view dumped it before."""
    response = scim.get("Users", **query)

    assert response.status_code == 200, response.content
    users = User.objects.order_by("pk")
    if "filter" in query:
        users = users.filter(is_active=False) if query["filter"] == "active eq false" else users.none()
    start, count = int(query.get("startIndex", 1)), int(query.get("count", 100))
    page = list(users[start - 1 : start - 1 + count]) if count else []
    listed = USER_LIST(
        total_results=users.count(),
        start_index=start,
        items_per_page=len(page),
        resources=[user_resource(user, location(user)) for user in page],
    )
    assert response.json() == library_dump(listed, ScimUser)
    assert response.content == json.dumps(library_dump(listed, ScimUser)).encode()


def test_a_list_takes_a_fixed_number_of_queries(scim, varied, django_assert_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    with django_assert_num_queries(3):  # the token with its admin's roles, the page and the count
        response = scim.get("Users")
    assert len(response.json()["Resources"]) == User.objects.count()


def test_a_listed_group_is_what_the_library_dumps(groups):
    for group in groups:
        members = members_of(group)
        written = group_listed(group, group_location(group), members, USERS_URL)
        dumped = group_resource(group, group_location(group), members, USERS_URL).model_dump(
            scim_ctx=Context.SEARCH_RESPONSE
        )

        assert written == dumped
        assert json.dumps(written) == json.dumps(dumped)


@pytest.mark.parametrize("query", [{}, {"startIndex": "2", "count": "2"}, {"count": "0"}, {"filter": "externalId pr"}])
def test_a_group_list_is_what_the_library_dumps(scim, groups, query):
    response = scim.get("Groups", **query)

    assert response.status_code == 200, response.content
    chosen = [group for group in groups if group.external_id] if "filter" in query else groups
    start, count = int(query.get("startIndex", 1)), int(query.get("count", 100))
    page = chosen[start - 1 : start - 1 + count] if count else []
    listed = GROUP_LIST(
        total_results=len(chosen),
        start_index=start,
        items_per_page=len(page),
        resources=[group_resource(group, group_location(group), members_of(group), USERS_URL) for group in page],
    )
    assert response.content == json.dumps(library_dump(listed, ScimGroup)).encode()


def test_a_group_list_takes_a_fixed_number_of_queries(scim, groups, django_assert_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    with django_assert_num_queries(4):  # the token with its admin's roles, the page, its members and the count
        response = scim.get("Groups")
    assert [len(group.get("members", [])) for group in response.json()["Resources"]] == [
        len(members_of(group)) for group in groups
    ]
