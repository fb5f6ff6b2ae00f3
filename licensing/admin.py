"""The Django admin site never writes licensing data past licensing.services, which keeps the pool counters and
the audit log: a subscription's status changes through `subscription_set_status` (one action per status), and
everything else is read-only, as there is no service to write it."""

from django.contrib import admin, messages
from django.db import transaction

from accounts.permissions import admin_scope
from core.admin import ReadOnlyAdmin
from core.audit import Actor
from core.choices import Source
from core.errors import DomainError
from licensing.services.subscriptions import subscription_set_status

from .choices import SubscriptionStatus
from .models import LicenseAssignment, LicensePool, Product, Subscription


class PoolInline(admin.TabularInline):
    model = LicensePool
    fields = ("product", "quantity", "assigned")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "sku_part_number", "sku_id", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "sku_part_number")


def _status_action(status: SubscriptionStatus):
    @admin.action(description=f"Set status: {status.label}", permissions=["status_change"])
    def action(modeladmin: "SubscriptionAdmin", request, queryset) -> None:
        modeladmin.status_set(request, queryset, status)

    action.__name__ = f"set_status_{status.value}"
    return action


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "starts_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name",)
    inlines = [PoolInline]
    actions = [_status_action(status) for status in SubscriptionStatus]

    def has_status_change_permission(self, request) -> bool:
        return admin_scope(request.user).can_change_subscription_status

    def status_set(self, request, queryset, status: str) -> None:
        """Give the selected subscriptions `status`, all or nothing, through the audited service."""
        subscriptions = list(queryset.order_by("pk"))
        try:
            with transaction.atomic():
                for subscription in subscriptions:
                    subscription_set_status(
                        subscription=subscription, status=status, by=Actor(request.user, Source.ADMIN_SITE)
                    )
        except DomainError as error:
            self.message_user(request, f"Nothing changed: {error.message}", messages.ERROR)
            return
        changed = sum(subscription.status != status for subscription in subscriptions)
        label = SubscriptionStatus(status).label
        self.message_user(request, f"{changed} of {len(subscriptions)} subscriptions set to {label}.", messages.SUCCESS)


@admin.register(LicensePool)
class LicensePoolAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "product", "quantity", "assigned")
    list_filter = ("subscription",)
    list_select_related = ("subscription", "product")


@admin.register(LicenseAssignment)
class LicenseAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "pool", "assigned_at", "assigned_by")
    list_filter = ("pool__subscription",)
    list_select_related = ("user", "pool__subscription", "pool__product", "assigned_by")
    search_fields = ("user__email", "user__display_name")
    show_full_result_count = False
