"""Downloads (README, "Exports"): a list page's rows as CSV or XLSX, with the page's filters, sorting and scope,
streamed (core/downloads.py); and the license report. An export view is its list page's view with `get` answering
a file instead of the page, so it cannot filter or scope differently from what the admin sees."""

from django.utils.text import slugify
from django.views import View

from core.downloads import FORMATS, download
from core.errors import NotFound
from licensing.selectors.exports import (
    ASSIGNMENT_COLUMNS,
    AUDIT_COLUMNS,
    HISTORY_COLUMNS,
    REPORT_COLUMNS,
    USER_COLUMNS,
    assignment_records,
    audit_records,
    history_records,
    license_report_records,
    plans_off_text,
    user_license_records,
)

from .audit import SubscriptionAuditView
from .mixins import AdminViewMixin, SubscriptionViewMixin
from .users import UserLicenseAssignmentsView


class DownloadMixin:
    """`get` answers the download in the format the URL names (`file_format`: csv or xlsx; any other is 404)."""

    columns: tuple[str, ...]
    sheet = ""

    def get(self, request, *args, **kwargs):
        file_format = self.kwargs["file_format"]
        if file_format not in FORMATS:
            raise NotFound(f"There is no {file_format} download: choose CSV or XLSX.")
        return download(
            file_format=file_format,
            filename=self.filename(),
            columns=self.columns,
            rows=self.records(),
            sheet=self.sheet,
        )

    def filename(self) -> str:
        raise NotImplementedError

    def records(self):
        raise NotImplementedError


class UserLicenseAssignmentsExportView(DownloadMixin, UserLicenseAssignmentsView):
    """The users the User License Assignments list matches, every page of it, with their licenses here."""

    columns = USER_COLUMNS
    sheet = "Users"

    def filename(self) -> str:
        return f"users-{slugify(self.subscription.name)}"

    def records(self):
        return user_license_records(users=self.filtered_queryset(), pools=self.subscription.pools.all())


class SubscriptionAssignmentsExportView(DownloadMixin, SubscriptionViewMixin, View):
    """Every license assignment of the subscription, with the plans switched off on it (export_assignments)."""

    columns = ASSIGNMENT_COLUMNS
    sheet = "Assignments"

    def filename(self) -> str:
        return f"assignments-{slugify(self.subscription.name)}"

    def records(self):
        for record in assignment_records(actor=self.request.user, subscription=self.subscription):
            yield {**record, "disabled_plans": " ".join(record["disabled_plans"])}


class SubscriptionAuditExportView(DownloadMixin, SubscriptionAuditView):
    """The audit events the audit log's filters match, newest first."""

    columns = AUDIT_COLUMNS
    sheet = "Audit log"

    def filename(self) -> str:
        return f"audit-{slugify(self.subscription.name)}"

    def records(self):
        return audit_records(self.filtered_queryset())


class LicenseReportExportView(DownloadMixin, AdminViewMixin, View):
    """License usage of every subscription the admin may see (license_report)."""

    columns = REPORT_COLUMNS
    sheet = "License report"

    def filename(self) -> str:
        return "license-report"

    def records(self):
        for record in license_report_records(actor=self.request.user):
            yield {**record, "plans_off": plans_off_text(record["plans_off"])}


class LicenseHistoryExportView(DownloadMixin, AdminViewMixin, View):
    """Every pool the admin may see, a row per day of the last 90 with its forecast (license_report --history)."""

    columns = HISTORY_COLUMNS
    sheet = "License history"

    def filename(self) -> str:
        return "license-history"

    def records(self):
        return history_records(actor=self.request.user)
