"""The one audit writer: every change of every app is recorded here, inside the transaction that makes it.

An event keeps a text snapshot of each subject (SNAPSHOT), so that it reads the same after a user, subscription or
product is renamed or deleted. Single changes build events as objects; set-based changes of many users write
theirs with one INSERT ... SELECT per chunk of users, taking the same snapshot column from the user table.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from .bulkload import objects_insert
from .choices import Source
from .errors import ValidationFailed
from .lookups import in_ids_sql
from .models import AuditEvent
from .writes import Write, insert_write

BATCH_SIZE = 2000
# From this many events at once (an import's), they are loaded by COPY (core/bulkload.py); fewer go as INSERTs,
# which query counts see.
LOAD_FROM = 1000
# Keeps `IN (...)` lists well under SQLite's limit on query parameters.
ID_CHUNK = 5000

# The attribute of each subject that its event keeps as `<subject>_label`.
SNAPSHOT = {"subject_user": "label", "subscription": "name", "product": "sku_part_number"}
# The same snapshot of a user in SQL (User.label), for the events written set-based.
USER_LABEL_SQL = "COALESCE(email, user_name)"


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and through what: `user` is None for the system or a shell operator, whom `label`
    then names in the audit log (an admin is always named by their email)."""

    user: Any
    source: str
    label: str = ""

    def __post_init__(self) -> None:
        if self.source not in Source.values:
            raise ValidationFailed(f"Unknown source {self.source!r}.", source=self.source)

    @property
    def audit_label(self) -> str:
        return self.user.label if self.user is not None else (self.label or "system")


SYSTEM = Actor(None, Source.SYSTEM)


def chunks(items: Sequence, size: int = ID_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def audit_event_new(action: str, *, actor: Actor, details: dict[str, Any] | None = None, **subjects: Any) -> AuditEvent:
    """An unsaved event of `action` by `actor`; `subjects` are any of SNAPSHOT's keys (objects or None)."""
    snapshots = {
        f"{name}_label": getattr(subject, SNAPSHOT[name]) if subject is not None else ""
        for name, subject in subjects.items()
    }
    return AuditEvent(
        actor=actor.user,
        actor_label=actor.audit_label,
        action=action,
        source=actor.source,
        details=details or {},
        **subjects,
        **snapshots,
    )


def audit_record(events: Sequence[AuditEvent]) -> None:
    """Save events built by `audit_event_new`; the caller is inside the transaction of the change they record. Many
    at once are loaded (LOAD_FROM) and get no primary key: nothing reads an event back after writing it."""
    if len(events) >= LOAD_FROM:
        objects_insert(events)
    else:
        AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


def audit_write(events: Sequence[AuditEvent]) -> Write:
    """The INSERT of events built by `audit_event_new`, for a change that runs it with its other writes
    (core/writes.py)."""
    return insert_write(events)


def audit_record_one(action: str, *, actor: Actor, details: dict[str, Any] | None = None, **subjects: Any) -> None:
    audit_record([audit_event_new(action, actor=actor, details=details, **subjects)])


def audit_record_for_users(
    action: str, *, actor: Actor, user_ids: Sequence[int], details: dict[str, Any], **subjects: Any
) -> None:
    """One event of `action` per user in `user_ids`, set-based: INSERT ... SELECT from the user table, so no
    object is built per user. `subjects` (subscription, product, or none) are the same for every event."""
    template = audit_event_new(action, actor=actor, **subjects)
    constant = {
        "occurred_at": timezone.now(),
        "actor_id": template.actor_id,
        "actor_label": template.actor_label,
        "action": action,
        "source": template.source,
        **{f"{name}_id": getattr(template, f"{name}_id") for name in subjects},
        # Every other subject's label too (empty): the columns have no default in the database.
        **{f"{name}_label": getattr(template, f"{name}_label") for name in SNAPSHOT if name != "subject_user"},
    }
    qn = connection.ops.quote_name
    as_json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = ", ".join([*constant, "details", "subject_user_id", "subject_user_label"])
    selected = ", ".join(["%s"] * len(constant) + [as_json, "id", USER_LABEL_SQL])
    with connection.cursor() as cursor:
        for chunk in chunks(user_ids):
            chosen, ids = in_ids_sql("id", chunk)
            cursor.execute(
                f"INSERT INTO {qn(AuditEvent._meta.db_table)} ({columns}) SELECT {selected}"
                f" FROM {qn(get_user_model()._meta.db_table)} WHERE {chosen}",
                [*constant.values(), json.dumps(details), *ids],
            )
