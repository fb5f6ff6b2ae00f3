"""The one organisation the web, API and browser tests share (the `org` fixture of tests/conftest.py; the browser
builds it in a committed transaction for its live server). Licenses are assigned through the services, as an
admin would; the rest comes from the factories.

Contoso Enterprise (S) is in the Subscription Administrator's scope, Fabrikam Research (T) is not:

    S  OfficeSeries E3             20   Alex holds one
    S  OfficeSeries E5              5   none assigned
    S  OfficeSeries Visio Plan 2    1   exhausted: Henrietta holds it
    T  OfficeSeries E3              7   Alex holds one

E3 holds the plans EXCHANGE_S_ENTERPRISE, TEAMS1 and SHAREPOINTENTERPRISE; E5 those and MCOEV (Teams Phone);
Visio VISIO_PLAN2 (`Org.plans`, by name).

People: Adele Vance (Sales, holds nothing), Alex Wilber (Marketing), Henrietta Mueller (Research), and one user
of each role in `users` (admins in IT, the member in Sales), keyed as in ROLES. The Subscription Administrator
of T (the `out_of_scope_admin` fixture) is made only where a test asks for it, so that the lists keep their length.
"""

from dataclasses import dataclass

from django.db import connection

from accounts.choices import Role
from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment, LicensePool, Product, ServicePlan, Subscription
from licensing.services.assignments import user_licenses_change
from tests.factories import (
    LicensePoolFactory,
    ProductFactory,
    RoleAssignmentFactory,
    ServicePlanFactory,
    SubscriptionFactory,
    UserFactory,
)

# The principals every page and endpoint is tried with, the keys of `Org.users`.
ROLES = ["global_admin", "subscription_admin", "user_admin", "member", "anonymous"]


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
    users: dict[str, User | None]  # by role, plus "anonymous": None
    plans: dict[str, ServicePlan]  # by name

    def pool(self, pool: LicensePool) -> LicensePool:
        """`pool` as the database has it now."""
        pool.refresh_from_db()
        return pool

    def held(self, user: User, subscription: Subscription | None = None) -> set[str]:
        """Names of the products `user` holds in `subscription` (S by default), read from the database."""
        return set(
            user.license_assignments.filter(pool__subscription=subscription or self.s).values_list(
                "pool__product__name", flat=True
            )
        )

    def assignment(self, user: User, pool: LicensePool) -> LicenseAssignment:
        return LicenseAssignment.objects.get(user=user, pool=pool)


def admin_new(role: Role, name: str, subscription: Subscription | None = None) -> User:
    """An admin of the organisation (in IT, with an email made from the name)."""
    email = f"{name.lower().replace(' ', '.')}@contoso.test"
    user = UserFactory(display_name=name, email=email, department="IT")
    return RoleAssignmentFactory(role=role, subscription=subscription, user=user).user


def org_build() -> Org:
    s = SubscriptionFactory(name="Contoso Enterprise")
    t = SubscriptionFactory(name="Fabrikam Research")
    e3 = ProductFactory(name="OfficeSeries E3", sku_part_number="OFFICESERIES_E3")
    e5 = ProductFactory(name="OfficeSeries E5", sku_part_number="OFFICESERIES_E5")
    visio = ProductFactory(name="OfficeSeries Visio Plan 2", sku_part_number="VISIO_P2")
    plans = {
        name: ServicePlanFactory(name=name, friendly_name=friendly)
        for name, friendly in (
            ("EXCHANGE_S_ENTERPRISE", "Exchange Online (Plan 2)"),
            ("TEAMS1", "Microsoft Teams"),
            ("SHAREPOINTENTERPRISE", "SharePoint (Plan 2)"),
            ("MCOEV", "Microsoft Teams Phone"),
            ("VISIO_PLAN2", "Visio (Plan 2)"),
        )
    }
    e3.service_plans.set([plans["EXCHANGE_S_ENTERPRISE"], plans["TEAMS1"], plans["SHAREPOINTENTERPRISE"]])
    e5.service_plans.set([*e3.service_plans.all(), plans["MCOEV"]])
    visio.service_plans.set([plans["VISIO_PLAN2"]])
    pool_e3 = LicensePoolFactory(subscription=s, product=e3, quantity=20)
    pool_e5 = LicensePoolFactory(subscription=s, product=e5, quantity=5)
    pool_visio = LicensePoolFactory(subscription=s, product=visio, quantity=1)
    pool_t_e3 = LicensePoolFactory(subscription=t, product=e3, quantity=7)
    adele = UserFactory(display_name="Adele Vance", email="adele.vance@contoso.test", department="Sales")
    alex = UserFactory(display_name="Alex Wilber", email="alex.wilber@contoso.test", department="Marketing")
    henrietta = UserFactory(
        display_name="Henrietta Mueller", email="henrietta.mueller@contoso.test", department="Research"
    )
    users = {
        "global_admin": admin_new(Role.GLOBAL_ADMIN, "Gloria Admin"),
        "subscription_admin": admin_new(Role.SUBSCRIPTION_ADMIN, "Sam Subadmin", subscription=s),
        "user_admin": admin_new(Role.USER_ADMIN, "Uma Useradmin"),
        "member": UserFactory(display_name="Morgan Member", email="morgan.member@contoso.test", department="Sales"),
        "anonymous": None,
    }
    by_admin = Actor(users["global_admin"], Source.WEB)
    user_licenses_change(user=alex, subscription=s, add=[e3], by=by_admin)
    user_licenses_change(user=alex, subscription=t, add=[e3], by=by_admin)
    user_licenses_change(user=henrietta, subscription=s, add=[visio], by=Actor(None, Source.SYSTEM))
    return Org(
        s=s,
        t=t,
        e3=e3,
        e5=e5,
        visio=visio,
        pool_e3=pool_e3,
        pool_e5=pool_e5,
        pool_visio=pool_visio,
        pool_t_e3=pool_t_e3,
        adele=adele,
        alex=alex,
        henrietta=henrietta,
        users=users,
        plans=plans,
    )


def write_statements(writes: int) -> int:
    """The statements that run a single change's `writes` (its rows, counters and audit events): one on
    PostgreSQL, where core/writes.py runs them together, one each elsewhere."""
    return 1 if connection.vendor == "postgresql" else writes
