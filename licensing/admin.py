"""The Django admin site shows licensing data read-only: every licensing write goes through licensing.services,
which keeps the pool counters and the audit log. Products and subscriptions (catalogue data) may be edited."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

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
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku_part_number", "sku_id", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "sku_part_number")
    readonly_fields = ("sku_id",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "starts_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name",)
    inlines = [PoolInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
