"""Fixtures of the web view tests: a small organisation with a subscription in a Subscription Administrator's
scope (S) and one outside it (T), and a client signed in as each kind of person."""

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.models import LicensePool, Product, Subscription
from licensing.services.assignments import user_licenses_change
from tests.factories import LicensePoolFactory, ProductFactory, RoleAssignmentFactory, SubscriptionFactory, UserFactory

ROLES = ["global_admin", "subscription_admin", "user_admin", "member", "anonymous"]
HTMX = {"HX-Request": "true"}


@dataclass
class Org:
    s: Subscription  # the Subscription Administrator's subscription
    t: Subscription  # outside their scope
    e3: Product
    e5: Product
    visio: Product  # exhausted in S
    pool_e3: LicensePool  # S: 20, Alex holds one
    pool_e5: LicensePool  # S: 5, none assigned
    pool_visio: LicensePool  # S: 1, held by Henrietta
    pool_t_e3: LicensePool  # T: 7, Alex holds one
    adele: User  # holds nothing
    alex: User
    henrietta: User
    users: dict[str, User | None]

    def pool(self, pool: LicensePool) -> LicensePool:
        pool.refresh_from_db()
        return pool

    def held(self, user: User, subscription: Subscription | None = None) -> set[str]:
        return set(
            user.license_assignments.filter(pool__subscription=subscription or self.s).values_list(
                "pool__product__name", flat=True
            )
        )


@pytest.fixture
def org(db) -> Org:
    s = SubscriptionFactory(name="Contoso Enterprise")
    t = SubscriptionFactory(name="Fabrikam Research")
    e3 = ProductFactory(name="OfficeSeries E3", sku_part_number="OFFICESERIES_E3")
    e5 = ProductFactory(name="OfficeSeries E5", sku_part_number="OFFICESERIES_E5")
    visio = ProductFactory(name="OfficeSeries Visio Plan 2", sku_part_number="VISIO_P2")
    pools = {
        "e3": LicensePoolFactory(subscription=s, product=e3, quantity=20),
        "e5": LicensePoolFactory(subscription=s, product=e5, quantity=5),
        "visio": LicensePoolFactory(subscription=s, product=visio, quantity=1),
        "t_e3": LicensePoolFactory(subscription=t, product=e3, quantity=7),
    }
    adele = UserFactory(display_name="Adele Vance", email="adele.vance@contoso.test", department="Sales")
    alex = UserFactory(display_name="Alex Wilber", email="alex.wilber@contoso.test", department="Marketing")
    henrietta = UserFactory(
        display_name="Henrietta Mueller", email="henrietta.mueller@contoso.test", department="Research"
    )
    global_admin = RoleAssignmentFactory(
        role=Role.GLOBAL_ADMIN, user=UserFactory(display_name="Gloria Admin", department="IT")
    ).user
    users = {
        "global_admin": global_admin,
        "subscription_admin": RoleAssignmentFactory(
            role=Role.SUBSCRIPTION_ADMIN, subscription=s, user=UserFactory(display_name="Sam Subadmin", department="IT")
        ).user,
        "user_admin": RoleAssignmentFactory(
            role=Role.USER_ADMIN, user=UserFactory(display_name="Uma Useradmin", department="IT")
        ).user,
        "member": UserFactory(display_name="Morgan Member", department="Sales"),
        "anonymous": None,
    }
    user_licenses_change(user=alex, subscription=s, add=[e3], by=Actor(global_admin, Source.WEB))
    user_licenses_change(user=alex, subscription=t, add=[e3], by=Actor(global_admin, Source.WEB))
    user_licenses_change(user=henrietta, subscription=s, add=[visio], by=Actor(None, Source.SYSTEM))
    return Org(
        s=s,
        t=t,
        e3=e3,
        e5=e5,
        visio=visio,
        pool_e3=pools["e3"],
        pool_e5=pools["e5"],
        pool_visio=pools["visio"],
        pool_t_e3=pools["t_e3"],
        adele=adele,
        alex=alex,
        henrietta=henrietta,
        users=users,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def global_admin_client(org) -> Client:
    """Signed in as the Global Administrator."""
    return client_for(org.users["global_admin"])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
