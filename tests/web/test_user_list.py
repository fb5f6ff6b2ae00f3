"""User License Assignments: the rows, search and filters, sorting, pagination and live filtering (the number of
queries per page: test_list_performance.py)."""

import re

import pytest
from django.urls import reverse

from core.audit import Actor
from core.choices import Source
from licensing.services.bulk import licenses_bulk_assign
from tests.factories import UserFactory
from tests.web.conftest import HTMX, client_for
from tests.world import Org


def users_url(org: Org) -> str:
    return reverse("licensing:subscription_users", args=[org.s.pk])


def listed(response) -> list[str]:
    """Display names of the rows, in order."""
    return [person.get_full_name() for person in response.context["page"].object_list]


def row_html(html: str, user) -> str:
    start = html.index(f'<tr data-user-id="{user.pk}" id="user-row-{user.pk}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def client(org):
    return client_for(org.users["global_admin"])


def test_rows_follow_the_contract(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    assert "<h1>User License Assignments</h1>" in html
    alex = row_html(html, org.alex)
    assert f'<input type="checkbox" name="users" value="{org.alex.pk}" aria-label="Select Alex Wilber">' in alex
    assert "data-opens-dialog>Alex Wilber</a>" in alex
    assert f'href="{reverse("licensing:user_profile", args=[org.alex.pk])}">Profile</a>' in alex
    assert "alex.wilber@contoso.test" in alex
    assert "Marketing" in alex
    assert "Enabled" in alex
    assert re.search(r'<td class="licenses">.*OfficeSeries E3.*</td>', alex)
    assert "OfficeSeries E5" not in alex
    assert ">Add or remove licenses</a>" in alex
    assert re.search(r'<td class="licenses">.*No licenses.*</td>', row_html(html, org.adele))


def test_licenses_cell_lists_only_this_subscriptions_licenses_comma_separated(org: Org, client):
    licenses_bulk_assign(subscription=org.s, product=org.e5, users=[org.alex], by=Actor(None, Source.SYSTEM))

    cell = re.search(
        r'<td class="licenses">(.*?)</td>', row_html(client.get(users_url(org)).content.decode(), org.alex)
    )
    text = re.sub(r"<[^>]+>", "", cell.group(1))
    assert text == "OfficeSeries E3 Direct, OfficeSeries E5 Direct"


def test_pool_summary_shows_availability_per_product(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    summary = html[html.index('id="pool-summary"') : html.index("</section>", html.index('id="pool-summary"'))]
    assert "OfficeSeries E3" in summary and "19 of 20 available" in summary
    assert "5 of 5 available" in summary
    assert "0 of 1 available" in summary
    assert "Fabrikam" not in summary


def test_filter_form_has_the_labelled_controls(org: Org, client):
    html = client.get(users_url(org)).content.decode()

    assert '<form id="user-filters"' in html
    for control, label in [
        ("filter-q", "Search by name or email"),
        ("filter-product", "Product"),
        ("filter-licensed", "License status"),
        ("filter-department", "Department"),
        ("filter-active", "Account status"),
    ]:
        assert f'<label for="{control}">{label}</label>' in html
    assert re.search(r'<select id="filter-licensed" name="licensed">\s*<option value="">All</option>', html)
    assert ">Licensed (a license in this subscription)</option>" in html
    assert ">Unlicensed (no license in this subscription)</option>" in html
    assert ">Enabled</option>" in html and ">Disabled</option>" in html
    assert '<option value="Research">Research</option>' in html
    assert ">Apply filters</button>" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "adele"}, ["Adele Vance"]),
        ({"q": "WILBER@contoso"}, ["Alex Wilber"]),
        ({"product": "OFFICESERIES_E3"}, ["Alex Wilber"]),
        ({"product": "VISIO_P2"}, ["Henrietta Mueller"]),
        ({"product": "OFFICESERIES_E5"}, []),
        ({"licensed": "true"}, ["Alex Wilber", "Henrietta Mueller"]),
        ({"department": "Research"}, ["Henrietta Mueller"]),
        ({"department": "Sales", "licensed": "false"}, ["Adele Vance", "Morgan Member"]),
    ],
)
def test_search_and_filters(org: Org, client, params, expected):
    assert listed(client.get(users_url(org), params)) == expected


def test_licensed_filter_is_about_this_subscription(org: Org, client):
    """Alex holds E3 in T as well; in T's list Henrietta (licensed only in S) counts as unlicensed."""
    response = client.get(reverse("licensing:subscription_users", args=[org.t.pk]), {"licensed": "false"})

    assert "Henrietta Mueller" in listed(response)
    assert "Alex Wilber" not in listed(response)


def test_account_status_filter(org: Org, client):
    org.adele.is_active = False
    org.adele.save(update_fields=["is_active"])

    assert listed(client.get(users_url(org), {"is_active": "false"})) == ["Adele Vance"]
    enabled = listed(client.get(users_url(org), {"is_active": "true"}))
    assert "Adele Vance" not in enabled and "Alex Wilber" in enabled
    assert "Disabled" in row_html(client.get(users_url(org)).content.decode(), org.adele)


@pytest.mark.parametrize(
    ("ordering", "key", "reverse_"),
    [
        ("name", lambda user: user.display_name, False),
        ("-name", lambda user: user.display_name, True),
        ("email", lambda user: user.email, False),
        ("-department", lambda user: (user.department, -user.pk), True),
    ],
)
def test_sorting(org: Org, client, ordering, key, reverse_):
    people = client.get(users_url(org), {"ordering": ordering}).context["page"].object_list
    assert list(people) == sorted(people, key=key, reverse=reverse_)


def test_sort_links_toggle_and_keep_the_filters(org: Org, client):
    html = client.get(users_url(org), {"q": "a", "ordering": "name", "page": "1"}).content.decode()

    assert 'aria-sort="ascending"' in html
    assert f'href="{users_url(org)}?q=a&amp;ordering=-name"' in html
    assert f'href="{users_url(org)}?q=a&amp;ordering=email"' in html


@pytest.fixture
def many_users(org):
    """25 more users in Engineering, each holding E3 in S, so there are 32 users in all."""
    people = UserFactory.create_batch(25, department="Engineering")
    org.pool_e3.quantity = 100
    org.pool_e3.save(update_fields=["quantity"])
    licenses_bulk_assign(subscription=org.s, product=org.e3, users=people, by=Actor(None, Source.SYSTEM))
    return people


def test_pagination_with_the_total(org: Org, client, many_users):
    first = client.get(users_url(org), {"per_page": "10"})
    html = first.content.decode()
    assert "Showing 1–10 of 32 users" in html
    assert len(listed(first)) == 10
    assert f'href="{users_url(org)}?per_page=10&amp;page=2"' in html

    last = client.get(users_url(org), {"per_page": "10", "page": "4"})
    assert "Showing 31–32 of 32 users" in last.content.decode()
    assert len(listed(last)) == 2
    seen = set()
    for page in range(1, 5):
        seen.update(client.get(users_url(org), {"per_page": "10", "page": str(page)}).context["page"].object_list)
    assert len(seen) == 32  # stable order: every user on exactly one page


def test_pagination_defaults_to_50_and_clamps_bad_input(org: Org, client, many_users):
    assert client.get(users_url(org), {"per_page": "7"}).context["page"].paginator.per_page == 50
    response = client.get(users_url(org), {"per_page": "10", "page": "999"})
    assert response.context["page"].number == 4
    assert client.get(users_url(org), {"page": "x"}).context["page"].number == 1


def test_filtered_total(org: Org, client, many_users):
    html = client.get(users_url(org), {"department": "Engineering"}).content.decode()
    assert "Showing 1–25 of 25 users" in html


def test_live_filtering_gets_only_the_results(org: Org, client):
    response = client.get(users_url(org), {"q": "adele"}, headers={**HTMX, "HX-Target": "user-results"})
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="user-results"')
    assert "<h1>" not in html and "user-filters" not in html
    assert listed(response) == ["Adele Vance"]


def test_no_users_match(org: Org, client):
    html = client.get(users_url(org), {"q": "nobody-like-this"}).content.decode()
    assert "No users match these filters." in html
