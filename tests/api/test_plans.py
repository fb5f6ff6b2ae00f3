"""Service plans over the REST API: products list their plans; `disabled_plans` on a user's licenses (GET: the
plans off on each license and each source's; POST and PUT: `{"SKU": ["PLAN", …]}`) and on a group's."""

import pytest

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import AuditAction, Source
from core.models import AuditEvent
from licensing.models import GroupLicense
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import error_of
from tests.factories import GroupFactory

OPERATOR = Actor(None, Source.CLI)


@pytest.fixture
def client(client_as):
    return client_as("global_admin")


def plan_ids(org, *names) -> list[str]:
    return sorted(str(org.plans[name].service_plan_id) for name in names)


def licenses_url(user) -> str:
    return f"/api/v1/users/{user.pk}/licenses/"


def entry_of(body: dict, product, subscription_name: str = "Contoso Enterprise") -> dict:
    (entry,) = [
        entry
        for entry in body["licenses"]
        if (entry["product"]["sku_part_number"], entry["subscription"]["name"])
        == (product.sku_part_number, subscription_name)
    ]
    return entry


def test_a_product_lists_its_plans(org, client):
    body = client.get("/api/v1/products/OFFICESERIES_E5/").json()
    assert [plan["name"] for plan in body["service_plans"]] == [
        "EXCHANGE_S_ENTERPRISE",
        "MCOEV",
        "SHAREPOINTENTERPRISE",
        "TEAMS1",
    ]
    teams = org.plans["TEAMS1"]
    assert body["service_plans"][3] == {
        "service_plan_id": str(teams.service_plan_id),
        "name": "TEAMS1",
        "friendly_name": "Microsoft Teams",
    }
    listed = client.get("/api/v1/products/").json()["results"]
    assert {product["sku_part_number"]: len(product["service_plans"]) for product in listed} == {
        "OFFICESERIES_E3": 3,
        "OFFICESERIES_E5": 4,
        "VISIO_P2": 1,
    }


def test_post_adds_a_license_with_plans_off_by_name_or_id(org, client):
    response = client.post(
        licenses_url(org.adele),
        {
            "subscription": org.s.pk,
            "add": ["OFFICESERIES_E5"],
            "disabled_plans": {str(org.e5.sku_id): ["mcoev", str(org.plans["TEAMS1"].service_plan_id)]},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    entry = entry_of(response.json(), org.e5)
    assert entry["disabled_plans"] == plan_ids(org, "MCOEV", "TEAMS1")
    assert entry["sources"]["direct_disabled_plans"] == plan_ids(org, "MCOEV", "TEAMS1")
    event = AuditEvent.objects.filter(action=AuditAction.LICENSE_ASSIGNED).latest("id")
    assert (event.source, event.details) == (Source.API, {"disabled_plans": plan_ids(org, "MCOEV", "TEAMS1")})


def test_post_with_plans_alone_changes_them_and_the_etag(org, client):
    before = client.get(licenses_url(org.alex))
    response = client.post(
        licenses_url(org.alex),
        {"subscription": org.s.pk, "disabled_plans": {"OFFICESERIES_E3": ["TEAMS1"]}},
        format="json",
        HTTP_IF_MATCH=before["ETag"],
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] != before["ETag"]
    assert org.pool(org.pool_e3).assigned == 1
    assert entry_of(response.json(), org.e3)["disabled_plans"] == plan_ids(org, "TEAMS1")
    assert AuditEvent.objects.filter(action=AuditAction.LICENSE_PLANS_CHANGED, source=Source.API).count() == 1
    # The old ETag no longer matches.
    stale = client.post(
        licenses_url(org.alex),
        {"subscription": org.s.pk, "disabled_plans": {"OFFICESERIES_E3": []}},
        format="json",
        HTTP_IF_MATCH=before["ETag"],
    )
    assert stale.status_code == 412


def test_put_sets_the_licenses_and_their_plans(org, client):
    response = client.put(
        licenses_url(org.alex),
        {"subscription": org.s.pk, "products": ["OFFICESERIES_E3"], "disabled_plans": {"OFFICESERIES_E3": ["TEAMS1"]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert org.assignment(org.alex, org.pool_e3).disabled_plans == plan_ids(org, "TEAMS1")


@pytest.mark.parametrize(
    ("disabled_plans", "code", "status"),
    [
        ({"OFFICESERIES_E5": ["VISIO_PLAN2"]}, "validation_error", 400),  # not a plan of the product
        ({"OFFICESERIES_E5": ["NOPE"]}, "validation_error", 400),
        ({"OFFICESERIES_E3": ["TEAMS1"]}, "validation_error", 400),  # neither added nor held
        ({"NO_SUCH_SKU": ["TEAMS1"]}, "not_found", 404),
        ({"OFFICESERIES_E5": "TEAMS1"}, "validation_error", 400),  # not a list
    ],
)
def test_bad_plans_are_refused_and_change_nothing(org, client, disabled_plans, code, status):
    response = client.post(
        licenses_url(org.adele),
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E5"], "disabled_plans": disabled_plans},
        format="json",
    )
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert org.held(org.adele) == set()


def test_a_product_named_twice_is_refused(org, client):
    response = client.post(
        licenses_url(org.adele),
        {
            "subscription": org.s.pk,
            "add": ["OFFICESERIES_E5"],
            "disabled_plans": {"OFFICESERIES_E5": ["MCOEV"], str(org.e5.sku_id): []},
        },
        format="json",
    )
    assert response.status_code == 400
    assert error_of(response)["details"] == {"skus": ["OFFICESERIES_E5"]}


def test_get_shows_the_plans_off_and_each_sources(org, client):
    sales = GroupFactory(name="Sales")
    group_members_change(by=OPERATOR, group=sales, add=[org.alex])
    group_licenses_change(
        by=OPERATOR, group=sales, subscription=org.s, add=[org.e3], disabled_plans={org.e3: ["TEAMS1"]}
    )
    client.post(
        licenses_url(org.alex),
        {"subscription": org.s.pk, "disabled_plans": {"OFFICESERIES_E3": ["TEAMS1", "SHAREPOINTENTERPRISE"]}},
        format="json",
    )
    entry = entry_of(client.get(licenses_url(org.alex)).json(), org.e3)
    assert entry["disabled_plans"] == plan_ids(org, "TEAMS1")
    assert entry["sources"] == {
        "direct": True,
        "direct_disabled_plans": plan_ids(org, "TEAMS1", "SHAREPOINTENTERPRISE"),
        "groups": [{"id": sales.pk, "name": "Sales", "disabled_plans": plan_ids(org, "TEAMS1")}],
    }


def test_a_groups_licenses_take_and_show_plans(org, client):
    sales = GroupFactory(name="Sales")
    url = f"/api/v1/groups/{sales.pk}/licenses/"
    response = client.post(
        url,
        {"subscription": org.s.pk, "add": ["OFFICESERIES_E5"], "disabled_plans": {"OFFICESERIES_E5": ["MCOEV"]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["licenses"][0]["disabled_plans"] == plan_ids(org, "MCOEV")
    etag = response["ETag"]
    response = client.post(
        url, {"subscription": org.s.pk, "disabled_plans": {"OFFICESERIES_E5": []}}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert GroupLicense.objects.get(group=sales).disabled_plans == []
    event = AuditEvent.objects.get(action=AuditAction.GROUP_LICENSE_PLANS_CHANGED)
    assert (event.source, event.details["disabled_plans_before"]) == (Source.API, plan_ids(org, "MCOEV"))
