"""Every web list page at scale. User License Assignments: the number of queries per page is the same for 10, 50 and
100 rows and for a handful or 1,000 users, with each license's sources and state shown and whatever the filters;
the total is counted only so far past the page shown (that a search cannot walk the name index:
tests/accounts/test_filtersets.py). Users, the groups, a group's members and the audit log: the same, within 8
queries."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import GroupKind
from accounts.models import Group, User
from accounts.selectors import departments_list
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.demo import ADMINS, seed_demo
from licensing.models import Product, Subscription
from licensing.services.group_licenses import group_licenses_change
from licensing.services.pools import pool_create
from licensing.views import UserLicenseAssignmentsView
from tests.factories import UserFactory
from tests.web.conftest import HTMX, client_for
from tests.world import Org

# The session with the user and their roles, the unread notices (top bar), the subscription's pools with the
# subscription (and the groups that hold them: the source filter's choices), the bounded count, the page's rows with
# their licenses and sources, departments.
FULL_PAGE_QUERIES = 6
# The live-filtering fragment has no top bar and no filter form, so no notices and no departments.
FRAGMENT_QUERIES = 4

# Each has more than 100 matches among 1,000 demo users, and at least one among a dozen.
VARIANTS = {
    "page 1": {},
    "search by name": {"q": "en"},
    "search by email": {"q": ".1"},
    "by product": {"product": "OFFICESERIES_E5"},
    "unlicensed only": {"licensed": "false"},
    "licensed, one department, sorted by email descending": {
        "licensed": "true",
        "department": "Sales",
        "ordering": "-email",
    },
    "page 3": {"page": "3"},
    "pending only": {"state": "pending"},
    "direct only": {"source": "direct"},
    "from the Sales group": {"source": "group:{sales}"},
}

SYSTEM = Actor(None, Source.CLI, label="test")


def sales_licensed_by_group() -> Group:
    """The demo's Sales department as a group that holds E3 (which many of them have directly too) and a product
    of no licenses yet (they all wait for it)."""
    subscription = Subscription.objects.get(name="Contoso Enterprise")
    scarce, _ = Product.objects.get_or_create(sku_part_number="SCARCE", defaults={"name": "Scarce"})
    pool_create(by=SYSTEM, subscription=subscription, product=scarce, quantity=0)
    sales = Group.objects.filter(name="Sales").first() or group_create(by=SYSTEM, name="Sales", kind=GroupKind.ASSIGNED)
    e3 = Product.objects.get(sku_part_number="OFFICESERIES_E3")
    group_licenses_change(by=SYSTEM, group=sales, subscription=subscription, add=[scarce, e3])
    group_members_change(by=SYSTEM, group=sales, add=list(User.objects.filter(department="Sales")))
    return sales


def with_group(params: dict, sales: Group) -> dict:
    return {name: value.format(sales=sales.pk) for name, value in params.items()}


def signed_in_to_the_demo(users: int) -> tuple[Client, str]:
    """The demo organisation completed to `users` users, a client signed in as its Global Administrator, and the
    URL of the list."""
    seed_demo(users=users)
    sales_licensed_by_group()
    client = Client()
    client.force_login(User.objects.get(email=ADMINS[0].email))
    subscription = Subscription.objects.get(name="Contoso Enterprise")
    return client, reverse("licensing:subscription_users", args=[subscription.pk])


def queries_of(client: Client, url: str, params: dict, headers: dict | None = None) -> tuple[int, int]:
    """(queries run, rows shown) for one request of the list."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, headers=headers)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.context["page"].object_list)


def test_queries_per_page_do_not_grow_with_the_rows_shown(db):
    client, url = signed_in_to_the_demo(1000)
    fragment = {**HTMX, "HX-Target": "user-results"}
    sales = Group.objects.get(name="Sales")
    for name, params in VARIANTS.items():
        params = with_group(params, sales)
        for rows in (10, 50, 100):
            assert queries_of(client, url, {**params, "per_page": str(rows)}) == (FULL_PAGE_QUERIES, rows), name
            assert queries_of(client, url, {**params, "per_page": str(rows)}, fragment) == (FRAGMENT_QUERIES, rows), (
                name
            )


def test_queries_per_page_do_not_grow_with_the_organisation(db):
    counts = {}
    for users in (12, 1000):  # seed_demo completes the organisation: first a dozen users, then 1,000
        client, url = signed_in_to_the_demo(users)
        sales = Group.objects.get(name="Sales")
        for name, params in VARIANTS.items():
            queries, shown = queries_of(client, url, {**with_group(params, sales), "per_page": "10"})
            assert shown > 0, name
            counts[name, users] = queries
    assert set(counts.values()) == {FULL_PAGE_QUERIES}


def test_the_rows_show_sources_and_states_within_those_queries(db):
    client, url = signed_in_to_the_demo(1000)
    response = client.get(url, {"state": "pending", "per_page": "100"})
    html = response.content.decode()
    people = response.context["page"].object_list
    assert len(people) == 100
    assert all(any(license.sources.pending for license in person.subscription_licenses) for person in people)
    assert html.count('<span class="badge badge-pending">Pending</span>') >= 100
    assert "from Sales" in html
    assert "Direct · from Sales" in html  # E3 held directly and from the group
    assert '<option value="group:' in html and ">Group Sales</option>" in html


@pytest.fixture
def sixty_users(org: Org, monkeypatch) -> Client:
    """67 users in all, and a list that counts only 20 rows past the page shown."""
    UserFactory.create_batch(60)
    monkeypatch.setattr(UserLicenseAssignmentsView, "count_ahead", 20)
    return client_for(org.users["global_admin"])


def test_the_total_is_counted_only_so_far_past_the_page_shown(org: Org, sixty_users):
    url = reverse("licensing:subscription_users", args=[org.s.pk])

    first = sixty_users.get(url, {"per_page": "10"})
    html = first.content.decode()
    assert re.search(r"Showing 1–10 of <span[^>]*>more than 30</span> users", html)
    assert first.context["page"].paginator.num_pages == 3
    assert f'href="{url}?per_page=10&amp;page=2" hx-get="{url}?per_page=10&amp;page=2" rel="next"' in html

    third = sixty_users.get(url, {"per_page": "10", "page": "3"})
    assert re.search(r"Showing 21–30 of <span[^>]*>more than 50</span> users", third.content.decode())

    last = sixty_users.get(url, {"per_page": "10", "page": "7"})
    html = last.content.decode()
    assert "Showing 61–67 of 67 users" in html
    assert '<span class="is-disabled" aria-disabled="true">Next</span>' in html
    assert len(last.context["page"].object_list) == 7


def test_a_page_past_the_end_shows_the_last_page(org: Org, sixty_users):
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    response = sixty_users.get(url, {"per_page": "10", "page": "99999999999999999999999"})
    assert response.context["page"].number == 7
    assert "Showing 61–67 of 67 users" in response.content.decode()


def test_departments_are_distinct_and_ordered(org: Org):
    UserFactory(department="Engineering")
    UserFactory(department="")
    assert departments_list() == ["Engineering", "IT", "Marketing", "Research", "Sales"]


def test_a_partial_count_fetches_the_exact_total_after_the_page(org: Org, sixty_users):
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    total_url = reverse("licensing:subscription_users_total", args=[org.s.pk])
    html = sixty_users.get(url, {"per_page": "10", "q": "user", "page": "2"}).content.decode()
    assert f'hx-get="{total_url}?q=user" hx-trigger="load" hx-target="this"' in html

    exact = User.objects.filter(Q(display_name__icontains="user") | Q(email__icontains="user")).count()
    assert exact > 30
    assert sixty_users.get(total_url, {"q": "user"}).content.decode().strip() == f"<span>{exact}</span>"
    everyone = sixty_users.get(total_url).content.decode().strip()
    assert everyone == f"<span>{User.objects.count()}</span>"


def test_an_exact_count_needs_no_second_request(org: Org):
    url = reverse("licensing:subscription_users", args=[org.s.pk])
    html = client_for(org.users["global_admin"]).get(url).content.decode()
    assert "more than" not in html and 'hx-trigger="load"' not in html


# --- the other list pages ----------------------------------------------------------------------------------------

# The session with the user and their roles, the unread notices, the visible pools (product choices), groups, the
# bounded count, the page's rows with their licenses and sources, departments.
DIRECTORY_QUERIES = 7
# The session with the user and their roles, the unread notices, the count, the page's groups with their numbers of
# members.
GROUPS_QUERIES = 4
# The session with the user and their roles, the unread notices, the group with its number of members (the count
# while no filter narrows them), departments, the page's members; a filter adds the count of its matches.
MEMBERS_QUERIES = 5
FILTERED_MEMBERS_QUERIES = 6
# The session with the user and their roles, the unread notices, the subscription's pools with the subscription
# (product choices), the count, the page's events.
AUDIT_QUERIES = 5
MOST_QUERIES = 8  # issue 17: any list page, any size


def other_lists(sales: Group) -> dict[str, tuple[str, int, list[dict]]]:
    """Each list page: its URL, its number of queries, and the filters to try (each matches a row among a dozen
    demo users)."""
    subscription = Subscription.objects.get(name="Contoso Enterprise")
    return {
        "Users": (
            reverse("licensing:users"),
            DIRECTORY_QUERIES,
            [{}, {"q": "en"}, {"department": "Sales"}, {"product": "OFFICESERIES_E3"}, {"group": str(sales.pk)}],
        ),
        "Groups": (reverse("licensing:groups"), GROUPS_QUERIES, [{}, {"q": "a"}, {"kind": GroupKind.ASSIGNED}]),
        "Members": (reverse("licensing:group_detail", args=[sales.pk]), MEMBERS_QUERIES, [{}, {"ordering": "-email"}]),
        "Members, filtered": (
            reverse("licensing:group_detail", args=[sales.pk]),
            FILTERED_MEMBERS_QUERIES,
            [{"q": "e"}, {"department": "Sales"}],
        ),
        "Audit log": (
            reverse("licensing:subscription_audit", args=[subscription.pk]),
            AUDIT_QUERIES,
            [{}, {"product": "OFFICESERIES_E3"}, {"source": Source.CLI}],
        ),
    }


@pytest.mark.parametrize("page", ["Users", "Groups", "Members"])
def test_other_lists_cost_the_same_for_10_50_and_100_rows(db, page):
    client, _ = signed_in_to_the_demo(1000)
    for number in range(100 if page == "Groups" else 0):  # the demo has two
        group_create(by=SYSTEM, name=f"Team {number}", kind=GroupKind.ASSIGNED)
    url, expected, _ = other_lists(Group.objects.get(name="Sales"))[page]
    counts = {rows: queries_of(client, url, {"per_page": str(rows)}) for rows in (10, 50, 100)}
    assert counts == {rows: (expected, rows) for rows in (10, 50, 100)}


def test_other_lists_cost_the_same_for_a_dozen_or_1000_users(db):
    counts: dict[tuple[str, int], set[int]] = {}
    for users in (12, 1000):
        client, _ = signed_in_to_the_demo(users)
        for page, (url, expected, variants) in other_lists(Group.objects.get(name="Sales")).items():
            for params in variants:
                queries, shown = queries_of(client, url, params)
                assert shown > 0, (page, params, users)
                counts.setdefault((page, expected), set()).add(queries)
    assert counts == {key: {key[1]} for key in counts}
    assert max(expected for _, expected in counts) <= MOST_QUERIES
