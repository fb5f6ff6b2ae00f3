"""Fixtures of the REST API tests: a small organisation with a subscription in a Subscription Administrator's
scope (S) and one outside it (T), and API clients that authenticate with real bearer tokens."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from accounts.services.tokens import api_token_create
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment, LicensePool, Product, Subscription
from licensing.services.assignments import user_licenses_change
from tests.factories import (
    LicensePoolFactory,
    ProductFactory,
    RoleAssignmentFactory,
    SubscriptionFactory,
    UserFactory,
)

ROLES = ["global_admin", "subscription_admin", "user_admin", "member", "anonymous"]


def bearer_client(user: User | None) -> APIClient:
    """A client that sends `Authorization: Bearer <a new token of user>`; anonymous for None."""
    client = APIClient()
    if user is not None:
        _, key = api_token_create(user=user, name="tests", by=Actor(None, Source.SYSTEM))
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def error_of(response) -> dict:
    """The error of an error response, after checking the body has exactly the documented shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    assert isinstance(body["error"]["details"], dict), body
    return body["error"]


@dataclass
class World:
    s: Subscription  # the Subscription Administrator's subscription
    t: Subscription  # outside their scope
    e3: Product
    e5: Product
    pool_s_e3: LicensePool
    pool_s_e5: LicensePool  # one license, already taken by `holder`
    pool_t_e3: LicensePool
    adele: User  # holds nothing
    holder: User  # holds E3 and E5 in S, E3 in T
    assignment_s: LicenseAssignment
    assignment_t: LicenseAssignment
    users: dict[str, User | None]


@pytest.fixture
def world(db) -> World:
    s = SubscriptionFactory(name="Contoso Enterprise")
    t = SubscriptionFactory(name="Fabrikam Standard")
    e3 = ProductFactory(sku_part_number="OFFICESERIES_E3", name="OfficeSeries E3")
    e5 = ProductFactory(sku_part_number="OFFICESERIES_E5", name="OfficeSeries E5")
    pool_s_e3 = LicensePoolFactory(subscription=s, product=e3, quantity=5)
    pool_s_e5 = LicensePoolFactory(subscription=s, product=e5, quantity=1)
    pool_t_e3 = LicensePoolFactory(subscription=t, product=e3, quantity=5)
    adele = UserFactory(email="adele@contoso.example", display_name="Adele Vance", department="Retail")
    holder = UserFactory(email="holder@contoso.example", display_name="Holden Holder")
    user_licenses_change(user=holder, subscription=s, add=[e3, e5], by=Actor(None, Source.SYSTEM))
    user_licenses_change(user=holder, subscription=t, add=[e3], by=Actor(None, Source.SYSTEM))
    users = {
        "global_admin": RoleAssignmentFactory(role=Role.GLOBAL_ADMIN, user__email="ga@contoso.example").user,
        "subscription_admin": RoleAssignmentFactory(
            role=Role.SUBSCRIPTION_ADMIN, subscription=s, user__email="sa@contoso.example"
        ).user,
        "user_admin": RoleAssignmentFactory(role=Role.USER_ADMIN, user__email="ua@contoso.example").user,
        "member": UserFactory(email="member@contoso.example"),
        "anonymous": None,
    }
    return World(
        s=s,
        t=t,
        e3=e3,
        e5=e5,
        pool_s_e3=pool_s_e3,
        pool_s_e5=pool_s_e5,
        pool_t_e3=pool_t_e3,
        adele=adele,
        holder=holder,
        assignment_s=LicenseAssignment.objects.get(user=holder, pool=pool_s_e3),
        assignment_t=LicenseAssignment.objects.get(user=holder, pool=pool_t_e3),
        users=users,
    )


@pytest.fixture
def client_as(world):
    """`client_as(role)`: a bearer-token client of that role's user in `world` (anonymous: no credentials)."""
    return lambda role: bearer_client(world.users[role])
