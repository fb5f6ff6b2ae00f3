"""Where a change came from, and what it was: the vocabulary of the audit log, shared by every app."""

from django.db import models


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    CLI = "cli", "Command line"
    SYSTEM = "system", "System"
    ADMIN_SITE = "admin_site", "Django admin site"
    SCIM = "scim", "SCIM provisioning"
    GRAPH = "graph", "Microsoft Graph–compatible API"


class Counted(models.TextChoices):
    """The rows whose number the database keeps (core.models.RowCount)."""

    USERS = "users", "Users"
    GROUP_MEMBERS = "group_members", "A group's members"
    AUDIT_EVENTS = "audit_events", "Audit events"
    HOLDERS = "holders", "Users holding a license of a subscription"
    DIRECT_HOLDERS = "direct_holders", "Users holding a license of a subscription directly"


class AuditAction(models.TextChoices):
    LICENSE_ASSIGNED = "license_assigned", "License assigned"
    LICENSE_UNASSIGNED = "license_unassigned", "License unassigned"
    LICENSE_RECLAIMED = "license_reclaimed", "License reclaimed from a disabled account"
    LICENSE_PLANS_CHANGED = "license_plans_changed", "Service plans of a license changed"
    GROUP_LICENSE_PLANS_CHANGED = "group_license_plans_changed", "Service plans of a group license changed"
    POOL_CREATED = "pool_created", "Product added to subscription"
    QUANTITY_CHANGED = "quantity_changed", "Quantity changed"
    POOL_RECONCILED = "pool_reconciled", "Pool counter reconciled"
    SUBSCRIPTION_STATUS_CHANGED = "subscription_status_changed", "Subscription status changed"
    USER_CREATED = "user_created", "User created"
    USER_UPDATED = "user_updated", "User updated"
    USER_DELETED = "user_deleted", "User deleted"
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_REVOKED = "role_revoked", "Role revoked"
    API_TOKEN_CREATED = "api_token_created", "API token created"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    GROUP_CREATED = "group_created", "Group created"
    GROUP_UPDATED = "group_updated", "Group updated"
    GROUP_DELETED = "group_deleted", "Group deleted"
    GROUP_MEMBER_ADDED = "group_member_added", "Group member added"
    GROUP_MEMBER_REMOVED = "group_member_removed", "Group member removed"
    GROUP_LICENSE_ADDED = "group_license_added", "Group license added"
    GROUP_LICENSE_REMOVED = "group_license_removed", "Group license removed"
    LICENSE_PENDING = "license_pending", "License pending"
    LICENSE_PENDING_CANCELLED = "license_pending_cancelled", "Pending license withdrawn"
    LICENSE_DIRECT_ADDED = "license_direct_added", "Direct assignment added to a group license"
    LICENSE_DIRECT_REMOVED = "license_direct_removed", "Direct assignment removed, group license kept"
    POOL_ALERT_RAISED = "pool_alert_raised", "License alert raised"
    POOL_ALERT_CLEARED = "pool_alert_cleared", "License alert cleared"
    ALERT_PREFERENCES_CHANGED = "alert_preferences_changed", "Alert settings changed"
