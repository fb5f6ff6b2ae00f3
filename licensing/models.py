import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from .choices import ASSIGNABLE_STATUSES, AlertKind, SubscriptionStatus


class ServicePlan(models.Model):
    """An app inside products (a service plan, in Microsoft's terms: mail, chat, storage…). One plan may be part of
    several products: E3 and E5 both hold mail. A license may have plans switched off (`disabled_plans`)."""

    service_plan_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable public id (Graph's servicePlanId)."
    )
    name = models.CharField(max_length=64, unique=True, help_text="E.g. EXCHANGE_S_ENTERPRISE.")
    friendly_name = models.CharField(max_length=200, help_text="E.g. Exchange Online (Plan 2).")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.friendly_name or self.name

    @cached_property
    def key(self) -> str:
        """The service_plan_id as text: how `disabled_plans` and the APIs name the plan. Made once per instance: a
        page of Graph's users names the plans it read a couple of thousand times."""
        return str(self.service_plan_id)


# The service_plan_id strings of the plans switched off on one source of a license, sorted; [] when all are on.
# A database default too, so that the set-based INSERT … SELECT of licensing.services.holders may leave it out.
def _disabled_plans_field(source: str) -> models.JSONField:
    return models.JSONField(
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text=f"Service plans switched off on {source} (service_plan_id strings, sorted).",
    )


class Product(models.Model):
    """A licensable OfficeSeries product (a SKU) and the service plans it contains."""

    sku_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable public id.")
    sku_part_number = models.CharField(max_length=64, unique=True, help_text="E.g. OFFICESERIES_E3.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    service_plans = models.ManyToManyField(ServicePlan, related_name="products", blank=True)

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

    @property
    def days_left(self) -> int | None:
        """Days until the end date, in the site's time zone (0 on the last day, negative once it has passed); None
        without an end date."""
        return None if self.ends_on is None else (self.ends_on - timezone.localdate()).days


class LicensePool(models.Model):
    """The licenses of one product in one subscription: purchased quantity and how many are assigned.

    `assigned` and `pending` are counters kept by licensing.services in the same transaction as the assignment and
    pending rows; the database refuses an `assigned` outside 0..quantity, whoever writes it.
    """

    MAX_QUANTITY = 1_000_000  # far above any real purchase; keeps typos and fuzzed input out of the counters

    # db_index=False on a foreign key: the first column of a composite index below already serves its lookups and
    # its deletes' checks, and every index is one more to write with each row (docs/architecture.md, "Indexes").
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="pools", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="pools")
    quantity = models.PositiveIntegerField(help_text="Licenses purchased.")
    assigned = models.PositiveIntegerField(default=0, editable=False)
    pending = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text="Group members waiting for a license (PendingLicense)."
    )

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
    """A license of a pool held by a user. The row exists exactly while the user holds it: while they have at least
    one source, a direct assignment (`direct`) or membership of a group that holds the pool (GroupLicense). One
    license is consumed however many sources there are (README, "Group licenses")."""

    pool = models.ForeignKey(LicensePool, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    # PROTECT: deleting a user must go through unassignment first, or the pool counter would drift.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="license_assignments", db_index=False
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system assigned it.",
    )
    direct = models.BooleanField(
        default=True, db_default=True, help_text="Assigned to the user directly, not (only) through a group."
    )
    # Of the direct source only (a group's are on its GroupLicense): the user's enabled plans are the union over
    # every source of the product's plans less that source's disabled ones.
    disabled_plans = _disabled_plans_field("the direct assignment")

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


class SubscriptionHolder(models.Model):
    """How many licenses of one subscription a user holds (`licenses`), and how many of them directly (`direct`):
    the assignment rows, added up per subscription and user. Kept by the database, not by Python: triggers on
    the assignment table (migration 0011) move it in the statement that inserts, deletes or updates assignments,
    whichever code path or hand-written SQL that is. So "how many users hold a license of this subscription" is a
    count of these rows, one per user, where the assignments had to be made distinct first (README, "API lists and
    their counts"). A row stays at zero once its user holds nothing there."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    licenses = models.IntegerField()
    direct = models.IntegerField()
    # Whether the user holds any license there (directly): what the counts' partial indexes test, computed by the
    # database. An index that tested `licenses` itself would make every update of the row write a new entry in
    # each of the table's indexes; as long as these stay as they were (a user's second license, or the last but
    # one given back), PostgreSQL updates the row in its page and writes none (a HOT update; README, "Round ten").
    held = models.GeneratedField(
        expression=models.ExpressionWrapper(models.Q(licenses__gt=0), output_field=models.BooleanField()),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    held_directly = models.GeneratedField(
        expression=models.ExpressionWrapper(models.Q(direct__gt=0), output_field=models.BooleanField()),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            # No check constraint on the counts: PostgreSQL checks the row an upsert proposes (the triggers'
            # deltas, some negative) before it finds the row to add them to. licensing.integrity checks them.
            # The user first, so that this index also finds a user's rows (a user deleted) and the table needs no
            # index of its own on the user: each is written with every holder row the triggers move.
            models.UniqueConstraint(fields=["user", "subscription"], name="holder_unique_user_per_subscription"),
        ]
        indexes = [
            # The counts: read off these indexes alone, a subscription's holders and direct holders.
            models.Index(fields=["subscription", "user"], condition=models.Q(held=True), name="holder_held_idx"),
            models.Index(
                fields=["subscription", "user"], condition=models.Q(held_directly=True), name="holder_direct_idx"
            ),
            # Every subscription's holders in user order, counted once per user (selectors/counts.py).
            models.Index(fields=["user"], condition=models.Q(held=True), name="holder_user_held_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} holds {self.licenses} in subscription {self.subscription_id}"


class GroupLicense(models.Model):
    """A group's hold on a pool: every member has a license of it, or waits for one (PendingLicense). The group is
    tied to this exact pool, a product in a named subscription."""

    group = models.ForeignKey("accounts.Group", on_delete=models.CASCADE, related_name="licenses", db_index=False)
    pool = models.ForeignKey(LicensePool, on_delete=models.PROTECT, related_name="group_licenses", db_index=False)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disabled_plans = _disabled_plans_field("the members' licenses from this group")

    class Meta:
        ordering = ["group_id", "pool_id"]
        constraints = [models.UniqueConstraint(fields=["group", "pool"], name="group_license_unique_pool")]
        indexes = [models.Index(fields=["pool", "group"], name="group_license_pool_idx")]

    def __str__(self) -> str:
        return f"{self.pool} for {self.group}"


class PendingLicense(models.Model):
    """A group member waiting for a license of a pool that had none free (or whose subscription was not active).
    The pool's pending members form a first-come line, by `since` and then id; the first gets the next license
    that frees up, in the transaction that frees it. A user waits for a pool or holds its license, never both."""

    pool = models.ForeignKey(LicensePool, on_delete=models.PROTECT, related_name="line", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_licenses", db_index=False
    )
    since = models.DateTimeField(help_text="When the user joined the line.")

    class Meta:
        ordering = ["pool_id", "since", "id"]
        constraints = [models.UniqueConstraint(fields=["pool", "user"], name="pending_unique_user_per_pool")]
        indexes = [
            models.Index(fields=["pool", "since", "id"], name="pending_line_idx"),
            models.Index(fields=["user", "pool"], name="pending_user_pool_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} waits for {self.pool}"


class PoolSnapshot(models.Model):
    """A pool's counters at the end of one day (README, "License usage history"). One row per pool per day, written
    by `manage.py snapshot_usage` (and its first-run backfill from the audit log) and never changed afterwards; on
    PostgreSQL a trigger refuses UPDATE and DELETE. Names are read through the pool, so renames change no history."""

    pool = models.ForeignKey(LicensePool, on_delete=models.PROTECT, related_name="snapshots", db_index=False)
    day = models.DateField(help_text="The day the counters close, in the site's time zone.")
    quantity = models.PositiveIntegerField()
    assigned = models.PositiveIntegerField()
    pending = models.PositiveIntegerField()
    taken_at = models.DateTimeField(default=timezone.now, help_text="When the row was written.")
    backfilled = models.BooleanField(default=False, help_text="Rebuilt from the audit log, not read off the pool.")

    class Meta:
        ordering = ["pool_id", "day"]
        constraints = [models.UniqueConstraint(fields=["pool", "day"], name="snapshot_unique_pool_day")]

    def __str__(self) -> str:
        return f"{self.pool} on {self.day}"


class PoolAlert(models.Model):
    """One crossing of an alert rule by one pool (README, "Alerts"): open while the condition holds, cleared when it
    recovers. At most one open alert per pool and kind (the constraint), so two servers evaluating at once raise it
    once, and it is not raised again until it has cleared."""

    pool = models.ForeignKey(LicensePool, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, help_text="The pool's numbers and forecast when it was raised.")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "kind"], condition=models.Q(cleared_at__isnull=True), name="pool_alert_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pool}"


class AlertNotice(models.Model):
    """An alert as one admin sees it in the admin center, read or not."""

    alert = models.ForeignKey(PoolAlert, on_delete=models.CASCADE, related_name="notices", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_notices", db_index=False
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-alert__raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alert_notice_once_per_admin")]
        indexes = [models.Index(fields=["user", "read_at"], name="alert_notice_unread_idx")]

    def __str__(self) -> str:
        return f"{self.alert} for {self.user}"


class AlertPreference(models.Model):
    """One admin's choice for one kind of alert; without a row, both ways are on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences", db_index=False
    )
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    by_email = models.BooleanField(default=True)
    in_admin_center = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alert_preference_unique_kind")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
