from django.db import models


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WARNING = "warning", "Warning (grace period)"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"


# Licenses can be assigned only in these states; they can always be unassigned.
ASSIGNABLE_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.WARNING})

# A subscription's lifecycle: the grace period (warning) follows its end date, suspension the grace period, and an
# expired subscription has ended for good. A warning or suspended subscription can be reactivated.
STATUS_TRANSITIONS = {
    SubscriptionStatus.ACTIVE: frozenset(
        {SubscriptionStatus.WARNING, SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED}
    ),
    SubscriptionStatus.WARNING: frozenset(
        {SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED, SubscriptionStatus.EXPIRED}
    ),
    SubscriptionStatus.SUSPENDED: frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.EXPIRED}),
    SubscriptionStatus.EXPIRED: frozenset(),
}


class AlertKind(models.TextChoices):
    """The conditions a pool is watched for (README, "Alerts"); each raises once per crossing."""

    USAGE_90 = "usage_90", "90 % of licenses assigned"
    FULL = "full", "No license free"
    WAITING = "waiting", "Members waiting"
    FORECAST = "forecast", "Runs out soon"
