"""The admin center's pages (design.md, "Web UI — the guide's path"), one module per page or concern.

Views are thin: they resolve what the URL names through the selectors (NotFound outside the admin's scope),
validate input with licensing.forms, write only through the services (licensing.services, and
accounts.services.groups, .roles, .tokens and .imports for the Groups, Roles, API tokens and Import users pages)
with source=web, and render. The domain errors become responses in one place, `mixins.AdminViewMixin.dispatch`;
the list pages share `lists.FilteredListView`.
"""

from .alerts import AlertSettingsView, NoticesReadView, NoticesView
from .audit import SubscriptionAuditView
from .bulk import BulkLicensesView
from .dialog import UserLicensesView
from .directory import UserDirectoryTotalView, UserDirectoryView, UsersBulkView
from .exports import (
    LicenseHistoryExportView,
    LicenseReportExportView,
    SubscriptionAssignmentsExportView,
    SubscriptionAuditExportView,
    UserLicenseAssignmentsExportView,
)
from .group_licenses import GroupLicenseRemoveView, GroupLicensesView, GroupPoolLineView
from .groups import (
    GroupCreateView,
    GroupDeleteView,
    GroupDetailView,
    GroupEditView,
    GroupListView,
    GroupRulePreviewView,
)
from .home import HomeView, SubscriptionOverviewView
from .imports import AssignmentsImportView, UploadProgressView, UsersImportView
from .products import PoolQuantityView, ProductHelpView, SubscriptionProductsView
from .profile import UserProfileView
from .roles import RoleRevokeView, RolesView
from .subscriptions import PoolCreateView, SubscriptionStatusView
from .tokens import ApiTokenRevokeView, ApiTokensView
from .user_accounts import UserCreateView, UserDeleteView, UserEditView, UserStatusView
from .users import UserLicenseAssignmentsTotalView, UserLicenseAssignmentsView

__all__ = [
    "AlertSettingsView",
    "ApiTokenRevokeView",
    "ApiTokensView",
    "AssignmentsImportView",
    "BulkLicensesView",
    "GroupCreateView",
    "GroupDeleteView",
    "GroupDetailView",
    "GroupEditView",
    "GroupLicenseRemoveView",
    "GroupLicensesView",
    "GroupListView",
    "GroupPoolLineView",
    "GroupRulePreviewView",
    "HomeView",
    "LicenseHistoryExportView",
    "LicenseReportExportView",
    "NoticesReadView",
    "NoticesView",
    "PoolCreateView",
    "PoolQuantityView",
    "ProductHelpView",
    "RoleRevokeView",
    "RolesView",
    "SubscriptionAssignmentsExportView",
    "SubscriptionAuditExportView",
    "SubscriptionAuditView",
    "SubscriptionOverviewView",
    "SubscriptionProductsView",
    "SubscriptionStatusView",
    "UploadProgressView",
    "UserCreateView",
    "UserDeleteView",
    "UserDirectoryTotalView",
    "UserDirectoryView",
    "UserEditView",
    "UserLicenseAssignmentsExportView",
    "UserLicenseAssignmentsTotalView",
    "UserLicenseAssignmentsView",
    "UserLicensesView",
    "UserProfileView",
    "UserStatusView",
    "UsersBulkView",
    "UsersImportView",
]
