from django.conf import settings
from django.db import models

from .choices import AuditAction, Source


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
