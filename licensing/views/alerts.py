"""The signed-in admin's alerts (README, "Alerts"): their notices, marked read one by one or all at once, and their
settings of which alerts reach them by e-mail and in the admin center."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.generic import TemplateView

from core.audit import Actor
from core.choices import Source
from core.ids import MAX_ID
from licensing.choices import AlertKind
from licensing.forms import AlertPreferencesForm
from licensing.selectors.alerts import NOTICES_SHOWN, alert_preferences_of, notices_page
from licensing.services.alerts import alert_preferences_set, notices_mark_read

from .mixins import AdminViewMixin


class NoticesView(AdminViewMixin, TemplateView):
    """GET: the admin's newest notices, unread first in weight, with what each alert said when it was raised."""

    template_name = "licensing/notices.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            notices=notices_page(actor=self.request.user), shown=NOTICES_SHOWN, top_section="notices", **kwargs
        )


class NoticesReadView(AdminViewMixin, TemplateView):
    """POST: mark one notice read (`notice`), or all of them."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notice = request.POST.get("notice", "").strip()
        if notice and not (notice.isdigit() and int(notice) <= MAX_ID):
            # A bad id is an error that changes nothing, never "all of them".
            messages.error(request, f"No such notice: {notice[:40]!r}.")
            return redirect(self.get_return_url())
        notice_id = int(notice) if notice else None
        marked = notices_mark_read(user=request.user, notice_id=notice_id)
        if notice_id is None:
            messages.success(request, f"Marked {marked} notice{pluralize(marked)} read.")
        return redirect(self.get_return_url())

    def get_default_return_url(self) -> str:
        return reverse("licensing:notices")


class AlertSettingsView(AdminViewMixin, TemplateView):
    """GET: which alerts reach the admin, and how. POST: save their choice."""

    template_name = "licensing/alert_settings.html"

    def get(self, request, *args, **kwargs):
        chosen = alert_preferences_of(user_ids=[request.user.pk])[request.user.pk]
        initial = {
            "by_email": [kind for kind, (mail, _) in chosen.items() if mail],
            "in_admin_center": [kind for kind, (_, center) in chosen.items() if center],
        }
        return self.render_page(AlertPreferencesForm(initial=initial))

    def post(self, request, *args, **kwargs):
        form = AlertPreferencesForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        alert_preferences_set(by=Actor(request.user, Source.WEB), user=request.user, **form.cleaned_data)
        messages.success(request, "Your alert settings are saved.")
        return redirect(reverse("licensing:alert_settings"))

    def render_page(self, form: AlertPreferencesForm, status: int = 200):
        rows = [
            (kind, label, form["by_email"].value() or [], form["in_admin_center"].value() or [])
            for kind, label in AlertKind.choices
        ]
        context = self.get_context_data(form=form, rows=rows, top_section="alerts")
        return self.render_to_response(context, status=status)
