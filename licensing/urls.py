from django.urls import path

from . import views

app_name = "licensing"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("license-report/<slug:file_format>/", views.LicenseReportExportView.as_view(), name="license_report_export"),
    path(
        "license-report/history/<slug:file_format>/",
        views.LicenseHistoryExportView.as_view(),
        name="license_history_export",
    ),
    path(
        "subscriptions/<int:subscription_id>/", views.SubscriptionOverviewView.as_view(), name="subscription_overview"
    ),
    path(
        "subscriptions/<int:subscription_id>/status/",
        views.SubscriptionStatusView.as_view(),
        name="subscription_status",
    ),
    path(
        "subscriptions/<int:subscription_id>/products/",
        views.SubscriptionProductsView.as_view(),
        name="subscription_products",
    ),
    path("subscriptions/<int:subscription_id>/products/buy/", views.PoolCreateView.as_view(), name="pool_create"),
    path(
        "subscriptions/<int:subscription_id>/products/<int:pool_id>/",
        views.ProductHelpView.as_view(),
        name="product_help",
    ),
    path(
        "subscriptions/<int:subscription_id>/products/<int:pool_id>/quantity/",
        views.PoolQuantityView.as_view(),
        name="pool_quantity",
    ),
    path(
        "subscriptions/<int:subscription_id>/users/",
        views.UserLicenseAssignmentsView.as_view(),
        name="subscription_users",
    ),
    path(
        "subscriptions/<int:subscription_id>/users/total/",
        views.UserLicenseAssignmentsTotalView.as_view(),
        name="subscription_users_total",
    ),
    path(
        "subscriptions/<int:subscription_id>/users/export/<slug:file_format>/",
        views.UserLicenseAssignmentsExportView.as_view(),
        name="subscription_users_export",
    ),
    path(
        "subscriptions/<int:subscription_id>/assignments/export/<slug:file_format>/",
        views.SubscriptionAssignmentsExportView.as_view(),
        name="subscription_assignments_export",
    ),
    path(
        "subscriptions/<int:subscription_id>/users/import/",
        views.AssignmentsImportView.as_view(),
        name="assignments_import",
    ),
    path("subscriptions/<int:subscription_id>/users/bulk/", views.BulkLicensesView.as_view(), name="users_bulk"),
    path(
        "subscriptions/<int:subscription_id>/users/<int:user_id>/licenses/",
        views.UserLicensesView.as_view(),
        name="user_licenses",
    ),
    path(
        "subscriptions/<int:subscription_id>/audit/", views.SubscriptionAuditView.as_view(), name="subscription_audit"
    ),
    path("users/", views.UserDirectoryView.as_view(), name="users"),
    path("users/total/", views.UserDirectoryTotalView.as_view(), name="users_total"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/import/", views.UsersImportView.as_view(), name="users_import"),
    path("uploads/progress/", views.UploadProgressView.as_view(), name="upload_progress"),
    path("users/bulk/", views.UsersBulkView.as_view(), name="users_directory_bulk"),
    path(
        "subscriptions/<int:subscription_id>/audit/export/<slug:file_format>/",
        views.SubscriptionAuditExportView.as_view(),
        name="subscription_audit_export",
    ),
    path("users/<int:user_id>/", views.UserProfileView.as_view(), name="user_profile"),
    path("users/<int:user_id>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:user_id>/status/", views.UserStatusView.as_view(), name="user_status"),
    path("users/<int:user_id>/delete/", views.UserDeleteView.as_view(), name="user_delete"),
    path("roles/", views.RolesView.as_view(), name="roles"),
    path("roles/revoke/", views.RoleRevokeView.as_view(), name="role_revoke"),
    path("account/tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
    path("account/alerts/", views.AlertSettingsView.as_view(), name="alert_settings"),
    path("account/notices/", views.NoticesView.as_view(), name="notices"),
    path("account/notices/read/", views.NoticesReadView.as_view(), name="notices_read"),
    path("groups/", views.GroupListView.as_view(), name="groups"),
    path("groups/new/", views.GroupCreateView.as_view(), name="group_create"),
    path("groups/rule-preview/", views.GroupRulePreviewView.as_view(), name="group_rule_preview"),
    path("groups/<int:group_id>/", views.GroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:group_id>/edit/", views.GroupEditView.as_view(), name="group_edit"),
    path("groups/<int:group_id>/delete/", views.GroupDeleteView.as_view(), name="group_delete"),
    path("groups/<int:group_id>/licenses/", views.GroupLicensesView.as_view(), name="group_licenses"),
    path(
        "groups/<int:group_id>/licenses/<int:pool_id>/remove/",
        views.GroupLicenseRemoveView.as_view(),
        name="group_license_remove",
    ),
    path(
        "groups/<int:group_id>/licenses/<int:pool_id>/line/", views.GroupPoolLineView.as_view(), name="group_pool_line"
    ),
]
