from django.db import models


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WARNING = "warning", "Warning (grace period)"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"


# Licenses can be assigned only in these states; they can always be unassigned.
ASSIGNABLE_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.WARNING})
