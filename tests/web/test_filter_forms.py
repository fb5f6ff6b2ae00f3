"""The list pages' filter forms are rendered from their FilterSets (templates/filters/): every filter of a page's
FilterSet appears with its label, except those the page fixes, so a new filter needs no template work."""

import django_filters
import pytest
from django.urls import reverse

from licensing.filtersets import AuditEventFilterSet, UserLicenseFilterSet
from licensing.views import SubscriptionAuditView, UserLicenseAssignmentsView
from licensing.views.lists import ORDERING
from tests.world import Org

LISTS = {"users": UserLicenseAssignmentsView, "audit": SubscriptionAuditView}
URL_NAMES = {"users": "licensing:subscription_users", "audit": "licensing:subscription_audit"}


def page_of(org: Org, client, name: str) -> str:
    return client.get(reverse(URL_NAMES[name], args=[org.s.pk])).content.decode()


@pytest.mark.parametrize("name", LISTS)
def test_every_filter_of_the_filterset_is_on_the_page_with_its_label(org: Org, global_admin_client, name):
    view = LISTS[name]
    html = page_of(org, global_admin_client, name)

    shown = [
        (field, bound_filter)
        for field, bound_filter in view.filterset_class.base_filters.items()
        if field not in view.fixed_filters and field != ORDERING
    ]
    assert shown
    for field, bound_filter in shown:
        control_id = view.filter_ids.get(field, view.filter_id_prefix + field)
        assert f'<label for="{control_id}">{bound_filter.label}</label>' in html, field
        assert f'id="{control_id}" name="{field}"' in html, field
    for field in view.fixed_filters:
        assert f'name="{field}"' not in html


def test_the_pages_show_the_guides_filters(org: Org, global_admin_client):
    """The labels and options the user guide names, now coming from the FilterSets."""
    users = page_of(org, global_admin_client, "users")
    for label in ("Search by name or email", "Product", "License status", "Department", "Account status"):
        assert f">{label}</label>" in users
    assert '<option value="OFFICESERIES_E3">OfficeSeries E3</option>' in users
    audit = page_of(org, global_admin_client, "audit")
    for label in ("User", "Product", "Action", "Source", "From", "To"):
        assert f">{label}</label>" in audit
    assert '<input type="date" id="audit-from" name="date_from" value="">' in audit
    assert '<option value="">All sources</option>' in audit


def test_a_new_filter_shows_up_without_template_work(org: Org, global_admin_client, monkeypatch):
    class WithMoreFilters(UserLicenseFilterSet):
        job_title = django_filters.CharFilter(field_name="job_title", label="Job title")
        staff = django_filters.BooleanFilter(field_name="is_staff", label="Staff")

        class Meta(UserLicenseFilterSet.Meta):
            fields = [*UserLicenseFilterSet.Meta.fields, "job_title", "staff"]

    class WithSince(AuditEventFilterSet):
        since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="Since")

        class Meta(AuditEventFilterSet.Meta):
            fields = [*AuditEventFilterSet.Meta.fields, "since"]

    monkeypatch.setattr(UserLicenseAssignmentsView, "filterset_class", WithMoreFilters)
    monkeypatch.setattr(SubscriptionAuditView, "filterset_class", WithSince)

    users = page_of(org, global_admin_client, "users")
    assert '<input type="search" id="filter-job_title" name="job_title"' in users
    assert '<select id="filter-staff" name="staff">' in users
    assert '<input type="date" id="audit-since" name="since"' in page_of(org, global_admin_client, "audit")


def test_the_chosen_values_are_kept(org: Org, global_admin_client):
    url = reverse(URL_NAMES["users"], args=[org.s.pk])
    html = global_admin_client.get(
        url, {"q": "ad", "product": "VISIO_P2", "licensed": "false", "department": "Sales", "is_active": "true"}
    ).content.decode()

    assert 'name="q" value="ad"' in html
    assert '<option value="VISIO_P2" selected>' in html
    assert '<option value="false" selected>Unlicensed (no license in this subscription)</option>' in html
    assert '<option value="Sales" selected>Sales</option>' in html
    assert '<option value="true" selected>Enabled</option>' in html
    assert '<option value="">All</option>' in html  # the empty choice is the default, never marked


def test_the_audit_logs_source_filter_now_on_the_page_applies(org: Org, global_admin_client):
    """Source was a filter of the FilterSet (and the API) but not of the page; rendered from the FilterSet, it is."""
    response = global_admin_client.get(reverse(URL_NAMES["audit"], args=[org.s.pk]), {"source": "system"})

    assert [event.subject_user_label for event in response.context["page"]] == ["henrietta.mueller@contoso.test"]
    assert '<option value="system" selected>System</option>' in response.content.decode()
