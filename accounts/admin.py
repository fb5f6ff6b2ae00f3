"""Users and roles are shown read-only on the Django admin site: their writes go through accounts.services
(audited); the admin center and the manage.py commands are the places to change them. Django's groups are not
used (admin roles are RoleAssignment rows), so the site does not offer them for editing either."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers Group, which is unregistered below

from core.admin import ReadOnlyAdmin

from .models import RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fields = ("role", "subscription", "granted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "display_name", "department", "job_title", "is_active", "last_login")
    list_filter = ("is_active", "department")
    search_fields = ("email", "display_name")
    exclude = ("password", "groups", "user_permissions")
    inlines = [RoleInline]
    show_full_result_count = False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "subscription", "granted_at")
    list_filter = ("role", "subscription")
    list_select_related = ("user", "subscription")


admin.site.unregister(auth_admin.Group)
