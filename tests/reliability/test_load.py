"""Load and races on a real server: gunicorn on 127.0.0.1 over the test database, several admins at once over
HTTP for a bounded time (loadtest.workload drives them), then the invariants hold."""

from datetime import timedelta

import pytest
from django.db.models import F

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.integrity import integrity_problems
from licensing.models import LicenseAssignment, LicensePool, PendingLicense
from licensing.services.assignments import user_licenses_change
from licensing.services.pools import pool_set_quantity
from loadtest.client import CHANGE_ACTIONS, MEMBER_ACTIONS, Tally
from loadtest.invariants import invariants_check, line_order_problems
from loadtest.plan import plan_create
from loadtest.server import gunicorn
from loadtest.workload import drive
from tests.reliability.conftest import served_database_url

SECONDS = 15
CLIENTS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("production_password_hashers")
def test_many_admins_at_once_over_http_keep_every_invariant():
    plan = plan_create(
        name="Load", single_users=300, bulk_users=200, group_users=200, password="load-test-password-2026"
    )

    with gunicorn(served_database_url(), workers=3, threads=4) as base_url:
        tally = drive(base_url, plan, clients=CLIENTS, seconds=SECONDS, seed=6)

    assert invariants_check(plan, tally) == [], tally.as_dict()
    assert integrity_problems() == []  # over the whole database, the pools' chains from their pool_created events
    assert tally.server_error_count == 0
    # The run did what it is for: changes of every kind, and each impossible operation refused with its code.
    assert {"licenses_post", "licenses_put", "assignment_post", "quantity"} <= set(tally.ok), tally.as_dict()
    assert {"bulk assign", "bulk unassign"} & set(tally.ok), tally.as_dict()
    assert all(tally.changes[action] > 0 for action in CHANGE_ACTIONS), tally.as_dict()
    # Group operations ran too (a handful on a busy machine: each one's membership changes are counted).
    assert "group_members" in tally.ok and sum(tally.changes[action] for action in MEMBER_ACTIONS) > 0, tally.changes
    assert {
        "not_enough_licenses",
        "subscription_not_active",
        "quantity_below_assigned",
        "product_not_in_subscription",
        "permission_denied",
        "not_found",
    } <= set(tally.refused), tally.as_dict()


@pytest.mark.django_db
def test_the_invariants_catch_unreported_changes_drift_and_server_errors():
    plan = plan_create(name="Check", single_users=6, bulk_users=4, password="unused-password")
    assert invariants_check(plan, Tally()) == []

    pool = (
        LicensePool.objects.filter(pk__in=[pool.id for pool in plan.pools], assigned__lt=F("quantity"))
        .exclude(subscription__status="suspended")
        .select_related("subscription", "product")
        .first()
    )
    user = User.objects.filter(pk__in=plan.single_users).exclude(license_assignments__pool=pool).first()
    user_licenses_change(user=user, subscription=pool.subscription, add=[pool.product], by=Actor(None, Source.API))
    assert invariants_check(plan, Tally()) == ["1 license_assigned events, but the server reported 0"]
    reported = Tally()
    reported.changes["license_assigned"] = 1
    assert invariants_check(plan, reported) == []

    LicensePool.objects.filter(pk=pool.pk).update(assigned=F("assigned") - 1)
    problems = invariants_check(plan, reported)
    assert problems == [f"pool {pool.pk}: counter {pool.assigned}, {pool.assigned + 1} assignment rows"]

    LicenseAssignment.objects.filter(pool=pool, user=user).delete()
    problems = invariants_check(plan, reported)
    assert len(problems) == 1 and problems[0].startswith("the audit log replays to"), problems

    reported.server_errors.append("POST /api/v1/assignments/ -> 500")
    assert invariants_check(plan, reported)[-1].startswith("1 5xx answers")


@pytest.mark.django_db
def test_the_line_check_catches_a_license_filled_out_of_turn():
    plan = plan_create(name="Line", single_users=4, bulk_users=4, group_users=12, password="unused-password")
    waiting = PendingLicense.objects.filter(
        pool_id__in=[pool.id for pool in plan.pools], pool__subscription__status="active"
    )
    pool = LicensePool.objects.select_related("subscription", "product").get(pk=waiting.first().pool_id)
    line = list(waiting.filter(pool=pool).order_by("since", "pk"))
    assert len(line) >= 2 and line_order_problems(plan) == []
    system = Actor(None, Source.SYSTEM)

    # The last waiter moved to the front behind the services' back: the next license goes to them, out of turn.
    PendingLicense.objects.filter(pk=line[-1].pk).update(since=line[0].since - timedelta(seconds=1))
    pool_set_quantity(pool=pool, quantity=pool.quantity + 1, by=system)

    problems = line_order_problems(plan)
    assert len(problems) == 1 and f"filled from the line for [{line[-1].user_id}]" in problems[0], problems
    assert f"the first waiters were [{line[0].user_id}]" in problems[0]
