import uuid

from django.conf import settings
from django.db import models

from .choices import ASSIGNABLE_STATUSES, AuditAction, Source, SubscriptionStatus


class Product(models.Model):
    """A licensable OfficeSeries product (a SKU)."""

    sku_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable public id.")
    sku_part_number = models.CharField(max_length=64, unique=True, help_text="E.g. OFFICESERIES_E3.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A purchased OfficeSeries subscription; it holds one license pool per product."""

    name = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SubscriptionStatus.values), name="subscription_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="subscription_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allows_assignment(self) -> bool:
        return self.status in ASSIGNABLE_STATUSES


class LicensePool(models.Model):
    """The licenses of one product in one subscription: purchased quantity and how many are assigned.

    `assigned` is a counter kept by licensing.services in the same transaction as the assignment rows;
    the database refuses any value outside 0..quantity, whoever writes it.
    """

    MAX_QUANTITY = 1_000_000  # far above any real purchase; keeps typos and fuzzed input out of the counters

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="pools")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="pools")
    quantity = models.PositiveIntegerField(help_text="Licenses purchased.")
    assigned = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["subscription_id", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "product"], name="pool_unique_product_per_subscription"),
            models.CheckConstraint(
                condition=models.Q(assigned__gte=0) & models.Q(assigned__lte=models.F("quantity")),
                name="pool_assigned_within_quantity",
                violation_error_message="A pool cannot have more licenses assigned than purchased.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} in {self.subscription}"

    @property
    def available(self) -> int:
        return self.quantity - self.assigned


class LicenseAssignment(models.Model):
    """A license of a pool held by a user. The row exists exactly while the user holds it."""

    pool = models.ForeignKey(LicensePool, on_delete=models.PROTECT, related_name="assignments")
    # PROTECT: deleting a user must go through unassignment first, or the pool counter would drift.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="license_assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system assigned it.",
    )

    class Meta:
        ordering = ["pool_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "user"], name="assignment_unique_user_per_pool"),
        ]
        indexes = [
            # "Which licenses does this user hold?" (profile, list rows); (pool, user) is the unique index.
            models.Index(fields=["user", "pool"], name="assignment_user_pool_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pool.product} → {self.user}"


class AuditEvent(models.Model):
    """An append-only record of one change. Snapshots keep it readable after its subjects are deleted."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_user_label = models.CharField(max_length=254, blank=True)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    subscription_label = models.CharField(max_length=200, blank=True)
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "-occurred_at"], name="audit_subscription_time_idx"),
            models.Index(fields=["subject_user", "-occurred_at"], name="audit_user_time_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.get_action_display()}"
