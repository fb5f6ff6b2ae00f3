"""A group's Licenses tab: the pools it holds, adding and removing a product, a pool's line, who may, and the
licenses a group's deletion frees."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import GroupKind
from accounts.models import Group
from accounts.services.groups import group_create, group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.models import GroupLicense, LicensePool
from licensing.selectors.groups import group_pools_members
from licensing.services.group_licenses import group_licenses_change
from tests.factories import UserFactory
from tests.web.conftest import client_for, messages_of
from tests.world import Org

SYSTEM = Actor(None, Source.SYSTEM)


def licenses_url(group: Group) -> str:
    return reverse("licensing:group_licenses", args=[group.pk])


def remove_url(group: Group, pool: LicensePool) -> str:
    return reverse("licensing:group_license_remove", args=[group.pk, pool.pk])


def line_url(group: Group, pool: LicensePool) -> str:
    return reverse("licensing:group_pool_line", args=[group.pk, pool.pk])


def held_pools(group: Group) -> set[int]:
    return set(GroupLicense.objects.filter(group=group).values_list("pool_id", flat=True))


def give(group: Group, pool: LicensePool) -> None:
    group_licenses_change(by=SYSTEM, group=group, subscription=pool.subscription, add=[pool.product])


@pytest.fixture
def sales(org: Org) -> Group:
    """An assigned group with Adele and Alex (Alex holds E3 in S and T directly)."""
    group = group_create(name="Sales", kind=GroupKind.ASSIGNED, by=SYSTEM)
    group_members_change(group=group, add=[org.adele, org.alex], by=SYSTEM)
    return group


@pytest.fixture
def client(org: Org):
    return client_for(org.users["user_admin"])


def test_the_tab_lists_the_pools_with_availability_and_members(org: Org, sales, client):
    give(sales, org.pool_e3)
    html = client.get(licenses_url(sales)).content.decode()

    row = html[html.index(f'id="group-license-{org.pool_e3.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "OfficeSeries E3" in row and org.s.name in row
    assert "18 of 20 available" in row  # Alex's direct license and Adele's from the group
    assert "2 hold it" in row
    assert remove_url(sales, org.pool_e3) in row
    assert 'aria-current="page">Licenses</a>' in html
    # The product it holds is not offered again; the others are.
    assert f'<option value="{org.pool_e3.pk}"' not in html
    assert f'<option value="{org.pool_e5.pk}"' in html and f'<option value="{org.pool_t_e3.pk}"' in html


def test_add_a_product(org: Org, sales, client):
    response = client.post(licenses_url(sales), {"pool": org.pool_e5.pk})

    assert response.status_code == 302 and response["Location"] == licenses_url(sales)
    assert held_pools(sales) == {org.pool_e5.pk}
    assert "OfficeSeries E5" in org.held(org.adele) and "OfficeSeries E5" in org.held(org.alex)
    assert messages_of(client.get(response["Location"])) == [f"Sales now has OfficeSeries E5 ({org.s.name})."]


def test_more_members_than_licenses_wait_in_the_line(org: Org, sales, client):
    late = UserFactory(display_name="Lee Late", email="lee.late@contoso.test")
    group_members_change(group=sales, add=[late], by=SYSTEM)
    client.post(licenses_url(sales), {"pool": org.pool_visio.pk})  # its one license is Henrietta's

    html = client.get(licenses_url(sales)).content.decode()
    assert "0 of 1 available" in html and f'<a href="{line_url(sales, org.pool_visio)}">3 waiting</a>' in html
    assert "0 hold it · 3 wait" in html
    line = client.get(line_url(sales, org.pool_visio)).content.decode()
    rows = line[line.index("<tbody>") : line.index("</tbody>")]
    positions = [rows.index(user.email) for user in (org.adele, org.alex, late)]
    assert len(positions) == 3 and "Not enough licenses" in line
    assert "<td>1</td>" in rows and "<td>3</td>" in rows


def test_the_line_pages(org: Org, sales, client):
    users = [UserFactory() for _ in range(55)]
    group_members_change(group=sales, add=users, by=SYSTEM)
    give(sales, org.pool_visio)

    second = client.get(line_url(sales, org.pool_visio), {"page": 2}).content.decode()
    assert "<td>51</td>" in second and "<td>57</td>" in second and "<td>50</td>" not in second


def test_the_removal_says_who_loses_the_license_and_removes_it(org: Org, sales, client):
    give(sales, org.pool_e3)
    confirmation = client.get(remove_url(sales, org.pool_e3)).content.decode()
    assert "1 member loses the license" in confirmation  # Adele; Alex holds E3 directly too

    response = client.post(remove_url(sales, org.pool_e3))

    assert response.status_code == 302 and held_pools(sales) == set()
    assert "OfficeSeries E3" not in org.held(org.adele) and "OfficeSeries E3" in org.held(org.alex)


def test_a_refused_change_says_why_and_changes_nothing(org: Org, sales, client):
    give(sales, org.pool_e3)
    for data in ({}, {"pool": "x"}, {"pool": 10**30}, {"pool": 999999}):
        response = client.post(licenses_url(sales), data)
        assert response.status_code == 400, data
        assert "Nothing was changed." in response.content.decode()
    assert held_pools(sales) == {org.pool_e3.pk}


def test_a_subscription_administrator_sees_and_changes_only_their_pools(org: Org, sales):
    give(sales, org.pool_t_e3)
    client = client_for(org.users["subscription_admin"])

    html = client.get(licenses_url(sales)).content.decode()
    assert f'id="group-license-{org.pool_t_e3.pk}"' not in html
    assert f'<option value="{org.pool_t_e3.pk}"' not in html and f'<option value="{org.pool_e5.pk}"' in html
    assert client.post(licenses_url(sales), {"pool": org.pool_t_e3.pk}).status_code == 404
    assert client.get(remove_url(sales, org.pool_t_e3)).status_code == 404
    assert client.post(remove_url(sales, org.pool_t_e3)).status_code == 404
    assert client.get(line_url(sales, org.pool_t_e3)).status_code == 404
    assert held_pools(sales) == {org.pool_t_e3.pk}

    assert client.post(licenses_url(sales), {"pool": org.pool_e5.pk}).status_code == 302
    assert held_pools(sales) == {org.pool_t_e3.pk, org.pool_e5.pk}


def test_a_pool_the_group_does_not_hold_is_404(org: Org, sales, client):
    assert client.get(remove_url(sales, org.pool_e5)).status_code == 404
    assert client.get(line_url(sales, org.pool_e5)).status_code == 404


def test_the_delete_confirmation_counts_the_licenses_freed(org: Org, sales, client):
    give(sales, org.pool_e3)
    give(sales, org.pool_e5)
    html = client.get(reverse("licensing:group_delete", args=[sales.pk])).content.decode()
    assert "3 licenses return to their pools" in html  # E5 for both, E3 for Adele (Alex holds it directly)


def test_the_members_counts_per_pool(org: Org, sales):
    other = group_create(name="Others", kind=GroupKind.ASSIGNED, by=SYSTEM)
    group_members_change(group=other, add=[org.adele], by=SYSTEM)
    give(sales, org.pool_e3)
    give(sales, org.pool_e5)
    give(other, org.pool_e5)

    counts = group_pools_members(group=sales, pools=[org.pool_e3, org.pool_e5, org.pool_visio])
    assert (counts[org.pool_e3.pk].holding, counts[org.pool_e3.pk].only_from_group) == (2, 1)
    assert (counts[org.pool_e5.pk].holding, counts[org.pool_e5.pk].only_from_group) == (2, 1)  # Adele: Others
    assert counts[org.pool_visio.pk].holding == 0


def test_the_pages_cost_the_same_queries_whatever_the_members_and_pools(org: Org, sales, client):
    def queries() -> list[int]:
        counts = []
        for url in (licenses_url(sales), line_url(sales, org.pool_visio), remove_url(sales, org.pool_visio)):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    give(sales, org.pool_visio)
    few = queries()
    group_members_change(group=sales, add=[UserFactory() for _ in range(10)], by=SYSTEM)
    give(sales, org.pool_e3)
    give(sales, org.pool_e5)
    assert queries() == few
