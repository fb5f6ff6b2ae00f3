"""filter, startIndex / count and attributes on the lists (RFC 7644 §3.4.2)."""

import pytest

from accounts.models import User
from tests.scim.conftest import ENTERPRISE, scim_error_of, user_body


@pytest.fixture
def provisioned(scim):
    for index, (name, department, active) in enumerate(
        [("Ann@Contoso.test", "Sales", True), ("ben@contoso.test", "IT", False), ("7f76-uuid", "Sales", True)]
    ):
        body = user_body(name, externalId=f"ext-{index}", displayName=name.split("@")[0], active=active)
        assert scim.post("Users", body | {ENTERPRISE: {"department": department}}).status_code == 201


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(resource["userName"] for resource in response.json()["Resources"])


@pytest.mark.parametrize(
    ("scim_filter", "expected"),
    [
        ('userName eq "ann@contoso.TEST"', ["Ann@Contoso.test"]),
        ('userName eq "7F76-UUID"', ["7f76-uuid"]),
        ('userName sw "BEN"', ["ben@contoso.test"]),
        ('userName co "uuid"', ["7f76-uuid"]),
        ('externalId eq "ext-1"', ["ben@contoso.test"]),
        ('emails.value eq "ANN@contoso.test"', ["Ann@Contoso.test"]),
        ('displayName eq "ben"', ["ben@contoso.test"]),
        ("active eq false", ["ben@contoso.test"]),
        (
            f'{ENTERPRISE}:department eq "Sales" and active eq true and externalId sw "ext"',
            ["7f76-uuid", "Ann@Contoso.test"],
        ),
        ('externalId eq "ext-0" or externalId eq "ext-2"', ["7f76-uuid", "Ann@Contoso.test"]),
        ('externalId pr and not (userName ne "7f76-uuid")', ["7f76-uuid"]),
        ('meta.lastModified gt "2000-01-01T00:00:00Z" and externalId sw "ext"', None),
    ],
)
def test_filters(scim, provisioned, scim_filter, expected):
    response = scim.get("Users", filter=scim_filter)

    if expected is None:  # matches the three provisioned users
        expected = ["7f76-uuid", "Ann@Contoso.test", "ben@contoso.test"]
    assert names(response) == sorted(expected)


def test_users_the_provider_did_not_create_are_found_by_their_email_as_user_name(scim, org):
    assert names(scim.get("Users", filter=f'userName eq "{org.adele.email.upper()}"')) == [org.adele.email]


@pytest.mark.parametrize(
    "scim_filter",
    [
        "userName eq",
        'userName zz "a"',
        "((",
        'nickName eq "x"',  # not kept: no user has one, and no filter silently drops a comparison
        'emails[type eq "work"].value eq "a@contoso.test"',  # only the work email is kept: filter on emails.value
        'meta.lastModified gt "yesterday"',
        'active eq "x"',
    ],
)
def test_a_bad_filter_is_400_invalid_filter(scim, scim_filter):
    scim_error_of(scim.get("Users", filter=scim_filter), 400, "invalidFilter")


def test_paging_is_one_based_in_a_stable_order_with_integer_counts(scim, org, provisioned):
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))

    body = scim.get("Users", startIndex="2", count="2").json()

    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (len(ids), 2, 2)
    assert [int(resource["id"]) for resource in body["Resources"]] == ids[1:3]
    empty = scim.get("Users", count="0").json()
    assert (empty["totalResults"], empty["itemsPerPage"], empty.get("Resources", [])) == (len(ids), 0, [])
    assert scim.get("Users", startIndex="-5", count="1").json()["startIndex"] == 1
    scim_error_of(scim.get("Users", count="many"), 400, "invalidValue")


def test_attributes_and_excluded_attributes(scim, provisioned):
    only = scim.get("Users", filter='externalId eq "ext-0"', attributes="userName").json()["Resources"][0]
    assert set(only) == {"schemas", "id", "userName"}

    without = scim.get("Users", filter='externalId eq "ext-0"', excludedAttributes="emails,displayName").json()
    assert "emails" not in without["Resources"][0] and "displayName" not in without["Resources"][0]
    assert without["Resources"][0]["userName"] == "Ann@Contoso.test"


def test_a_user_name_lookup_takes_a_fixed_number_of_queries(scim, org, django_assert_num_queries):
    scim.get("ServiceProviderConfig")  # the token's last use is recorded once a minute
    with django_assert_num_queries(3):  # the token with its admin's roles, the page and the count
        assert names(scim.get("Users", filter=f'userName eq "{org.adele.email}"')) == [org.adele.email]
