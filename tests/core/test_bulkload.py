"""core.bulkload: loads of many new rows (COPY on PostgreSQL, bulk_create elsewhere) write what an INSERT writes, and
the audit writer loads many events at once the same way (core.audit.LOAD_FROM)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services.imports import users_import
from core import audit
from core.audit import SYSTEM, Actor, audit_event_new, audit_record
from core.bulkload import objects_insert
from core.choices import AuditAction, Source
from core.errors import ValidationFailed
from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What an event says, whichever way it was written: every column but its id and time.
COLUMNS = ("action", "source", "actor_label", "subject_user_id", "subject_user_label", "product_label", "details")


def events_of(users) -> list[AuditEvent]:
    return [
        audit_event_new(
            AuditAction.USER_CREATED,
            actor=SYSTEM,
            subject_user=user,
            details={"groups": ["Sales", "Légal"], "quote": 'a "b"\tc\nd\\'},
        )
        for user in users
    ]


def test_objects_insert_writes_every_column_json_included_and_stamps_the_time():
    users = UserFactory.create_batch(3)
    events = events_of(users)
    objects_insert(events)
    written = AuditEvent.objects.order_by("subject_user_id")
    assert [list(row) for row in written.values_list(*COLUMNS)] == [
        [getattr(event, column) for column in COLUMNS] for event in events
    ]
    assert all(event.occurred_at is not None for event in written)
    assert all(event.pk is None for event in events)  # loaded, not saved: the caller reads keys back if it needs them
    objects_insert([])
    assert AuditEvent.objects.count() == 3


def test_many_events_are_loaded_and_read_back_as_an_insert_writes_them(monkeypatch):
    users = UserFactory.create_batch(4)
    audit_record(events_of(users[:2]))  # fewer than LOAD_FROM: INSERT
    inserted = list(AuditEvent.objects.order_by("pk").values_list(*COLUMNS))
    monkeypatch.setattr(audit, "LOAD_FROM", 2)
    with CaptureQueriesContext(connection) as captured:
        audit_record(events_of(users[2:]))  # as many as LOAD_FROM: loaded
    loaded = list(AuditEvent.objects.order_by("pk").values_list(*COLUMNS))[2:]
    assert [row[3:5] for row in loaded] == [(user.pk, user.email) for user in users[2:]]
    assert [row[:3] + row[5:] for row in loaded] == [row[:3] + row[5:] for row in inserted]
    if connection.vendor == "postgresql":  # COPY goes past Django's cursor wrappers: no statement is counted
        assert len(captured.captured_queries) == 0


def test_an_import_loads_its_users_and_events_with_each_user_s_key(monkeypatch, global_admin):
    monkeypatch.setattr(audit, "LOAD_FROM", 2)
    kept = UserFactory(email="kept@example.test", department="Sales")
    rows = [{"email": f"new{index}@example.test", "display_name": f"New {index}"} for index in range(3)]
    result = users_import(by=Actor(global_admin, Source.CLI), rows=[*rows, {"email": kept.email}])
    assert (result.created, result.unchanged) == (3, 1)
    created = {user.email: user.pk for user in User.objects.filter(email__startswith="new")}
    events = AuditEvent.objects.filter(action=AuditAction.USER_CREATED)
    assert sorted(events.values_list("subject_user_label", "subject_user_id")) == sorted(created.items())
    assert events.get(subject_user_label="new1@example.test").details["display_name"] == "New 1"


def test_an_import_checks_the_fields_a_row_names(global_admin):
    by = Actor(global_admin, Source.CLI)
    with pytest.raises(ValidationFailed) as refused:
        users_import(by=by, rows=[{"email": "ok@example.test"}, {"email": "bad@example.test", "usage_location": "USA"}])
    assert refused.value.details["email"] == "bad@example.test" and "usage_location" in refused.value.details["fields"]
    with pytest.raises(ValidationFailed):
        users_import(by=by, rows=[{"email": "not-an-email"}])
    assert not User.objects.filter(email__in=["ok@example.test", "bad@example.test"]).exists()
