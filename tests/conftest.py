"""Shared fixtures. Tests marked `postgres` or `browser` skip, with the reason, where the database or
Chromium is missing; CI sets REQUIRE_POSTGRES_TESTS / REQUIRE_BROWSER_TESTS so that they fail instead."""

import os
import shutil

import pytest
from django.core.cache import cache
from django.db import connection

from accounts.choices import Role
from licensing.integrity import counter_problems, holder_problems, row_count_problems, source_problems
from tests.factories import LicensePoolFactory, RoleAssignmentFactory, SubscriptionFactory, UserFactory
from tests.world import Org, admin_new, org_build

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _required(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if _required("REQUIRE_POSTGRES_TESTS"):
            pytest.fail(f"REQUIRE_POSTGRES_TESTS=1 but this run is on {connection.vendor}: {reason}")
        pytest.skip(reason)
    if item.get_closest_marker("browser") and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        if _required("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"REQUIRE_BROWSER_TESTS=1: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: what one test's upload left there is no other's business."""
    cache.clear()


@pytest.fixture
def subscription(db):
    return SubscriptionFactory()


@pytest.fixture
def pool(subscription):
    return LicensePoolFactory(subscription=subscription, quantity=5)


@pytest.fixture
def global_admin(db):
    return RoleAssignmentFactory(role=Role.GLOBAL_ADMIN).user


@pytest.fixture
def user_admin(db):
    return RoleAssignmentFactory(role=Role.USER_ADMIN).user


@pytest.fixture
def subscription_admin(subscription):
    return RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=subscription).user


@pytest.fixture
def member(db):
    """A signed-in user with no admin role."""
    return UserFactory()


@pytest.fixture
def org(db) -> Org:
    """The organisation the web, API and browser tests share: tests/world.py."""
    return org_build()


@pytest.fixture
def out_of_scope_admin(org):
    """A Subscription Administrator of T only: S, the other admins' subscription, is outside their scope."""
    return admin_new(Role.SUBSCRIPTION_ADMIN, "Otto Outofscope", subscription=org.t)


@pytest.fixture
def assert_pool_counters(db):
    """A check, to call after any operation, that every pool's counters equal its rows (`assigned` within
    0..quantity), every user's holder row of each subscription adds up their assignments there, every license
    has a source, every group source a license or a place in the line, no
    assignable pool has a free license while members wait, and the counts the database keeps of users, members and
    audit events are right (licensing.integrity)."""

    def check() -> None:
        assert counter_problems() + holder_problems() + source_problems() + row_count_problems() == []

    return check
