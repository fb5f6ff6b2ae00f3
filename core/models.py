from django.conf import settings
from django.db import models

from .choices import AuditAction, Counted, Source


class RowCountQuerySet(models.QuerySet["RowCount"]):
    def total(self, counted: str, subject_id: int = 0) -> int:
        """How many rows `counted` names (of `subject_id`: a group, a subscription) there are: its slots added up."""
        return self.filter(counted=counted, subject_id=subject_id).aggregate(rows=models.Sum("rows", default=0))["rows"]


class RowCount(models.Model):
    """How many rows a table has, kept by the database (Counted): triggers on the table add the rows each statement
    inserts and take those it deletes, in the same transaction (core migration 0009), so the sum of the slots is
    exact wherever a COUNT would be, and costs no scan of a table that grows with the organisation (README, "Round
    eleven").

    On PostgreSQL a statement adds to a slot of its subject that no other transaction holds, or to a new one, so
    concurrent writers never wait on one row; a slot may go below zero (a row added in one, deleted in another):
    only the sum means anything. There are about as many slots as transactions ever wrote at once. SQLite, with one
    writer at a time, keeps slot 0."""

    counted = models.CharField(max_length=16, choices=Counted.choices)
    subject_id = models.BigIntegerField(default=0, help_text="Whose rows: the group's or the subscription's; else 0.")
    slot = models.IntegerField()
    rows = models.BigIntegerField()

    objects = RowCountQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["counted", "subject_id", "slot"], name="row_count_slot_unique")]

    def __str__(self) -> str:
        return f"{self.counted} {self.subject_id} slot {self.slot}: {self.rows:+}"


class CountedQuerySet(models.QuerySet):
    """A queryset whose count of every row reads its table's RowCount (`counted`) instead of counting the table; a
    count of any narrower set (filtered, sliced, distinct, joined) still counts the rows."""

    counted: str

    def count(self) -> int:
        if self._result_cache is None and self._is_every_row():
            return RowCount.objects.using(self.db).total(self.counted)
        return super().count()

    def _is_every_row(self) -> bool:
        """No filter, slice, DISTINCT or UNION, no join (which could repeat a row) and no aggregate: a field
        computed from the row itself (the directory's principal name) keeps one row per row."""
        query = self.query
        return not (
            query.where
            or any(value.contains_aggregate or value.contains_over_clause for value in query.annotations.values())
            or query.extra
            or query.distinct
            or query.combinator
            or query.is_sliced
            or len(query.alias_map) > 1
        )


class AuditEventQuerySet(CountedQuerySet):
    counted = Counted.AUDIT_EVENTS


class AuditEvent(models.Model):
    """An append-only record of one change. Snapshots keep it readable after its subjects are deleted."""

    occurred_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    subject_user_label = models.CharField(max_length=254, blank=True)
    subscription = models.ForeignKey(
        "licensing.Subscription", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    subscription_label = models.CharField(max_length=200, blank=True)
    product = models.ForeignKey("licensing.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # The lists' order in full (time, then id): a bulk change writes thousands of events of one moment, which an
        # index on the time alone leaves to be sorted. They also serve the time's and the subject's own lookups,
        # which therefore have no index of their own; the subscription keeps its own, which a subscription's count
        # of events reads (docs/architecture.md, "Indexes").
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_time_idx"),
            models.Index(fields=["subscription", "-occurred_at", "-id"], name="audit_subscription_time_idx"),
            models.Index(fields=["subject_user", "-occurred_at"], name="audit_user_time_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
        ]
        db_table = "licensing_auditevent"  # the table predates the kernel; moving the model moved no data

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.get_action_display()}"
