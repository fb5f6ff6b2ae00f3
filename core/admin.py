"""The audit log on the Django admin site: readable, never writable (on PostgreSQL a trigger refuses it too)."""

from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For models whose writes belong to a service (counters, audit events): viewable only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_label", "action", "source", "subject_user_label", "product_label")
    list_filter = ("action", "source")
    search_fields = ("actor_label", "subject_user_label", "subscription_label", "product_label")
    show_full_result_count = False
