"""Faults: a database error inside a service call, or a process killed in the middle of a bulk change, leaves no
partial change and no audit event for it."""

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import DatabaseError, connection

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from core.models import AuditEvent
from licensing.models import LicenseAssignment, LicensePool
from licensing.services.assignments import user_licenses_change
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.pools import pool_set_quantity
from tests.factories import LicensePoolFactory, SubscriptionFactory, UserFactory
from tests.reliability.conftest import served_database_url

ROOT = Path(__file__).resolve().parent.parent.parent
ASSIGNMENT_INSERT = r'INSERT INTO "licensing_licenseassignment"'
ASSIGNMENT_DELETE = r'DELETE FROM "licensing_licenseassignment"'
COUNTER_UPDATE = r'UPDATE "licensing_licensepool"'
AUDIT_INSERT = r'INSERT INTO "licensing_auditevent"'
WRITE = re.compile(r'(INSERT INTO|UPDATE|DELETE FROM) "licensing_')


@contextmanager
def database_error_at(pattern: str, nth: int = 1):
    """Replace the statement that makes the `nth` write matching `pattern` with one the database itself refuses
    (an unknown table), so the service meets a real DatabaseError there. A statement may make several writes (a
    single change's, on PostgreSQL: core/writes.py). Yields the statements run, the refused one last."""
    statements: list[str] = []

    def fail(execute, sql, params, many, context):
        earlier = sum(len(re.findall(pattern, seen)) for seen in statements)
        statements.append(sql)
        if earlier < nth <= earlier + len(re.findall(pattern, sql)):
            return execute("SELECT * FROM injected_fault_no_such_table", None, False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield statements


def state() -> tuple:
    """Everything a license change can write: assignment rows, pool counters and quantities, audit events."""
    return (
        set(LicenseAssignment.objects.values_list("pool_id", "user_id", "assigned_by_id")),
        set(LicensePool.objects.values_list("pk", "quantity", "assigned")),
        list(AuditEvent.objects.order_by("pk").values_list("pk", "action")),
    )


@dataclass
class World:
    e3: LicensePool
    e5: LicensePool
    f1: LicensePool
    users: list[User]  # hold nothing
    holder: User  # holds E5 and F1


@pytest.fixture
def world(db) -> World:
    subscription = SubscriptionFactory()
    e3, e5, f1 = (LicensePoolFactory(subscription=subscription, quantity=20) for _ in range(3))
    holder = UserFactory()
    user_licenses_change(
        user=holder, subscription=subscription, add=[e5.product, f1.product], by=Actor(None, Source.SYSTEM)
    )
    return World(e3=e3, e5=e5, f1=f1, users=UserFactory.create_batch(6), holder=holder)


def change(world: World):
    return user_licenses_change(
        user=world.holder,
        subscription=world.e3.subscription,
        add=[world.e3.product],
        remove=[world.e5.product, world.f1.product],
        by=Actor(None, Source.API),
    )


def bulk_assign(world: World):
    return licenses_bulk_assign(
        subscription=world.e3.subscription, product=world.e3.product, users=world.users, by=Actor(None, Source.WEB)
    )


def bulk_unassign(world: World):
    return licenses_bulk_unassign(
        subscription=world.e5.subscription,
        product=world.e5.product,
        users=[world.holder, *world.users],
        by=Actor(None, Source.WEB),
    )


def set_quantity(world: World):
    return pool_set_quantity(pool=world.e3, quantity=7, by=Actor(None, Source.API))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("service", "pattern", "nth"),
    [
        pytest.param(change, AUDIT_INSERT, 1, id="change-audit"),
        pytest.param(change, ASSIGNMENT_DELETE, 1, id="change-removal"),
        pytest.param(change, COUNTER_UPDATE, 2, id="change-second-counter"),
        pytest.param(bulk_assign, ASSIGNMENT_INSERT, 1, id="bulk-assign-rows"),
        pytest.param(bulk_assign, AUDIT_INSERT, 1, id="bulk-assign-audit"),
        pytest.param(bulk_unassign, COUNTER_UPDATE, 1, id="bulk-unassign-counter"),
        pytest.param(bulk_unassign, AUDIT_INSERT, 1, id="bulk-unassign-audit"),
        pytest.param(set_quantity, AUDIT_INSERT, 1, id="quantity-audit"),
    ],
)
def test_a_database_error_inside_a_service_leaves_no_partial_change(world, service, pattern, nth):
    before = state()

    with database_error_at(pattern, nth) as statements, pytest.raises(DatabaseError):
        service(world)

    assert re.search(pattern, statements[-1]), "the fault was not reached"
    writes = sum(len(WRITE.findall(sql)) for sql in statements)
    assert writes > 1, "the fault must come with or after another write of the service"
    assert state() == before
    # The same call, without the fault, then goes through: nothing was left half-done or locked.
    service(world)
    assert state() != before
    assert state()[2][: len(before[2])] == before[2]


@pytest.fixture
def big_bulk(db, tmp_path):
    """A pool of 20,000 licenses, none assigned, and a file naming 20,000 users."""
    pool = LicensePoolFactory(quantity=20_000)
    users = User.objects.bulk_create(
        [User(email=f"bulk{index:05d}@killed.example") for index in range(20_000)], batch_size=5_000
    )
    users_file = tmp_path / "users.txt"
    users_file.write_text("".join(f"{user.email}\n" for user in users))
    return pool, users_file


def backend_writing_assignments() -> int | None:
    """The backend of another process that has begun writing assignment rows in its open transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT locks.pid FROM pg_locks locks JOIN pg_stat_activity activity ON activity.pid = locks.pid"
            " WHERE activity.datname = current_database() AND locks.pid <> pg_backend_pid() AND locks.granted"
            " AND locks.mode = 'RowExclusiveLock' AND locks.relation = 'licensing_licenseassignment'::regclass"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_bulk_assign_killed_inside_its_transaction_leaves_nothing(big_bulk, tmp_path):
    pool, users_file = big_bulk
    environment = {**os.environ, "DATABASE_URL": served_database_url(), "SECRET_KEY": "faults", "DEBUG": "0"}
    command = [sys.executable, "manage.py", "assign_license", "--subscription", str(pool.subscription_id)]
    command += ["--sku", pool.product.sku_part_number, "--users-file", str(users_file)]
    log = tmp_path / "assign_license.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while (backend := backend_writing_assignments()) is None:
            assert process.poll() is None, f"assign_license ended before it was seen writing:\n{log.read_text()}"
            assert time.monotonic() < deadline, "assign_license did not start writing within 120 s"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # The server ends the orphaned transaction (a rollback) once it sees the client is gone.
    deadline = time.monotonic() + 60
    while backend_alive(backend):
        assert time.monotonic() < deadline, f"backend {backend} still runs 60 s after its client was killed"
        time.sleep(0.05)

    pool.refresh_from_db()
    assert pool.assigned == 0
    assert not LicenseAssignment.objects.filter(pool=pool).exists()
    assert not AuditEvent.objects.filter(product=pool.product).exists()
    # Nothing is left locked: the pool takes assignments again.
    first = list(User.objects.filter(email__startswith="bulk").order_by("email")[:3])
    result = licenses_bulk_assign(
        subscription=pool.subscription, product=pool.product, users=first, by=Actor(None, Source.CLI)
    )
    pool.refresh_from_db()
    assert (result.changed, pool.assigned, AuditEvent.objects.filter(product=pool.product).count()) == (3, 3, 3)
