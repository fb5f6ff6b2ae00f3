"""The demo organisation of `manage.py seed_demo`: deterministic, idempotent, fast at 100,000 users.

Users are inserted set-based; licenses are assigned through the bulk service (so counters and the audit
log are right by construction) and pools grow through `pool_set_quantity` when more users need them.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.choices import GroupKind, Role
from accounts.models import Group, User
from accounts.services.groups import group_create
from accounts.services.memberships import group_rule_recompute, memberships_changing
from accounts.services.roles import role_grant
from core.audit import Actor
from core.bulkload import indexes_deferred, rows_insert
from core.choices import Source
from core.models import AuditEvent
from licensing.services.bulk import licenses_bulk_assign_ids
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_create, pool_set_quantity
from licensing.services.subscriptions import subscription_set_status

from .choices import ASSIGNABLE_STATUSES, SubscriptionStatus
from .demo_plans import PLANS, PRODUCT_PLANS
from .models import LicenseAssignment, Product, ServicePlan, Subscription

DEMO_PASSWORD = "OfficeSeries-demo-2026"
DEMO_DOMAIN = "contoso.example"
# From this many new users on, the user table's indexes are built after the load rather than updated row by row.
LOAD_WITHOUT_INDEXES = 100_000

PRODUCTS = {
    "OFFICESERIES_E1": "OfficeSeries E1",
    "OFFICESERIES_E3": "OfficeSeries E3",
    "OFFICESERIES_E5": "OfficeSeries E5",
    "OFFICESERIES_F1": "OfficeSeries F1",
    "OFFICESERIES_F3": "OfficeSeries F3",
    "OFFICESERIES_BUSINESS_BASIC": "OfficeSeries Business Basic",
    "OFFICESERIES_BUSINESS_STANDARD": "OfficeSeries Business Standard",
    "OFFICESERIES_BUSINESS_PREMIUM": "OfficeSeries Business Premium",
    "MAIL_PLAN_1": "OfficeSeries Mail Plan 1",
    "MAIL_PLAN_2": "OfficeSeries Mail Plan 2",
    "MAIL_KIOSK": "OfficeSeries Mail Kiosk",
    "DIAGRAMS_PLAN_1": "OfficeSeries Diagrams Plan 1",
    "DIAGRAMS_PLAN_2": "OfficeSeries Diagrams Plan 2",
    "PLANNER_PLAN_1": "OfficeSeries Planner Plan 1",
    "PLANNER_PLAN_3": "OfficeSeries Planner Plan 3",
    "INSIGHTS_PRO": "OfficeSeries Insights Pro",
    "PHONE_SYSTEM": "OfficeSeries Phone System",
    "DEFENDER_PLAN_2": "OfficeSeries Defender Plan 2",
    "ASSISTANT": "OfficeSeries Assistant",
    "VIDEO_STUDIO": "OfficeSeries Video Studio",
}


@dataclass(frozen=True)
class DemoSubscription:
    name: str
    status: str
    starts_on: date
    ends_on: date | None
    # product part number -> share of users who get it (drawn per user)
    shares: dict[str, float]


SUBSCRIPTIONS = [
    DemoSubscription(
        "Contoso Enterprise",
        SubscriptionStatus.ACTIVE,
        date(2026, 1, 1),
        date(2027, 12, 31),
        {
            "OFFICESERIES_E3": 0.55,
            "OFFICESERIES_E5": 0.15,
            "INSIGHTS_PRO": 0.30,
            "DIAGRAMS_PLAN_2": 0.10,
            "PLANNER_PLAN_3": 0.08,
            "PHONE_SYSTEM": 0.06,
            "DEFENDER_PLAN_2": 0.25,
            "ASSISTANT": 0.10,
            "VIDEO_STUDIO": 0.0,  # licensed through DEMO_GROUP only
        },
    ),
    DemoSubscription(
        "Contoso Business",
        SubscriptionStatus.ACTIVE,
        date(2026, 3, 1),
        None,
        {
            "OFFICESERIES_BUSINESS_BASIC": 0.30,
            "OFFICESERIES_BUSINESS_STANDARD": 0.10,
            "OFFICESERIES_BUSINESS_PREMIUM": 0.04,
            "MAIL_PLAN_1": 0.20,
            "MAIL_PLAN_2": 0.05,
        },
    ),
    DemoSubscription(
        "Contoso Frontline",
        SubscriptionStatus.WARNING,
        date(2025, 6, 1),
        date(2026, 12, 15),
        {"OFFICESERIES_F3": 0.20, "OFFICESERIES_F1": 0.05, "MAIL_KIOSK": 0.10},
    ),
    DemoSubscription(
        "Contoso Legacy",
        SubscriptionStatus.SUSPENDED,
        date(2023, 1, 1),
        date(2026, 6, 30),
        {"OFFICESERIES_E1": 0.15, "DIAGRAMS_PLAN_1": 0.03, "PLANNER_PLAN_1": 0.02},
    ),
    DemoSubscription(
        "Contoso Trial",
        SubscriptionStatus.EXPIRED,
        date(2026, 9, 1),
        date(2026, 10, 1),
        {"VIDEO_STUDIO": 0.02},
    ),
]
# This pool is bought exactly to its use, so the demo shows an exhausted product.
EXHAUSTED = ("Contoso Enterprise", "ASSISTANT")


@dataclass(frozen=True)
class DemoGroup:
    name: str
    description: str
    rule: dict[str, list]
    subscription: str
    sku: str


# A dynamic group licensed with a pool far smaller than itself, so the demo shows members waiting in line.
DEMO_GROUP = DemoGroup(
    "Directors",
    "Every director, licensed with Video Studio: more directors than licenses, so some wait in line.",
    {"job_title": ["Director"]},
    "Contoso Enterprise",
    "VIDEO_STUDIO",
)

DEPARTMENTS = ["Sales", "Marketing", "Engineering", "Finance", "Human Resources", "Operations", "Support", "Legal"]
JOB_TITLES = ["Analyst", "Manager", "Engineer", "Specialist", "Coordinator", "Director", "Associate", "Consultant"]
LOCATIONS = ["US", "US", "US", "GB", "DE", "FR", "NL", "IN", "CA", "AU"]
FIRST_NAMES = [
    "Adele",
    "Alex",
    "Allan",
    "Ben",
    "Carla",
    "Chen",
    "Diego",
    "Elena",
    "Farah",
    "Grady",
    "Hana",
    "Isaiah",
    "Joni",
    "Kenji",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Omar",
    "Patti",
    "Pradeep",
    "Quinn",
    "Rosa",
    "Sakura",
    "Tomas",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Cohen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Muller",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Wilson",
    "Xu",
    "Young",
    "Zimmer",
]


@dataclass(frozen=True)
class DemoAdmin:
    email: str
    display_name: str
    role: str | None
    subscription: str | None = None


ADMINS = [
    DemoAdmin(f"admin@{DEMO_DOMAIN}", "Avery Admin", Role.GLOBAL_ADMIN),
    DemoAdmin(f"subadmin@{DEMO_DOMAIN}", "Sam Subscriptions", Role.SUBSCRIPTION_ADMIN, "Contoso Enterprise"),
    DemoAdmin(f"useradmin@{DEMO_DOMAIN}", "Uma Users", Role.USER_ADMIN),
    DemoAdmin(f"member@{DEMO_DOMAIN}", "Morgan Member", None),
]


def demo_email(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first}.{last}.{index}@{DEMO_DOMAIN}".lower()


def demo_user(index: int, password: str) -> dict:
    """The fields of demo user number `index`, the same on every run."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return {
        "email": demo_email(index),
        "password": password,
        "display_name": f"{first} {last}",
        "department": DEPARTMENTS[index % len(DEPARTMENTS)],
        "job_title": JOB_TITLES[(index * 7) % len(JOB_TITLES)],
        "usage_location": LOCATIONS[(index * 3) % len(LOCATIONS)],
        "is_active": index % 23 != 0,  # a few disabled accounts
    }


def planned_holders(subscription: DemoSubscription, user_ids: list[int]) -> dict[str, list[int]]:
    """Who gets which product of `subscription`: user number i (user_ids[i - 1]) draws the i-th set of one number
    per product from one stream, so a user's draw never depends on how many users there are. One stream rather
    than a generator seeded per user, which cost 50 s per million users."""
    rng = random.Random(subscription.name)
    holders: dict[str, list[int]] = defaultdict(list)
    shares = list(subscription.shares.items())
    for user_id in user_ids:
        for part, share in shares:
            if rng.random() < share:
                holders[part].append(user_id)
    return holders


@dataclass
class SeedReport:
    users_created: int = 0
    licenses_assigned: int = 0
    admins: tuple[DemoAdmin, ...] = tuple(ADMINS)


def seed_demo(*, users: int, progress: Callable[[str], None] = lambda message: None) -> SeedReport:
    """Build (or complete) the demo organisation with `users` ordinary users. Running it again changes nothing."""
    report = SeedReport()
    with transaction.atomic():
        products = _seed_products()
        subscriptions = _seed_subscriptions()
        _seed_admins(subscriptions)
    progress("catalogue and admins ready")

    demo_users = _seed_users(users, report)
    progress(f"{len(demo_users)} users ready ({report.users_created} new)")

    # A large load writes an audit event per license: their indexes are built once at the end (one transaction).
    with indexes_deferred(AuditEvent, when=report.users_created >= LOAD_WITHOUT_INDEXES):
        for spec in SUBSCRIPTIONS:
            subscription = subscriptions[spec.name]
            wanted = planned_holders(spec, demo_users)
            newly_created = not subscription.pools.exists()
            for part in spec.shares:
                report.licenses_assigned += _seed_pool(subscription, spec, products[part], wanted[part])
            if newly_created:
                subscription_set_status(
                    subscription=subscription, status=spec.status, by=Actor(None, Source.SYSTEM, label="seed_demo")
                )
            progress(f"{spec.name}: licenses assigned")
        _seed_group(subscriptions[DEMO_GROUP.subscription], products[DEMO_GROUP.sku])
    if report.users_created:
        _analyze(User, LicenseAssignment, AuditEvent)
    return report


def _seed_group(subscription: Subscription, product: Product) -> None:
    """The demo group, its members (demo users are inserted in bulk, so the rule is applied here) and its license."""
    by = Actor(None, Source.SYSTEM, label="seed_demo")
    group = Group.objects.filter(name__iexact=DEMO_GROUP.name).first()
    if group is None:
        group = group_create(
            by=by,
            name=DEMO_GROUP.name,
            kind=GroupKind.DYNAMIC,
            description=DEMO_GROUP.description,
            rule=DEMO_GROUP.rule,
        )
    with transaction.atomic(), memberships_changing(by):
        group_rule_recompute(by=by, group=group)
    group_licenses_change(by=by, group=group, subscription=subscription, add=[product])


def _analyze(*models) -> None:
    """Fresh planner statistics after a bulk load, so the first pages are planned for the real row counts rather
    than for the empty tables autovacuum last saw."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _seed_products() -> dict[str, Product]:
    plans = {
        name: ServicePlan.objects.get_or_create(
            service_plan_id=plan_id, defaults={"name": name, "friendly_name": friendly_name}
        )[0]
        for name, (plan_id, friendly_name) in PLANS.items()
    }
    products = {}
    for part, name in PRODUCTS.items():
        products[part], _ = Product.objects.get_or_create(
            sku_part_number=part, defaults={"name": name, "description": f"{name} license."}
        )
        products[part].service_plans.add(*(plans[plan] for plan in PRODUCT_PLANS[part]))
    return products


def _seed_subscriptions() -> dict[str, Subscription]:
    subscriptions = {}
    for spec in SUBSCRIPTIONS:
        subscriptions[spec.name], _ = Subscription.objects.get_or_create(
            name=spec.name,
            # A new subscription starts active so its demo licenses can be assigned, then takes its status.
            defaults={"status": SubscriptionStatus.ACTIVE, "starts_on": spec.starts_on, "ends_on": spec.ends_on},
        )
    return subscriptions


def _seed_admins(subscriptions: dict[str, Subscription]) -> None:
    for admin in ADMINS:
        user, created = User.objects.get_or_create(email=admin.email, defaults={"display_name": admin.display_name})
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if admin.role:
            subscription = subscriptions[admin.subscription] if admin.subscription else None
            role_grant(
                user=user, role=admin.role, subscription=subscription, by=Actor(None, Source.SYSTEM, label="seed_demo")
            )


def _seed_users(count: int, report: SeedReport) -> list[int]:
    """The ids of demo users 1 to `count`, inserting those missing."""
    demo = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    existing = dict(demo.values_list("email", "pk"))
    missing = [index for index in range(1, count + 1) if demo_email(index) not in existing]
    if missing:
        unusable = make_password(None)  # demo users never sign in
        rows = (demo_user(index, unusable) for index in missing)
        with transaction.atomic(), indexes_deferred(User, when=len(missing) >= LOAD_WITHOUT_INDEXES):
            rows_insert(User, rows)
        existing = dict(demo.values_list("email", "pk"))
        report.users_created = len(missing)
    return [existing[demo_email(index)] for index in range(1, count + 1)]


def _seed_pool(subscription: Subscription, spec: DemoSubscription, product: Product, holders: list[int]) -> int:
    needed = _quantity_for(spec, product, holders)
    pool = pool_create(
        subscription=subscription, product=product, quantity=needed, by=Actor(None, Source.SYSTEM, label="seed_demo")
    )
    if subscription.status not in ASSIGNABLE_STATUSES:
        return 0
    with transaction.atomic():
        if pool.quantity < needed:
            pool = pool_set_quantity(pool=pool, quantity=needed, by=Actor(None, Source.SYSTEM, label="seed_demo"))
        result = licenses_bulk_assign_ids(
            subscription=subscription,
            product=product,
            user_ids=holders,
            by=Actor(None, Source.SYSTEM, label="seed_demo"),
        )
    return result.changed


def _quantity_for(spec: DemoSubscription, product: Product, holders: list[int]) -> int:
    if (spec.name, product.sku_part_number) == EXHAUSTED:
        return len(holders)
    return len(holders) + max(5, len(holders) // 10)
