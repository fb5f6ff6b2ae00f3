"""The authorization matrix: every URL pattern of the project (web and API), for anonymous, a member without a
role, each admin role, and a Subscription Administrator in and out of scope, against design.md's "Who may do
what". A new URL without an entry here fails `test_every_url_pattern_is_in_the_matrix`."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import Group, RoleAssignment
from core.audit import Actor
from core.choices import Source
from licensing.models import Product
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory, ProductFactory
from tests.scim.conftest import token_of
from tests.world import Org

PRINCIPALS = ["anonymous", "member", "global_admin", "user_admin", "subscription_admin", "other_subscription_admin"]

# Outcomes
OK = "ok"  # served or done (2xx, or a redirect that is not to a sign-in page)
SIGN_IN = "sign_in"  # redirected to the admin center's sign-in page
ADMIN_SIGN_IN = "admin_sign_in"  # redirected to the Django admin site's own sign-in page
UNAUTHENTICATED = "401"
FORBIDDEN = "403"
NOT_FOUND = "404"


def outcomes(anonymous, member, global_admin, user_admin, subscription_admin, other_subscription_admin) -> dict:
    return dict(
        zip(
            PRINCIPALS,
            [anonymous, member, global_admin, user_admin, subscription_admin, other_subscription_admin],
            strict=True,
        )
    )


# The "Who may do what" table, as outcomes. S is the subscription the URL names; "other" administers another one.
WEB_SEE_S = outcomes(SIGN_IN, FORBIDDEN, OK, OK, OK, NOT_FOUND)
WEB_ANY_ADMIN = outcomes(SIGN_IN, FORBIDDEN, OK, OK, OK, OK)
WEB_QUANTITY_S = outcomes(SIGN_IN, FORBIDDEN, OK, FORBIDDEN, OK, NOT_FOUND)
API_SEE_S = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, OK, NOT_FOUND)
API_ANY_ADMIN = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, OK, OK)
API_QUANTITY_S = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, FORBIDDEN, OK, NOT_FOUND)
API_GLOBAL_ADMIN_S = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND)
API_MANAGE_USERS = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)
API_MANAGE_GROUPS = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)
WEB_MANAGE_GROUPS = outcomes(SIGN_IN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)  # changing groups and members
WEB_MANAGE_USERS = outcomes(SIGN_IN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)  # changing users' accounts
WEB_GLOBAL_ADMIN = outcomes(SIGN_IN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)  # granting and revoking roles
WEB_GLOBAL_ADMIN_S = outcomes(SIGN_IN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND)  # a subscription's status
# SCIM: a bearer token of a Global or User Administrator (README, "Provisioning with SCIM").
SCIM = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)
SCIM_SEARCH = outcomes(UNAUTHENTICATED, FORBIDDEN, "501", "501", FORBIDDEN, FORBIDDEN)
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
EVERYONE = outcomes(OK, OK, OK, OK, OK, OK)
SIGNED_OUT = outcomes(*[SIGN_IN] * 6)  # signing out always lands on the sign-in page
NOWHERE = outcomes(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
GRAPH_NOWHERE = outcomes(UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
# Graph's assignLicense of E5, which only S holds: outside their scope a Subscription Administrator has no pool of it.
GRAPH_ASSIGN_E5 = outcomes(UNAUTHENTICATED, FORBIDDEN, OK, OK, OK, "400")
DJANGO_ADMIN_SITE = outcomes(*[ADMIN_SIGN_IN] * 6)  # staff only; admin roles are not staff


@dataclass
class Case:
    method: str
    path: Callable[[Org], str]
    expected: dict
    body: Callable[[Org], dict] | None = None
    api: bool = False
    token: bool = False  # authenticates with a bearer token of the principal (SCIM and Graph take no session)


def s(w: Org) -> str:
    return f"/subscriptions/{w.s.pk}"


# One entry per URL pattern name (namespace:name); the unnamed catch-all of the API is "api-catch-all".
MATRIX: dict[str, list[Case]] = {
    "licensing:home": [Case("get", lambda w: "/", WEB_ANY_ADMIN)],
    "licensing:license_report_export": [Case("get", lambda w: "/license-report/csv/", WEB_ANY_ADMIN)],
    "licensing:license_history_export": [Case("get", lambda w: "/license-report/history/xlsx/", WEB_ANY_ADMIN)],
    "licensing:subscription_overview": [Case("get", lambda w: f"{s(w)}/", WEB_SEE_S)],
    "licensing:subscription_products": [Case("get", lambda w: f"{s(w)}/products/", WEB_SEE_S)],
    "licensing:subscription_status": [
        Case("post", lambda w: f"{s(w)}/status/", WEB_GLOBAL_ADMIN_S, lambda w: {"status": "warning"})
    ],
    "licensing:pool_create": [
        Case(
            "post",
            lambda w: f"{s(w)}/products/buy/",
            WEB_QUANTITY_S,
            lambda w: {"product": _bought(w).pk, "quantity": 3},
        )
    ],
    "licensing:roles": [
        Case("get", lambda w: "/roles/", WEB_ANY_ADMIN),
        Case(
            "post",
            lambda w: "/roles/",
            WEB_GLOBAL_ADMIN,
            lambda w: {"email": w.adele.email, "role": "subscription_admin", "subscription": w.s.pk},
        ),
    ],
    "licensing:role_revoke": [
        Case("post", lambda w: "/roles/revoke/", WEB_GLOBAL_ADMIN, lambda w: {"role": _role_of(w.users["user_admin"])})
    ],
    # Tokens are personal: every admin has their own page; another user's token does not exist for them.
    "licensing:api_tokens": [
        Case("get", lambda w: "/account/tokens/", WEB_ANY_ADMIN),
        Case("post", lambda w: "/account/tokens/", WEB_ANY_ADMIN, lambda w: {"name": "script", "expires_in": "30"}),
    ],
    "licensing:api_token_revoke": [
        Case("post", lambda w: "/account/tokens/999999/revoke/", outcomes(SIGN_IN, FORBIDDEN, *[NOT_FOUND] * 4))
    ],
    # Alerts are personal: every admin has their own settings and notices.
    "licensing:alert_settings": [
        Case("get", lambda w: "/account/alerts/", WEB_ANY_ADMIN),
        Case("post", lambda w: "/account/alerts/", WEB_ANY_ADMIN, lambda w: {"by_email": ["full"]}),
    ],
    "licensing:notices": [Case("get", lambda w: "/account/notices/", WEB_ANY_ADMIN)],
    "licensing:notices_read": [Case("post", lambda w: "/account/notices/read/", WEB_ANY_ADMIN, lambda w: {})],
    "licensing:product_help": [Case("get", lambda w: f"{s(w)}/products/{w.pool_e3.pk}/", WEB_SEE_S)],
    "licensing:pool_quantity": [
        Case("post", lambda w: f"{s(w)}/products/{w.pool_e3.pk}/quantity/", WEB_QUANTITY_S, lambda w: {"quantity": 12})
    ],
    "licensing:subscription_users": [Case("get", lambda w: f"{s(w)}/users/", WEB_SEE_S)],
    "licensing:subscription_users_export": [
        Case("get", lambda w: f"{s(w)}/users/export/csv/?licensed=true", WEB_SEE_S),
        Case("get", lambda w: f"{s(w)}/users/export/xlsx/", WEB_SEE_S),
    ],
    "licensing:subscription_assignments_export": [Case("get", lambda w: f"{s(w)}/assignments/export/csv/", WEB_SEE_S)],
    "licensing:subscription_users_total": [Case("get", lambda w: f"{s(w)}/users/total/?licensed=true", WEB_SEE_S)],
    "licensing:users_bulk": [
        Case(
            "post",
            lambda w: f"{s(w)}/users/bulk/",
            WEB_SEE_S,
            lambda w: {"action": "assign", "product": w.e3.pk, "users": [w.users["member"].pk]},
        )
    ],
    "licensing:user_licenses": [
        Case("get", lambda w: f"{s(w)}/users/{w.alex.pk}/licenses/", WEB_SEE_S),
        Case("post", lambda w: f"{s(w)}/users/{w.alex.pk}/licenses/", WEB_SEE_S, lambda w: {"products": []}),
    ],
    "licensing:subscription_audit": [Case("get", lambda w: f"{s(w)}/audit/", WEB_SEE_S)],
    "licensing:subscription_audit_export": [Case("get", lambda w: f"{s(w)}/audit/export/xlsx/", WEB_SEE_S)],
    "licensing:user_profile": [Case("get", lambda w: f"/users/{w.alex.pk}/", WEB_ANY_ADMIN)],
    "licensing:users": [Case("get", lambda w: "/users/?licensed=true", WEB_ANY_ADMIN)],
    "licensing:users_total": [Case("get", lambda w: "/users/total/?licensed=true", WEB_ANY_ADMIN)],
    "licensing:user_create": [
        Case("get", lambda w: "/users/new/", WEB_MANAGE_USERS),
        Case("post", lambda w: "/users/new/", WEB_MANAGE_USERS, lambda w: {"email": "new@contoso.test"}),
    ],
    # Previews only (no "apply"): the matrix checks who may, the page's tests what is written.
    "licensing:users_import": [
        Case("get", lambda w: "/users/import/", WEB_MANAGE_USERS),
        Case(
            "post", lambda w: "/users/import/", WEB_MANAGE_USERS, lambda w: {"file": _csv("email\nnew@contoso.test\n")}
        ),
    ],
    "licensing:assignments_import": [
        Case("get", lambda w: f"{s(w)}/users/import/", WEB_SEE_S),
        Case(
            "post",
            lambda w: f"{s(w)}/users/import/",
            WEB_SEE_S,
            lambda w: {
                "file": _csv(f"email,subscription,sku,action\n{w.adele.email},{w.s.pk},OFFICESERIES_E3,assign\n")
            },
        ),
    ],
    # An admin's own uploads only: another admin's id is not found (204), as an unknown one.
    "licensing:upload_progress": [Case("get", lambda w: "/uploads/progress/?id=" + "ab" * 16, WEB_ANY_ADMIN)],
    "licensing:users_directory_bulk": [
        Case("post", lambda w: "/users/bulk/", WEB_MANAGE_USERS, lambda w: {"action": "disable", "users": [w.alex.pk]}),
        Case(
            "post",
            lambda w: "/users/bulk/",
            WEB_SEE_S,
            lambda w: {"action": "assign", "pool": w.pool_e5.pk, "users": [w.alex.pk], "confirmed": "true"},
        ),
    ],
    "licensing:user_edit": [
        Case("get", lambda w: f"/users/{w.alex.pk}/edit/", WEB_MANAGE_USERS),
        Case("post", lambda w: f"/users/{w.alex.pk}/edit/", WEB_MANAGE_USERS, lambda w: {"job_title": "x"}),
    ],
    "licensing:user_status": [
        Case("post", lambda w: f"/users/{w.alex.pk}/status/", WEB_MANAGE_USERS, lambda w: {"is_active": "false"})
    ],
    "licensing:user_delete": [
        Case("get", lambda w: f"/users/{w.alex.pk}/delete/", WEB_MANAGE_USERS),
        Case("post", lambda w: f"/users/{w.alex.pk}/delete/", WEB_MANAGE_USERS),
    ],
    "licensing:groups": [Case("get", lambda w: "/groups/", WEB_ANY_ADMIN)],
    "licensing:group_create": [
        Case("get", lambda w: "/groups/new/", WEB_MANAGE_GROUPS),
        Case("post", lambda w: "/groups/new/", WEB_MANAGE_GROUPS, lambda w: {"name": "New", "kind": "assigned"}),
    ],
    "licensing:group_rule_preview": [
        Case("get", lambda w: "/groups/rule-preview/?department=Sales", WEB_MANAGE_GROUPS)
    ],
    "licensing:group_detail": [
        Case("get", lambda w: f"/groups/{w.group.pk}/", WEB_ANY_ADMIN),
        Case(
            "post",
            lambda w: f"/groups/{w.group.pk}/",
            WEB_MANAGE_GROUPS,
            lambda w: {"action": "add", "email": w.alex.email},
        ),
    ],
    "licensing:group_edit": [
        Case("get", lambda w: f"/groups/{w.group.pk}/edit/", WEB_MANAGE_GROUPS),
        Case("post", lambda w: f"/groups/{w.group.pk}/edit/", WEB_MANAGE_GROUPS, lambda w: {"name": "Sales"}),
    ],
    "licensing:group_licenses": [
        Case("get", lambda w: f"/groups/{w.group.pk}/licenses/", WEB_ANY_ADMIN),
        Case("post", lambda w: f"/groups/{w.group.pk}/licenses/", WEB_SEE_S, lambda w: {"pool": w.pool_e5.pk}),
    ],
    "licensing:group_license_remove": [
        Case("get", lambda w: f"/groups/{w.group.pk}/licenses/{w.pool_e3.pk}/remove/", WEB_SEE_S),
        Case("post", lambda w: f"/groups/{w.group.pk}/licenses/{w.pool_e3.pk}/remove/", WEB_SEE_S),
    ],
    "licensing:group_pool_line": [
        Case("get", lambda w: f"/groups/{w.group.pk}/licenses/{w.pool_e3.pk}/line/", WEB_SEE_S)
    ],
    "licensing:group_delete": [
        Case("get", lambda w: f"/groups/{w.group.pk}/delete/", WEB_MANAGE_GROUPS),
        Case("post", lambda w: f"/groups/{w.group.pk}/delete/", WEB_MANAGE_GROUPS),
    ],
    "accounts:login": [Case("get", lambda w: "/accounts/sign-in/", EVERYONE)],
    "accounts:logout": [Case("post", lambda w: "/accounts/sign-out/", SIGNED_OUT)],
    "admin:*": [Case("get", lambda w: "/django-admin/", DJANGO_ADMIN_SITE)],
    "licensing-api:subscription-list": [Case("get", lambda w: "/api/v1/subscriptions/", API_ANY_ADMIN, api=True)],
    "licensing-api:subscription-detail": [
        Case("get", lambda w: f"/api/v1/subscriptions/{w.s.pk}/", API_SEE_S, api=True),
        Case(
            "patch",
            lambda w: f"/api/v1/subscriptions/{w.s.pk}/",
            API_GLOBAL_ADMIN_S,
            lambda w: {"status": "suspended"},
            api=True,
        ),
    ],
    "licensing-api:product-list": [Case("get", lambda w: "/api/v1/products/", API_ANY_ADMIN, api=True)],
    "licensing-api:product-detail": [
        Case("get", lambda w: f"/api/v1/products/{w.e3.sku_part_number}/", API_ANY_ADMIN, api=True)
    ],
    "licensing-api:pool-list": [Case("get", lambda w: "/api/v1/pools/", API_ANY_ADMIN, api=True)],
    "licensing-api:pool-detail": [
        Case("get", lambda w: f"/api/v1/pools/{w.pool_e3.pk}/", API_SEE_S, api=True),
        Case("patch", lambda w: f"/api/v1/pools/{w.pool_e3.pk}/", API_QUANTITY_S, lambda w: {"quantity": 12}, api=True),
    ],
    "licensing-api:pool-history": [
        Case("get", lambda w: f"/api/v1/pools/{w.pool_e3.pk}/history/", API_SEE_S, api=True)
    ],
    "licensing-api:assignment-list": [
        Case("get", lambda w: "/api/v1/assignments/", API_ANY_ADMIN, api=True),
        Case(
            "post",
            lambda w: "/api/v1/assignments/",
            API_SEE_S,
            lambda w: {
                "user": w.users["member"].pk,
                "subscription": w.s.pk,
                "product": w.e3.sku_part_number,
            },
            api=True,
        ),
    ],
    "licensing-api:assignment-detail": [
        Case("get", lambda w: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_e3).pk}/", API_SEE_S, api=True),
        Case("delete", lambda w: f"/api/v1/assignments/{w.assignment(w.alex, w.pool_e3).pk}/", API_SEE_S, api=True),
    ],
    "licensing-api:audit-event-list": [Case("get", lambda w: "/api/v1/audit-events/", API_ANY_ADMIN, api=True)],
    "licensing-api:user-list": [
        Case("get", lambda w: "/api/v1/users/", API_ANY_ADMIN, api=True),
        Case("post", lambda w: "/api/v1/users/", API_MANAGE_USERS, lambda w: {"email": "new@example.test"}, api=True),
    ],
    "licensing-api:user-detail": [
        Case("get", lambda w: f"/api/v1/users/{w.alex.pk}/", API_ANY_ADMIN, api=True),
        Case(
            "patch", lambda w: f"/api/v1/users/{w.alex.pk}/", API_MANAGE_USERS, lambda w: {"job_title": "x"}, api=True
        ),
    ],
    "licensing-api:user-licenses": [
        Case("get", lambda w: f"/api/v1/users/{w.alex.pk}/licenses/", API_ANY_ADMIN, api=True),
        Case(
            "post",
            lambda w: f"/api/v1/users/{w.alex.pk}/licenses/",
            API_SEE_S,
            lambda w: {"subscription": w.s.pk, "add": [], "remove": [w.e3.sku_part_number]},
            api=True,
        ),
        Case(
            "put",
            lambda w: f"/api/v1/users/{w.alex.pk}/licenses/",
            API_SEE_S,
            lambda w: {"subscription": w.s.pk, "products": []},
            api=True,
        ),
    ],
    "accounts-api:token-list": [
        Case("get", lambda w: "/api/v1/tokens/", API_ANY_ADMIN, api=True),
        Case("post", lambda w: "/api/v1/tokens/", API_ANY_ADMIN, lambda w: {"name": "script"}, api=True),
    ],
    # Tokens are personal: another user's token does not exist for the caller.
    "accounts-api:token-detail": [
        Case(
            "get", lambda w: "/api/v1/tokens/999999/", outcomes(UNAUTHENTICATED, FORBIDDEN, *[NOT_FOUND] * 4), api=True
        )
    ],
    "accounts-api:group-list": [
        Case("get", lambda w: "/api/v1/groups/", API_ANY_ADMIN, api=True),
        Case(
            "post",
            lambda w: "/api/v1/groups/",
            API_MANAGE_GROUPS,
            lambda w: {"name": "New", "kind": "assigned"},
            api=True,
        ),
    ],
    "accounts-api:group-detail": [
        Case("get", lambda w: f"/api/v1/groups/{w.group.pk}/", API_ANY_ADMIN, api=True),
        Case(
            "patch",
            lambda w: f"/api/v1/groups/{w.group.pk}/",
            API_MANAGE_GROUPS,
            lambda w: {"description": "x"},
            api=True,
        ),
        Case("delete", lambda w: f"/api/v1/groups/{w.group.pk}/", API_MANAGE_GROUPS, api=True),
    ],
    "accounts-api:group-members": [
        Case("get", lambda w: f"/api/v1/groups/{w.group.pk}/members/", API_ANY_ADMIN, api=True),
        Case(
            "post",
            lambda w: f"/api/v1/groups/{w.group.pk}/members/",
            API_MANAGE_GROUPS,
            lambda w: {"add": [w.alex.pk], "remove": [w.users["member"].email]},
            api=True,
        ),
    ],
    # Every admin reads a group's licenses (a Subscription Administrator those of their subscriptions); whoever may
    # assign licenses in S changes the group's products there.
    "licensing-api:group-licenses": [
        Case("get", lambda w: f"/api/v1/groups/{w.group.pk}/licenses/", API_ANY_ADMIN, api=True),
        Case(
            "post",
            lambda w: f"/api/v1/groups/{w.group.pk}/licenses/",
            API_SEE_S,
            lambda w: {"subscription": w.s.pk, "add": [w.e5.sku_part_number]},
            api=True,
        ),
    ],
    "api-schema": [Case("get", lambda w: "/api/v1/schema/", API_ANY_ADMIN, api=True)],
    "api-docs": [Case("get", lambda w: "/api/v1/docs/", API_ANY_ADMIN, api=True)],
    "api-catch-all": [Case("get", lambda w: "/api/v1/no-such-thing/", NOWHERE, api=True)],
    "scim:users": [
        Case("get", lambda w: "/scim/v2/Users", SCIM, token=True),
        Case(
            "post", lambda w: "/scim/v2/Users", SCIM, lambda w: {"userName": "new@example.test"}, api=True, token=True
        ),
    ],
    "scim:user": [
        Case("get", lambda w: f"/scim/v2/Users/{w.adele.pk}", SCIM, token=True),
        Case("put", lambda w: f"/scim/v2/Users/{w.adele.pk}", SCIM, lambda w: {"userName": w.adele.email}, True, True),
        Case(
            "patch",
            lambda w: f"/scim/v2/Users/{w.adele.pk}",
            SCIM,
            lambda w: {"Operations": [{"op": "replace", "value": {"title": "Buyer"}}]},
            api=True,
            token=True,
        ),
    ],
    "scim:groups": [
        Case("get", lambda w: "/scim/v2/Groups", SCIM, token=True),
        Case("post", lambda w: "/scim/v2/Groups", SCIM, lambda w: {"displayName": "New"}, api=True, token=True),
    ],
    "scim:group": [
        Case("get", lambda w: f"/scim/v2/Groups/{w.group.pk}", SCIM, token=True),
        Case("delete", lambda w: f"/scim/v2/Groups/{w.group.pk}", SCIM, token=True),
    ],
    "scim:service-provider-config": [Case("get", lambda w: "/scim/v2/ServiceProviderConfig", SCIM, token=True)],
    "scim:resource-types": [Case("get", lambda w: "/scim/v2/ResourceTypes", SCIM, token=True)],
    "scim:resource-type": [Case("get", lambda w: "/scim/v2/ResourceTypes/User", SCIM, token=True)],
    "scim:schemas": [Case("get", lambda w: "/scim/v2/Schemas", SCIM, token=True)],
    "scim:schema": [Case("get", lambda w: f"/scim/v2/Schemas/{GROUP_URN}", SCIM, token=True)],
    # Searching several resource types at once is not implemented (501), for whoever may provision.
    "scim:search": [Case("post", lambda w: "/scim/v2/.search", SCIM_SEARCH, lambda w: {}, api=True, token=True)],
    "scim:not-found": [Case("get", lambda w: "/scim/v2/Nothing", outcomes(*[NOT_FOUND] * 6), token=True)],
    # The Graph endpoint: the REST API's roles and scope, with bearer tokens only.
    "graph-subscribed-skus": [Case("get", lambda w: "/graph/v1.0/subscribedSkus", API_ANY_ADMIN, token=True)],
    "graph-subscribed-sku": [
        Case("get", lambda w: f"/graph/v1.0/subscribedSkus/{_graph_sku(w.e5)}", API_SEE_S, token=True)
    ],
    "graph-users": [Case("get", lambda w: "/graph/v1.0/users", API_ANY_ADMIN, token=True)],
    "graph-user": [Case("get", lambda w: f"/graph/v1.0/users/{w.alex.public_id}", API_ANY_ADMIN, token=True)],
    "graph-me": [Case("get", lambda w: "/graph/v1.0/me", API_ANY_ADMIN, token=True)],
    "graph-user-license-details": [
        Case("get", lambda w: f"/graph/v1.0/users/{w.alex.public_id}/licenseDetails", API_ANY_ADMIN, token=True)
    ],
    "graph-user-assign-license": [
        Case(
            "post",
            lambda w: f"/graph/v1.0/users/{w.adele.public_id}/assignLicense",
            GRAPH_ASSIGN_E5,
            lambda w: {"addLicenses": [{"skuId": str(w.e5.sku_id), "disabledPlans": []}], "removeLicenses": []},
            token=True,
        )
    ],
    "graph-groups": [Case("get", lambda w: "/graph/v1.0/groups", API_ANY_ADMIN, token=True)],
    "graph-group": [Case("get", lambda w: f"/graph/v1.0/groups/{w.group.public_id}", API_ANY_ADMIN, token=True)],
    "graph-group-members": [
        Case("get", lambda w: f"/graph/v1.0/groups/{w.group.public_id}/members", API_ANY_ADMIN, token=True)
    ],
    "graph-group-assign-license": [
        Case(
            "post",
            lambda w: f"/graph/v1.0/groups/{w.group.public_id}/assignLicense",
            GRAPH_ASSIGN_E5,
            lambda w: {"addLicenses": [{"skuId": str(w.e5.sku_id)}], "removeLicenses": []},
            token=True,
        )
    ],
    "graph-catch-all": [Case("get", lambda w: "/graph/v1.0/no-such-thing", GRAPH_NOWHERE, token=True)],
}


def _bought(w) -> Product:
    """A product S does not hold yet, for "Buy licenses"."""
    return ProductFactory(name="OfficeSeries Project Plan 3", sku_part_number="PROJECT_P3")


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("upload.csv", text.encode(), content_type="text/csv")


def _role_of(user) -> int:
    return RoleAssignment.objects.get(user=user).pk


def _graph_sku(product) -> str:
    return f"{settings.GRAPH_ACCOUNT_ID}_{product.sku_id}"


def url_pattern_names(resolver: URLResolver | None = None, namespace: str | None = None) -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner == "admin":
                names.add("admin:*")  # the Django admin site guards all of its URLs itself
            else:
                names |= url_pattern_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ("api-catch-all" if str(pattern.pattern).endswith(".*/$") else str(pattern.pattern))
            names.add(f"{namespace}:{name}" if namespace and pattern.name else name)
    return names


def test_every_url_pattern_is_in_the_matrix():
    assert url_pattern_names() == set(MATRIX)


CASES = [
    pytest.param(name, index, principal, id=f"{name}-{case.method}-{principal}")
    for name, cases in MATRIX.items()
    for index, case in enumerate(cases)
    for principal in PRINCIPALS
]


def outcome_of(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        if location.startswith("/accounts/sign-in/"):
            return SIGN_IN
        if location.startswith("/django-admin/login/"):
            return ADMIN_SIGN_IN
        return OK
    if response.status_code < 300:
        return OK
    return {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code, str(response.status_code))


@dataclass
class MatrixWorld:
    """The shared organisation, and one group for the group endpoints (kept out of the shared world, whose tests
    count groups), holding S's E3 pool."""

    org: Org
    group: Group

    def __getattr__(self, name):
        return getattr(self.org, name)


@pytest.mark.parametrize(("name", "index", "principal"), CASES)
def test_matrix(org, out_of_scope_admin, name, index, principal):
    group = GroupFactory(name="Sales team")
    group_licenses_change(by=Actor(None, Source.SYSTEM), group=group, subscription=org.s, add=[org.pool_e3.product])
    org = MatrixWorld(org, group)
    case = MATRIX[name][index]
    client = APIClient(enforce_csrf_checks=False)
    user = out_of_scope_admin if principal == "other_subscription_admin" else org.users[principal]
    if principal != "anonymous" and case.token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of(user)}")
    elif principal != "anonymous":
        client.force_login(user)
    body = case.body(org) if case.body else None
    request = getattr(client, case.method)
    api = case.api or case.token
    response = request(case.path(org), body, format="json") if api else request(case.path(org), body)
    assert outcome_of(response) == case.expected[principal], response.content[:300]
