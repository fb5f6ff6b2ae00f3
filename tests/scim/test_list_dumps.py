"""The lists written out (scim/users.py `user_listed`, scim/http.py `list_response`) against scim2-models' own dump
of the same resources, which stays the definition of what a list says: equal as JSON text, so in key order too."""

import datetime
import json

import pytest
from django.test import RequestFactory
from scim2_models import Context

from accounts.models import User
from scim.http import response_parameters
from scim.users import ScimUser, user_listed, user_resource
from scim.views.users import USER_LIST
from tests.factories import UserFactory

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


def location(user: User) -> str:
    return f"http://testserver/scim/v2/Users/{user.pk}"


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


def library_dump(listed) -> dict:
    """The library's dump, with the parameters the view reads from a query that names no attributes."""
    parameters = response_parameters(RequestFactory().get("/scim/v2/Users"), ScimUser)
    return listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters)


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
    assert response.json() == library_dump(listed)
    assert response.content == json.dumps(library_dump(listed)).encode()


def test_a_list_takes_a_fixed_number_of_queries(scim, varied, django_assert_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    with django_assert_num_queries(3):  # the token with its admin's roles, the page and the count
        response = scim.get("Users")
    assert len(response.json()["Resources"]) == User.objects.count()
