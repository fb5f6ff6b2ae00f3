"""Every endpoint x role: allowed, 401 without credentials, 403 without an admin role (or the right one), 404
outside a Subscription Administrator's scope. And list endpoints return only what the caller may see."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source
from licensing.services.assignments import user_licenses_change
from tests.api.conftest import error_of
from tests.world import ROLES, Org

ERROR_CODES = {401: {"not_authenticated"}, 403: {"permission_denied"}, 404: {"not_found"}}


@dataclass
class Case:
    name: str
    method: str
    url: Callable[[Org, Any], str]
    expected: dict[str, int]  # by admin role; a member always gets 403 and an anonymous caller 401
    body: Callable[[Org], dict] = field(default=lambda w: {})

    def status_for(self, role: str) -> int:
        return {"member": 403, "anonymous": 401}.get(role) or self.expected[role]


def all_admins(status: int) -> dict[str, int]:
    return {"global_admin": status, "subscription_admin": status, "user_admin": status}


def out_of_scope(status: int, user_admin: int | None = None) -> dict[str, int]:
    """Allowed for Global and User Administrators, 404 for the Subscription Administrator of the other one."""
    return {
        "global_admin": status,
        "subscription_admin": 404,
        "user_admin": status if user_admin is None else user_admin,
    }


def own_token(w: Org, caller) -> str:
    token, _ = api_token_create(user=caller or w.adele, name="to revoke", by=Actor(None, Source.SYSTEM))
    return f"/api/v1/tokens/{token.pk}/"


def someone_elses_token(w: Org, caller) -> str:
    token, _ = api_token_create(user=w.adele, name="not yours", by=Actor(None, Source.SYSTEM))
    return f"/api/v1/tokens/{token.pk}/"


CASES = [
    Case("subscriptions list", "get", lambda w, u: "/api/v1/subscriptions/", all_admins(200)),
    Case("subscription in scope", "get", lambda w, u: f"/api/v1/subscriptions/{w.s.pk}/", all_admins(200)),
    Case("subscription out of scope", "get", lambda w, u: f"/api/v1/subscriptions/{w.t.pk}/", out_of_scope(200)),
    Case("products list", "get", lambda w, u: "/api/v1/products/", all_admins(200)),
    Case("product by part number", "get", lambda w, u: "/api/v1/products/officeseries_e3/", all_admins(200)),
    Case("product by sku id", "get", lambda w, u: f"/api/v1/products/{w.e5.sku_id}/", all_admins(200)),
    Case("pools list", "get", lambda w, u: "/api/v1/pools/", all_admins(200)),
    Case("pool in scope", "get", lambda w, u: f"/api/v1/pools/{w.pool_e3.pk}/", all_admins(200)),
    Case("pool out of scope", "get", lambda w, u: f"/api/v1/pools/{w.pool_t_e3.pk}/", out_of_scope(200)),
    Case(
        "pool quantity in scope",
        "patch",
        lambda w, u: f"/api/v1/pools/{w.pool_e3.pk}/",
        {"global_admin": 200, "subscription_admin": 200, "user_admin": 403},
        lambda w: {"quantity": 7},
    ),
    Case(
        "pool quantity out of scope",
        "patch",
        lambda w, u: f"/api/v1/pools/{w.pool_t_e3.pk}/",
        out_of_scope(200, user_admin=403),
        lambda w: {"quantity": 7},
    ),
    Case("users list", "get", lambda w, u: "/api/v1/users/", all_admins(200)),
    Case(
        "users of subscription in scope", "get", lambda w, u: f"/api/v1/users/?subscription={w.s.pk}", all_admins(200)
    ),
    Case(
        "users of subscription out of scope",
        "get",
        lambda w, u: f"/api/v1/users/?subscription={w.t.pk}",
        out_of_scope(200),
    ),
    Case("user", "get", lambda w, u: f"/api/v1/users/{w.adele.pk}/", all_admins(200)),
    Case(
        "user create",
        "post",
        lambda w, u: "/api/v1/users/",
        {"global_admin": 201, "subscription_admin": 403, "user_admin": 201},
        lambda w: {"email": "new.hire@contoso.example", "display_name": "New Hire"},
    ),
    Case(
        "user update",
        "patch",
        lambda w, u: f"/api/v1/users/{w.adele.pk}/",
        {"global_admin": 200, "subscription_admin": 403, "user_admin": 200},
        lambda w: {"department": "Marketing"},
    ),
    Case("user licenses", "get", lambda w, u: f"/api/v1/users/{w.adele.pk}/licenses/", all_admins(200)),
    Case(
        "license change in scope",
        "post",
        lambda w, u: f"/api/v1/users/{w.adele.pk}/licenses/",
        all_admins(200),
        lambda w: {"subscription": w.s.pk, "add": ["OFFICESERIES_E3"]},
    ),
    Case(
        "license change out of scope",
        "post",
        lambda w, u: f"/api/v1/users/{w.adele.pk}/licenses/",
        out_of_scope(200),
        lambda w: {"subscription": w.t.pk, "add": ["OFFICESERIES_E3"]},
    ),
    Case(
        "license set in scope",
        "put",
        lambda w, u: f"/api/v1/users/{w.alex.pk}/licenses/",
        all_admins(200),
        lambda w: {"subscription": w.s.pk, "products": [str(w.e3.sku_id)]},
    ),
    Case(
        "license set out of scope",
        "put",
        lambda w, u: f"/api/v1/users/{w.alex.pk}/licenses/",
        out_of_scope(200),
        lambda w: {"subscription": w.t.pk, "products": []},
    ),
    Case("assignments list", "get", lambda w, u: "/api/v1/assignments/", all_admins(200)),
    Case(
        "assignment in scope",
        "get",
        lambda w, u: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_e3).pk}/",
        all_admins(200),
    ),
    Case(
        "assignment out of scope",
        "get",
        lambda w, u: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_t_e3).pk}/",
        out_of_scope(200),
    ),
    Case(
        "assign in scope",
        "post",
        lambda w, u: "/api/v1/assignments/",
        all_admins(201),
        lambda w: {"user": w.adele.pk, "subscription": w.s.pk, "product": "OFFICESERIES_E3"},
    ),
    Case(
        "assign out of scope",
        "post",
        lambda w, u: "/api/v1/assignments/",
        out_of_scope(201),
        lambda w: {"user": w.adele.pk, "subscription": w.t.pk, "product": "OFFICESERIES_E3"},
    ),
    Case(
        "unassign in scope",
        "delete",
        lambda w, u: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_e3).pk}/",
        all_admins(204),
    ),
    Case(
        "unassign out of scope",
        "delete",
        lambda w, u: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_t_e3).pk}/",
        out_of_scope(204),
    ),
    Case("audit events", "get", lambda w, u: "/api/v1/audit-events/", all_admins(200)),
    Case("tokens list", "get", lambda w, u: "/api/v1/tokens/", all_admins(200)),
    Case("token create", "post", lambda w, u: "/api/v1/tokens/", all_admins(201), lambda w: {"name": "provisioning"}),
    Case("own token", "get", own_token, all_admins(200)),
    Case("own token revoke", "delete", own_token, all_admins(204)),
    Case("someone else's token revoke", "delete", someone_elses_token, all_admins(404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_endpoint_by_role(org, client_as, case: Case, role: str):
    client = client_as(role)
    url = case.url(org, org.users[role])
    response = getattr(client, case.method)(url, case.body(org), format="json")
    expected = case.status_for(role)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert error_of(response)["code"] in ERROR_CODES[expected]


def ids(response, key: str = "id") -> set:
    return {item[key] for item in response.json()["results"]}


def test_subscription_admin_lists_only_their_subscription(org, client_as):
    client = client_as("subscription_admin")
    assert ids(client.get("/api/v1/subscriptions/")) == {org.s.pk}
    assert ids(client.get("/api/v1/pools/")) == {org.pool_e3.pk, org.pool_e5.pk, org.pool_visio.pk}
    assert {item["subscription"]["id"] for item in client.get("/api/v1/assignments/").json()["results"]} == {org.s.pk}
    events = client.get("/api/v1/audit-events/").json()["results"]
    assert events and {event["subscription"] for event in events} == {org.s.pk}


def test_global_admin_lists_everything(org, client_as):
    client = client_as("global_admin")
    assert ids(client.get("/api/v1/subscriptions/")) == {org.s.pk, org.t.pk}
    assert len(client.get("/api/v1/assignments/").json()["results"]) == 3
    events = client.get("/api/v1/audit-events/?limit=500").json()["results"]
    # License events of both subscriptions, and the organisation-wide ones (tokens) with no subscription.
    assert {event["subscription"] for event in events} == {org.s.pk, org.t.pk, None}


def test_subscription_admin_sees_every_user_but_only_licenses_of_their_subscription(org, client_as):
    client = client_as("subscription_admin")
    users = {user["email"]: user for user in client.get("/api/v1/users/?limit=500").json()["results"]}
    assert {"adele.vance@contoso.test", "alex.wilber@contoso.test", "gloria.admin@contoso.test"} <= set(users)
    held = users["alex.wilber@contoso.test"]["licenses"]
    assert {(lic["subscription"]["id"], lic["product"]["sku_part_number"]) for lic in held} == {
        (org.s.pk, "OFFICESERIES_E3"),
    }
    licenses = client.get(f"/api/v1/users/{org.alex.pk}/licenses/").json()["licenses"]
    assert {lic["subscription"]["id"] for lic in licenses} == {org.s.pk}


def test_tokens_list_shows_only_the_callers_tokens(org, client_as):
    api_token_create(user=org.adele, name="adele's", by=Actor(None, Source.SYSTEM))
    names = {token["name"] for token in client_as("global_admin").get("/api/v1/tokens/").json()["results"]}
    assert names == {"tests"}


def test_audit_log_of_a_subscription_admin_omits_events_without_their_subscription(org, client_as):
    user_licenses_change(user=org.adele, subscription=org.t, add=[org.e3], by=Actor(None, Source.CLI))
    events = client_as("subscription_admin").get("/api/v1/audit-events/?source=cli").json()["results"]
    assert events == []
    assert len(client_as("user_admin").get("/api/v1/audit-events/?source=cli").json()["results"]) == 1
