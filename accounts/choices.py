from django.db import models


class Role(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", "Global Administrator"
    SUBSCRIPTION_ADMIN = "subscription_admin", "Subscription Administrator"
    USER_ADMIN = "user_admin", "User Administrator"


class GroupKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"  # admins add and remove the members
    DYNAMIC = "dynamic", "Dynamic"  # the members are the users its rule matches
