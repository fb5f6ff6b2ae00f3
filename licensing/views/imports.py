"""Uploading a CSV of users (Users, "Import users") or of license changes (a subscription's User License
Assignments, "Upload assignments"): the files of `import_users` and `import_assignments`, read and checked by the
same code (accounts.selectors.user_rows, licensing.assignment_files), written by the same services.

Preview first: every row is checked and the changes are made in a transaction rolled back at the end (the commands'
--dry-run), so the counts are what Apply will do, refusals included. Nothing is written unless every row is good.

Between the preview and Apply the browser keeps the file, not the server: the preview is swapped in with htmx below
the form, whose file stays chosen, and Apply posts the form again with the SHA-256 of the file previewed. The server
stores nothing (no upload left behind, nothing to clean up, any worker may answer), checks every row again on Apply
(the organisation may have changed since), and refuses a file other than the one previewed. Without JavaScript the
preview is a page whose form asks for the same file again.

Progress of the server's step: with JavaScript the form names its request (`X-Upload-Progress`, a random id) and
polls UploadProgressView while it runs; the services tell how many rows they have written (rolled back or not) and
the count goes to Django's cache under the admin's and the id's key. The request itself stays one synchronous
transaction: nothing runs in the background and nothing waits for the poll. The cache is shared by the server's
processes (settings.CACHES); a poll that finds nothing (another server's cache, no JavaScript) changes nothing: the
form shows "Checking every row…" as before.
"""

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_license_management, require_user_management
from accounts.selectors import GROUP_SEPARATOR, USER_COLUMNS, user_rows
from accounts.services.imports import users_import
from core.audit import Actor
from core.choices import Source
from core.csv_io import RowError
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from licensing.assignment_files import ASSIGNMENT_COLUMNS, assignment_rows, assignments_resolve
from licensing.forms import CsvUploadForm
from licensing.services.bulk import assignments_apply

from .directory import UsersViewMixin
from .mixins import AdminViewMixin, SubscriptionViewMixin

PREVIEW_ROWS = 20  # the first rows of the file shown in the preview
PROGRESS_HEADER = "X-Upload-Progress"
PROGRESS_ID = re.compile(r"[0-9a-f]{16,64}")
PROGRESS_SECONDS = 600  # how long a count stays readable after its request's last report


@dataclass
class Checked:
    """A file read and checked: its rows ready for the service, the first of them as table cells, and the errors."""

    rows: list = field(default_factory=list)
    shown: list[list[str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class CsvUploadMixin:
    """GET: the form. POST: check the file, then preview (`apply` absent) or apply it. Subclasses say which columns
    the file has, how its rows are checked (`check`) and how they are written (`write`, returning (label, count)
    pairs)."""

    columns: tuple[str, ...] = ()
    result_template_name = "licensing/imports/partials/result.html"

    def dispatch(self, request, *args, **kwargs):
        # After AdminViewMixin in a view's bases, so that a PermissionDenied here becomes its 403 page.
        self.require_permission()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CsvUploadForm()))

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=self.columns, **kwargs)

    def post(self, request, *args, **kwargs):
        form = CsvUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.result(form=form, status=400)
        upload = form.cleaned_data["file"]
        digest = _sha256(upload)
        applying = "apply" in request.POST
        if applying and form.cleaned_data["previewed"] != digest:
            form.add_error("file", "This is not the file you previewed: preview it, then apply.")
            return self.result(form=form, status=400)
        with _saved(upload) as path:
            try:
                checked = self.check(path)
            except ValidationFailed as error:  # the file as a whole (encoding, header), named as the admin knows it
                return self.result(form=form, problem=error.message.replace(str(path), upload.name), status=400)
        if checked.errors:
            return self.result(form=form, checked=checked, status=400)
        progress = Progress(request)
        progress.start(len(checked.rows))
        try:
            with transaction.atomic():
                counts = self.write(checked.rows, progress.add)
                transaction.set_rollback(not applying)
            progress.finish()
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:  # a refused change: not enough licenses, an admin's account, ...
            return self.result(form=form, checked=checked, problem=error.message, status=400)
        if applying:
            messages.success(
                request, f"Applied {upload.name}: " + ", ".join(f"{label} {n}" for label, n in counts) + "."
            )
            return HttpResponseClientRedirect(self.done_url) if request.htmx else redirect(self.done_url)
        return self.result(form=form, checked=checked, counts=counts, digest=digest)

    def result(self, *, status: int = 200, **context):
        """The whole page, or for htmx the part below the form."""
        if self.request.htmx:
            self.template_name = self.result_template_name
            status = 200  # htmx swaps in only a successful response; the fragment itself says what is wrong
        context = self.get_context_data(**context)
        return self.render_to_response(context, status=status)

    def actor(self) -> Actor:
        return Actor(self.request.user, Source.WEB)

    def require_permission(self) -> None:
        raise NotImplementedError

    def check(self, path: Path) -> Checked:
        raise NotImplementedError

    def write(self, rows: list, progress: Callable[[int], None]) -> list[tuple[str, int]]:
        raise NotImplementedError


class Progress:
    """The count of rows done by the request that carries PROGRESS_HEADER, in the cache for UploadProgressView;
    a request without the header counts for nobody."""

    def __init__(self, request) -> None:
        self.key = progress_key(request, request.headers.get(PROGRESS_HEADER, ""))
        self.done = self.total = 0

    def start(self, total: int) -> None:
        self.total = total
        self._report()

    def add(self, done: int) -> None:
        self.done = min(self.total, self.done + done)
        self._report()

    def finish(self) -> None:
        # Rows left as they were are not reported by the services: all are done now.
        self.done = self.total
        self._report()

    def _report(self) -> None:
        if self.key:
            cache.set(self.key, {"done": self.done, "total": self.total}, PROGRESS_SECONDS)


def progress_key(request, upload_id: str) -> str | None:
    """The cache key of one upload of the signed-in admin (another admin cannot read it); None for a bad id."""
    return f"upload-progress:{request.user.pk}:{upload_id}" if PROGRESS_ID.fullmatch(upload_id) else None


class UploadProgressView(AdminViewMixin, View):
    """GET ?id=: how many rows of the admin's upload `id` are done, as {"done": n, "total": m}; 204 while the
    server has nothing to say (the file is still being read, or the count is in another server's cache)."""

    def get(self, request, *args, **kwargs):
        key = progress_key(request, request.GET.get("id", ""))
        counted = cache.get(key) if key else None
        return JsonResponse(counted) if counted else HttpResponse(status=204)


class UsersImportView(UsersViewMixin, CsvUploadMixin, TemplateView):
    """Users from a CSV file (import_users' columns); Global and User Administrators only, as the command."""

    template_name = "licensing/imports/users.html"
    columns = USER_COLUMNS

    def require_permission(self) -> None:
        require_user_management(self.request.user)

    @property
    def done_url(self) -> str:
        return reverse("licensing:users")

    def check(self, path: Path) -> Checked:
        parsed = user_rows(path)
        rows = [{"email": row.email, **row.fields} for row in parsed.rows]
        shown = [[_cell(row.get(name, "")) for name in self.columns] for row in rows[:PREVIEW_ROWS]]
        return Checked(rows=rows, shown=shown, errors=parsed.errors)

    def write(self, rows: list, progress: Callable[[int], None]) -> list[tuple[str, int]]:
        result = users_import(by=self.actor(), rows=rows, progress=progress)
        return [("created", result.created), ("updated", result.updated), ("unchanged", result.unchanged)]


class AssignmentsImportView(SubscriptionViewMixin, CsvUploadMixin, TemplateView):
    """License changes in this subscription from a CSV file (import_assignments' columns); whoever may assign its
    licenses, as the command. A row naming another subscription is an error: this page changes this one only."""

    template_name = "licensing/imports/assignments.html"
    section = "users"
    columns = ASSIGNMENT_COLUMNS

    def require_permission(self) -> None:
        require_license_management(self.request.user, self.subscription.pk)

    @property
    def done_url(self) -> str:
        return self.users_url

    def check(self, path: Path) -> Checked:
        parsed = assignment_rows(path)
        resolved = assignments_resolve(parsed.rows, actor=self.request.user)
        errors = parsed.errors + resolved.errors
        rows = []
        for row in resolved.rows:
            if row.subscription.pk != self.subscription.pk:
                message = f"subscription {row.subscription.name}: this page changes {self.subscription.name} only"
                errors.append(RowError(row.line, message))
            else:
                rows.append(row)
        shown = [
            [row.user.email, row.subscription.name, row.product.sku_part_number, row.action]
            for row in rows[:PREVIEW_ROWS]
        ]
        return Checked(rows=rows, shown=shown, errors=sorted(errors, key=lambda error: error.line))

    def write(self, rows: list, progress: Callable[[int], None]) -> list[tuple[str, int]]:
        changes = assignments_apply(by=self.actor(), rows=rows, progress=progress)
        done = {
            action: sum(c.result.changed for c in changes if c.action == action) for action in ("assign", "unassign")
        }
        unchanged = sum(change.result.unchanged for change in changes)
        return [("assigned", done["assign"]), ("unassigned", done["unassign"]), ("unchanged", unchanged)]


def _sha256(upload) -> str:
    upload.seek(0)
    return hashlib.file_digest(upload.file, "sha256").hexdigest()


@contextmanager
def _saved(upload) -> Iterator[Path]:
    """The upload as a file on disk for the readers (they read a path, as the commands do), removed afterwards."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


def _cell(value) -> str:
    if isinstance(value, list):
        return GROUP_SEPARATOR.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
