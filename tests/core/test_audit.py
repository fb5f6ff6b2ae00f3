"""core.audit, the one audit writer: who an Actor names, the snapshots an event keeps, and the set-based writer
that must write the same events as the one built per object."""

import pytest

from core.audit import Actor, audit_event_new, audit_record, audit_record_for_users
from core.choices import AuditAction, Source
from core.errors import ValidationFailed
from core.models import AuditEvent


@pytest.mark.parametrize(("label", "expected"), [("", "system"), ("ops@shell", "ops@shell")])
def test_without_a_user_the_label_names_who_acts(label, expected):
    assert Actor(None, Source.CLI, label=label).audit_label == expected


def test_a_user_is_named_by_their_email_whatever_the_label(org):
    admin = org.users["global_admin"]

    assert Actor(admin, Source.WEB, label="someone else").audit_label == admin.email


@pytest.mark.parametrize("source", ["telnet", "", "WEB"])
def test_an_unknown_source_is_refused(source):
    with pytest.raises(ValidationFailed) as caught:
        Actor(None, source)

    assert caught.value.details == {"source": source}


def test_a_new_event_keeps_a_snapshot_of_each_subject(org):
    event = audit_event_new(
        AuditAction.LICENSE_ASSIGNED,
        actor=Actor(org.users["subscription_admin"], Source.API),
        subject_user=org.adele,
        subscription=org.s,
        product=org.e3,
    )

    assert event.pk is None
    assert (event.actor, event.actor_label, event.source) == (
        org.users["subscription_admin"],
        "sam.subadmin@contoso.test",
        Source.API,
    )
    assert (event.subject_user_label, event.subscription_label, event.product_label) == (
        "adele.vance@contoso.test",
        "Contoso Enterprise",
        "OFFICESERIES_E3",
    )
    assert event.details == {}


def test_a_missing_subject_has_an_empty_snapshot(org):
    event = audit_event_new(AuditAction.USER_UPDATED, actor=Actor(None, Source.SYSTEM), subscription=None)

    assert (event.subscription, event.subscription_label) == (None, "")


FIELDS = [
    "actor_id",
    "actor_label",
    "action",
    "source",
    "details",
    "subject_user_id",
    "subject_user_label",
    "subscription_id",
    "subscription_label",
    "product_id",
    "product_label",
]


def events_after(mark: int) -> list[dict]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("subject_user_id").values(*FIELDS))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_set_based_writer_writes_one_event_per_user_as_audit_event_new_does(org):
    """Events are append-only (on PostgreSQL a trigger refuses DELETE): each writer's are told apart by id."""
    actor = Actor(org.users["global_admin"], Source.WEB)
    people = [org.adele, org.alex, org.henrietta]

    mark = last_event_id()
    audit_record_for_users(
        AuditAction.LICENSE_ASSIGNED,
        actor=actor,
        user_ids=[person.pk for person in people],
        details={"bulk": True},
        subscription=org.s,
        product=org.e5,
    )
    written = events_after(mark)
    mark = last_event_id()
    audit_record(
        [
            audit_event_new(
                AuditAction.LICENSE_ASSIGNED,
                actor=actor,
                details={"bulk": True},
                subject_user=person,
                subscription=org.s,
                product=org.e5,
            )
            for person in people
        ]
    )
    built = events_after(mark)

    assert [event["subject_user_label"] for event in written] == [person.email for person in people]
    assert written == built


def test_the_set_based_writer_sets_the_time_of_each_event(org):
    audit_record_for_users(
        AuditAction.LICENSE_UNASSIGNED,
        actor=Actor(None, Source.CLI, label="ops@shell"),
        user_ids=[org.adele.pk],
        details={},
        subscription=org.s,
        product=org.e3,
    )

    event = AuditEvent.objects.get(action=AuditAction.LICENSE_UNASSIGNED)
    assert event.occurred_at is not None
    assert (event.actor, event.actor_label, event.subject_user_label) == (None, "ops@shell", "adele.vance@contoso.test")
