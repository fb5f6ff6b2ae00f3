"""The lists' exact counts (README, "API lists and their counts"): what the pool counters know is taken from them,
with no count of the users, and every count equals the rows the list holds; the statements a list sends are the
same for a small and a larger organisation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services.groups import group_members_change
from accounts.services.users import user_delete
from core.audit import Actor
from core.choices import Source
from licensing.models import LicenseAssignment
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.api.conftest import bearer_client
from tests.factories import GroupFactory, LicensePoolFactory, SubscriptionFactory, UserFactory

SYSTEM = Actor(None, Source.SYSTEM)


@pytest.fixture
def line(org):
    """A group of Adele and Henrietta holding a pool of one license in S: one holds it, the other waits."""
    pool = LicensePoolFactory(subscription=org.s, quantity=1)
    group = GroupFactory()
    group_members_change(by=SYSTEM, group=group, add=[org.adele, org.henrietta])
    group_licenses_change(by=SYSTEM, group=group, subscription=org.s, add=[pool.product])
    return pool


def counted(client, url: str) -> tuple[int, list[str]]:
    """The list's `count`, checked against every row it holds, and the statements it sent."""
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url + ("&" if "?" in url else "?") + "limit=500").json()
    assert body["count"] == len(body["results"]), (url, body)
    return body["count"], [query["sql"] for query in captured.captured_queries]


def users_counted(statements: list[str]) -> bool:
    return any("COUNT(" in sql and '"accounts_user"' in sql for sql in statements)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subscription={s}&product=OFFICESERIES_E3", 1),  # Alex
        ("product=OFFICESERIES_E3", 1),  # Alex holds it in S and in T: once
        ("subscription={t}&product=OFFICESERIES_E3", 1),
        ("product=VISIO_P2", 1),  # Henrietta
        ("product=OFFICESERIES_E5", 0),
        ("product=NO_SUCH_PRODUCT", 0),
        ("subscription={s}&state=pending", 1),
        ("state=pending", 1),
        ("subscription={t}&state=pending", 0),
    ],
)
def test_the_pool_counters_give_the_count_without_counting_users(org, line, query, expected):
    client = bearer_client(org.users["global_admin"])
    count, statements = counted(client, "/api/v1/users/?" + query.format(s=org.s.pk, t=org.t.pk))
    assert count == expected
    assert not users_counted(statements)


def users_probed(statements: list[str]) -> bool:
    """A count of the users that tests each against other rows (a semi- or anti-join)."""
    return any(users_counted([sql]) and "EXISTS" in sql for sql in statements)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Alex holds E3 in S and T, Henrietta Visio in S, Adele the line's license from the group (not direct).
        ("subscription={s}&licensed=true", 3),
        ("subscription={s}&licensed=false", 4),  # of 7 users
        ("subscription={t}&licensed=true", 1),
        ("subscription={t}&licensed=false", 6),
        ("licensed=true", 3),
        ("licensed=false", 4),
        ("subscription={s}&source=direct", 2),
        ("subscription={t}&source=direct", 1),
        ("subscription={s}&source=group:{g}", 2),  # the member holding and the one waiting
        ("subscription={t}&source=group:{g}", 0),  # the group holds no pool of T
        ("source=group:{g}", 2),
        ("source=group:999999", 0),
    ],
)
def test_licensed_and_source_count_the_pools_rows_not_every_user(org, line, query, expected):
    client = bearer_client(org.users["global_admin"])
    group = line.group_licenses.get().group_id
    url = "/api/v1/users/?" + query.format(s=org.s.pk, t=org.t.pk, g=group)
    count, statements = counted(client, url)
    assert count == expected
    assert not users_probed(statements)


def test_a_subscription_without_pools_has_every_user_unlicensed(org):
    empty = SubscriptionFactory()
    client = bearer_client(org.users["global_admin"])
    for query, expected in (("licensed=false", 7), ("licensed=true", 0), ("source=direct", 0)):
        count, statements = counted(client, f"/api/v1/users/?subscription={empty.pk}&{query}")
        assert count == expected and not users_probed(statements), query


def test_a_subscription_administrator_counts_licensed_users_in_the_pools_they_see(org, line):
    """Alex's E3 in T is not theirs to see: across subscriptions they count S's holders only."""
    client = bearer_client(org.users["subscription_admin"])
    for query, expected in (("licensed=true", 3), ("licensed=false", 4), ("source=direct", 2)):
        count, statements = counted(client, "/api/v1/users/?" + query)
        assert count == expected and not users_probed(statements), query
    user_licenses_change(by=SYSTEM, user=org.adele, subscription=org.t, add=[org.e3])
    count, _ = counted(client, f"/api/v1/users/?licensed=false&department={org.adele.department}")
    assert count == 1  # Morgan; Adele holds the line's license in S


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 7),
        ("licensed=false", 4),
        ("subscription={s}&licensed=false", 4),
        ("subscription={t}&licensed=false", 6),
        ("subscription={s}&licensed=true", 3),
        ("subscription={s}&source=direct", 2),
        ("subscription={t}&source=direct", 1),
        ("subscription={s}&source=group:{g}", 2),
        ("source=group:{g}", 2),
    ],
)
def test_counts_the_database_keeps_are_read_not_counted(org, line, query, expected):
    """Every user, a group's members and, in one subscription, its holders (directly or at all) are counts the
    database keeps (core.models.RowCount): the list reads them and counts neither the users nor the memberships nor,
    in a subscription, the holders."""
    client = bearer_client(org.users["global_admin"])
    group = line.group_licenses.get().group_id
    count, statements = counted(client, "/api/v1/users/?" + query.format(s=org.s.pk, t=org.t.pk, g=group))
    assert not any('"accounts_groupmembership"' in sql and "COUNT(" in sql for sql in statements)
    assert count == expected
    assert not users_counted(statements)
    assert any('"core_rowcount"' in sql for sql in statements)
    if "subscription=" in query:
        assert not any('"licensing_subscriptionholder"' in sql for sql in statements)


@pytest.mark.parametrize(
    "query",
    [
        "subscription={s}&licensed=false&department=Sales",
        "licensed=true&is_active=true",
        "subscription={s}&source=direct&q=alex",
        "subscription={s}&product=OFFICESERIES_E3&department=Marketing",
        "state=pending&q=adele",
        "department=Sales",
    ],
)
def test_other_filters_are_counted_by_the_database(org, line, query):
    client = bearer_client(org.users["global_admin"])
    _, statements = counted(client, "/api/v1/users/?" + query.format(s=org.s.pk))
    assert users_counted(statements)


def test_a_subscription_administrator_counts_only_the_pools_they_see(org, line):
    """Alex holds E3 in S and in T; the Subscription Administrator of S sees S's pool only, so its counter."""
    client = bearer_client(org.users["subscription_admin"])
    count, statements = counted(client, "/api/v1/users/?product=OFFICESERIES_E3")
    assert count == 1 and not users_counted(statements)
    assert not any('"licensing_licenseassignment"' in sql and "COUNT(" in sql for sql in statements)


def test_graph_count_of_a_sku_comes_from_the_counters(org):
    client = bearer_client(org.users["global_admin"])
    for sku, expected in ((org.e3.sku_id, 1), (org.e5.sku_id, 0)):
        url = f"/graph/v1.0/users?$count=true&$filter=assignedLicenses/any(x:x/skuId eq {sku})"
        with CaptureQueriesContext(connection) as captured:
            body = client.get(url).json()
        assert body["@odata.count"] == expected == len(body["value"])
        assert not users_counted([query["sql"] for query in captured.captured_queries])


def assignments_counted(statements: list[str]) -> bool:
    return any("COUNT(" in sql and '"licensing_licenseassignment"' in sql for sql in statements)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 4),  # Alex's E3 in S and in T, Henrietta's Visio, the line's one license
        ("subscription={s}", 3),
        ("subscription={t}", 1),
        ("product=OFFICESERIES_E3", 2),
        ("subscription={t}&product=OFFICESERIES_E3", 1),
        ("subscription={s}&product=OFFICESERIES_E5", 0),
        ("product=NO_SUCH_PRODUCT", 0),
    ],
)
def test_a_subscriptions_assignments_are_counted_by_the_pool_counters(org, line, query, expected):
    client = bearer_client(org.users["global_admin"])
    count, statements = counted(client, "/api/v1/assignments/?" + query.format(s=org.s.pk, t=org.t.pk))
    assert count == expected
    assert not assignments_counted(statements)


def test_one_users_assignments_are_counted_by_the_database(org, line):
    client = bearer_client(org.users["global_admin"])
    count, statements = counted(client, f"/api/v1/assignments/?user={org.alex.pk}&subscription={org.s.pk}")
    assert count == 1 and assignments_counted(statements)


def test_a_subscription_administrator_counts_only_the_assignments_they_see(org, line):
    """Alex's E3 in T is not the Subscription Administrator of S's to see, nor to count."""
    client = bearer_client(org.users["subscription_admin"])
    for query, expected in (("", 3), ("product=OFFICESERIES_E3", 1), (f"subscription={org.t.pk}", 0)):
        count, statements = counted(client, "/api/v1/assignments/?" + query)
        assert count == expected and not assignments_counted(statements), query


def test_assignments_are_listed_by_pool_then_user(org, line):
    """The order of the (pool, user) unique index, which a page walks instead of sorting the subscription (newer
    users with earlier emails: not the export's order by product and email)."""
    for user in [UserFactory(email=f"{letter}.order@contoso.example") for letter in "zyx"]:
        user_licenses_change(by=SYSTEM, user=user, subscription=org.s, add=[org.e3, org.e5])
    client = bearer_client(org.users["global_admin"])
    body = client.get(f"/api/v1/assignments/?subscription={org.s.pk}&limit=4&offset=2").json()
    expected = LicenseAssignment.objects.filter(pool__subscription=org.s).order_by("pool_id", "user_id")
    assert [row["id"] for row in body["results"]] == list(expected.values_list("pk", flat=True)[2:6])
    assert body["count"] == expected.count() == 3 + 6


LISTS = [
    "/api/v1/users/?subscription={s}&product=OFFICESERIES_E3",
    "/api/v1/users/?product=OFFICESERIES_E3",
    "/api/v1/users/?subscription={s}&state=pending",
    "/api/v1/users/?subscription={s}&licensed=false",
    "/api/v1/users/?subscription={s}&source=direct",
    "/api/v1/users/?department=Sales",
    "/api/v1/groups/",
    "/api/v1/assignments/?subscription={s}",
    "/api/v1/assignments/?product=OFFICESERIES_E3",
    "/api/v1/audit-events/",
    "/graph/v1.0/users?$count=true&$filter=assignedLicenses/any(x:x/skuId eq {e3})",
    "/graph/v1.0/users?$count=true&$filter=department eq 'Sales'",
    "/scim/v2/Users",
    '/scim/v2/Users?filter=active eq true and displayName sw "A"',
]


@pytest.mark.parametrize("url", LISTS)
def test_a_list_sends_the_same_statements_for_a_larger_organisation(org, line, url):
    client = bearer_client(org.users["global_admin"])
    url = url.format(s=org.s.pk, e3=org.e3.sku_id)
    client.get(url)  # the token's first use writes once

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = statements()
    for user in UserFactory.create_batch(5, department="Sales"):
        user_licenses_change(by=SYSTEM, user=user, subscription=org.s, add=[org.e3])
        user_licenses_change(by=SYSTEM, user=user, subscription=org.t, add=[org.e3])
    assert statements() == small


@pytest.mark.parametrize("api", ["rest", "graph"])
def test_a_groups_members_are_counted_by_their_memberships_read_with_the_group(org, api):
    """The token with its admin's roles, the group with its number of members (and, for the REST API, their
    version: the ETag), the page: no count of the users, no statement of the count's own, whatever the members.
    Before, the REST API also counted the users joined to the memberships and read the version again (5)."""
    client = bearer_client(org.users["global_admin"])
    group = GroupFactory()
    url = (
        f"/api/v1/groups/{group.pk}/members/?limit=2"
        if api == "rest"
        else f"/graph/v1.0/groups/{group.public_id}/members?$count=true&$top=2"
    )
    count_field = "count" if api == "rest" else "@odata.count"
    client.get(url)  # the token's first use writes once

    def listed() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content
        return response.json()[count_field], [query["sql"] for query in captured.captured_queries]

    counts = []
    for change in (
        {},
        {"add": [org.adele, org.alex, org.henrietta, *UserFactory.create_batch(5)]},
        {"remove": [org.alex]},
    ):
        if change:
            group_members_change(by=SYSTEM, group=group, **change)
        count, statements = listed()
        pages = 0 if api == "rest" and count == 0 else 1  # DRF reads no page when the count says there is none
        assert len(statements) == 2 + pages and not users_counted(statements), statements
        counts.append(count)
    user_delete(by=SYSTEM, user=org.henrietta)  # the membership goes with the user
    counts.append(listed()[0])
    assert counts == [0, 8, 7, 6]


@pytest.mark.parametrize("query", ["", "department=Sales", "licensed=false", "members"])
def test_a_page_of_users_reads_its_ids_off_the_list_order_first(org, query):
    """accounts.selectors.users_page: the page's ids in a subquery in the list's order, then only their rows (an
    offset or a filter no longer reads every row it skips); the pages still follow one another in that order. The
    same for a page of a group's members."""
    UserFactory.create_batch(12, department="Sales")
    client = bearer_client(org.users["global_admin"])
    url = "/api/v1/users/?" + query
    if query == "members":
        group = GroupFactory()
        group_members_change(by=SYSTEM, group=group, add=list(User.objects.exclude(department="Sales")[:3]))
        group_members_change(by=SYSTEM, group=group, add=list(User.objects.filter(department="Sales")[:8]))
        url = f"/api/v1/groups/{group.pk}/members/?"
    every = [user["id"] for user in client.get(f"{url}&limit=500").json()["results"]]
    assert len(every) > 8
    pages = []
    for offset in range(0, len(every), 4):
        with CaptureQueriesContext(connection) as captured:
            pages += [user["id"] for user in client.get(f"{url}&limit=4&offset={offset}").json()["results"]]
        [read] = [
            sql
            for sql in captured.captured_queries
            if 'FROM "accounts_user" WHERE "accounts_user"."id" IN (SELECT' in sql["sql"]
        ]
        assert "OFFSET" not in read["sql"].rsplit(")", 1)[-1]  # the page is cut in the subquery, not after reading
    assert pages == every
