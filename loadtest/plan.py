"""The data a load run works on: subscriptions (active, grace period, suspended), small pools, users in three
cohorts, groups holding some of the pools, and admins of every role, made through the services by `plan_create`;
`Plan` is what the clients know of it.

Django is set up by the caller, after this module is imported (`python -m loadtest` picks the database first).
"""

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Admin:
    """One admin the clients act as: a bearer token, and a password for the web's bulk form (or none)."""

    email: str
    role: str  # an accounts.choices.Role value
    token: str
    password: str = ""
    subscription_id: int | None = None  # a Subscription Administrator's subscription


@dataclass(frozen=True)
class Pool:
    id: int
    subscription_id: int
    product_id: int
    sku: str
    quantity: int  # when the plan was made


@dataclass(frozen=True)
class PlanGroup:
    id: int
    name: str
    kind: str  # an accounts.choices.GroupKind value


@dataclass(frozen=True)
class Plan:
    """The data a run works on, made by `plan_create`."""

    admins: list[Admin]
    subscriptions: dict[int, str]  # id -> status
    pools: list[Pool]
    foreign_sku: str  # a product no subscription of the plan has licenses of
    single_users: list[int]
    bulk_users: list[int]
    group_users: list[int]  # the only members of the groups, and the only users who wait for licenses
    groups: list[PlanGroup]
    audit_floor: int  # the highest audit event id before the run

    def pools_of(self, subscription_id: int) -> list[Pool]:
        return [pool for pool in self.pools if pool.subscription_id == subscription_id]

    def assignable(self, subscription_id: int) -> bool:
        return self.subscriptions[subscription_id] in ("active", "warning")

    def assigned_groups(self) -> list[PlanGroup]:
        return [group for group in self.groups if group.kind == "assigned"]


# The groups of a plan: their pools, by subscription status and product, and which share of the group cohort
# they start with. A pool's members outnumber its free licenses, so some of them wait; the suspended pool's
# members all wait. The dynamic group's rule matches the whole cohort (their department: the run's name).
GROUP_LAYOUT = {
    "Sales": ("assigned", [("active", "STRESS_E5")], 0.5),
    "Field": ("assigned", [("warning", "STRESS_F1"), ("active", "STRESS_E1")], 0.3),
    "Legacy": ("assigned", [("suspended", "STRESS_E5")], 0.2),
    "Everyone": ("dynamic", [("warning", "STRESS_E1")], 1.0),
}


def plan_create(*, name: str, single_users: int, bulk_users: int, password: str, group_users: int = 0) -> Plan:
    """Subscriptions (active, grace period, suspended), small pools half assigned, users, groups holding some of
    the pools, admins and their tokens, made through the services. `name` keeps the subscriptions, users, groups
    and admins of one run apart from any other's."""
    # Imported here: `python -m loadtest` sets Django up only once it knows the database.
    from accounts.choices import Role
    from accounts.models import User
    from accounts.services.groups import group_create, group_members_change
    from accounts.services.imports import users_import
    from accounts.services.roles import role_grant
    from accounts.services.tokens import api_token_create
    from accounts.services.users import user_create
    from core.audit import Actor
    from core.choices import Source
    from core.models import AuditEvent
    from licensing.choices import SubscriptionStatus
    from licensing.models import LicensePool, Product, Subscription
    from licensing.services.bulk import licenses_bulk_assign
    from licensing.services.group_licenses import group_licenses_change
    from licensing.services.pools import pool_create

    products = {
        sku: Product.objects.get_or_create(sku_part_number=sku, defaults={"name": f"Stress {sku.title()}"})[0]
        for sku in ("STRESS_E1", "STRESS_E3", "STRESS_E5", "STRESS_F1", "STRESS_FOREIGN")
    }
    total = single_users + bulk_users + group_users
    layout = {  # status: {sku: quantity as a share of all users}
        SubscriptionStatus.ACTIVE: {"STRESS_E1": 0.1, "STRESS_E3": 0.3, "STRESS_E5": 0.05, "STRESS_F1": 0.5},
        SubscriptionStatus.WARNING: {"STRESS_E1": 0.2, "STRESS_E3": 0.1, "STRESS_F1": 0.05},
        SubscriptionStatus.SUSPENDED: {"STRESS_E3": 0.2, "STRESS_E5": 0.1},
    }
    domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example"
    rows = [
        {
            "email": f"user{index:06d}@{domain}",
            "display_name": f"User {index:06d}",
            "department": name if index >= single_users + bulk_users else "",
        }
        for index in range(total)
    ]
    system = Actor(None, Source.SYSTEM, label="stress")
    users_import(rows=rows, by=system)
    users = list(User.objects.filter(email__endswith=f"@{domain}").order_by("email"))
    rng = random.Random(name)

    subscriptions = {}
    for status, quantities in layout.items():
        subscription = Subscription.objects.create(name=f"{name} {status.label}", starts_on="2026-01-01")
        subscriptions[status] = subscription
        for sku, share in quantities.items():
            quantity = max(3, round(total * share))
            pool_create(by=system, subscription=subscription, product=products[sku], quantity=quantity)
            holders = rng.sample(users, quantity // 2)
            licenses_bulk_assign(
                subscription=subscription,
                product=products[sku],
                users=holders,
                by=system,
            )
        if status != SubscriptionStatus.ACTIVE:
            Subscription.objects.filter(pk=subscription.pk).update(status=status)

    def admin(label: str, role: str, subscription=None, signs_in: bool = False) -> Admin:
        user = user_create(
            email=f"{label}@{domain}",
            password=password if signs_in else None,
            display_name=label,
            by=system,
        )
        role_grant(user=user, role=role, subscription=subscription, by=Actor(None, Source.SYSTEM))
        _, token = api_token_create(user=user, name="stress", by=Actor(None, Source.SYSTEM))
        return Admin(
            email=user.email,
            role=role,
            token=token,
            password=password if signs_in else "",
            subscription_id=subscription.pk if subscription is not None else None,
        )

    cohort = users[single_users + bulk_users :]
    groups = []
    for label, (kind, pools, share) in GROUP_LAYOUT.items():
        rule = {"department": [name]} if kind == "dynamic" else None
        group = group_create(by=system, name=f"{name} {label}", kind=kind, rule=rule)
        if kind == "assigned":
            group_members_change(by=system, group=group, add=rng.sample(cohort, round(len(cohort) * share)))
        for status, sku in pools:
            group_licenses_change(by=system, group=group, subscription=subscriptions[status], add=[products[sku]])
        groups.append(PlanGroup(group.pk, group.name, kind))

    active = subscriptions[SubscriptionStatus.ACTIVE]
    admins = [
        admin("global-web", Role.GLOBAL_ADMIN, signs_in=True),
        admin("subscription-web", Role.SUBSCRIPTION_ADMIN, active, signs_in=True),
        admin("user-admin", Role.USER_ADMIN),
        admin("global-api", Role.GLOBAL_ADMIN),
    ]
    pools = [
        Pool(pool.pk, pool.subscription_id, pool.product_id, pool.product.sku_part_number, pool.quantity)
        for pool in LicensePool.objects.filter(subscription__in=subscriptions.values()).select_related("product")
    ]
    user_ids = [user.pk for user in users]
    return Plan(
        admins=admins,
        subscriptions={subscription.pk: str(status) for status, subscription in subscriptions.items()},
        pools=pools,
        foreign_sku="STRESS_FOREIGN",
        single_users=user_ids[:single_users],
        bulk_users=user_ids[single_users : single_users + bulk_users],
        group_users=user_ids[single_users + bulk_users :],
        groups=groups,
        audit_floor=AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
