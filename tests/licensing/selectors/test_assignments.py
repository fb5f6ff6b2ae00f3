"""licensing.selectors.assignments: a user's licenses as each admin sees them, and their version (the ETag), which
follows the places in lines too."""

import itertools

import pytest

from accounts.services.groups import group_members_change
from core.audit import Actor
from core.choices import Source
from licensing.selectors.assignments import user_licenses, user_licenses_version
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import GroupFactory


def held(licenses) -> set[tuple[str, str]]:
    return {(license.pool.subscription.name, license.pool.product.sku_part_number) for license in licenses}


@pytest.mark.parametrize("role", ["global_admin", "user_admin"])
def test_admins_who_see_every_subscription_see_every_license(org, role):
    assert held(user_licenses(user=org.alex, actor=org.users[role])) == {
        ("Contoso Enterprise", "OFFICESERIES_E3"),
        ("Fabrikam Research", "OFFICESERIES_E3"),
    }


def test_a_subscription_administrator_sees_only_the_licenses_of_their_subscription(org):
    assert held(user_licenses(user=org.alex, actor=org.users["subscription_admin"])) == {
        ("Contoso Enterprise", "OFFICESERIES_E3")
    }


def test_out_of_scope_the_same_user_shows_the_other_subscriptions_licenses(org, out_of_scope_admin):
    assert held(user_licenses(user=org.alex, actor=out_of_scope_admin)) == {("Fabrikam Research", "OFFICESERIES_E3")}


def test_an_operator_sees_every_license(org):
    assert len(user_licenses(user=org.alex)) == 2


def test_the_version_changes_with_every_change(org):
    def version() -> str:
        return user_licenses_version(user=org.adele)

    by = Actor(None, Source.SYSTEM)
    versions = [version()]
    user_licenses_change(user=org.adele, subscription=org.s, add=[org.e3], by=by)
    versions.append(version())
    user_licenses_change(user=org.adele, subscription=org.s, add=[org.e5], by=by)
    versions.append(version())
    user_licenses_change(user=org.adele, subscription=org.s, remove=[org.e5], by=by)
    versions.append(version())
    user_licenses_change(user=org.adele, subscription=org.s, remove=[org.e3], by=by)
    versions.append(version())
    user_licenses_change(user=org.adele, subscription=org.s, add=[org.e3], by=by)
    versions.append(version())

    assert all(before != after for before, after in itertools.pairwise(versions))
    # The same rows are the same version; a license given back anew is a new row, so a new version.
    assert (versions[3], versions[4]) == (versions[1], versions[0])
    assert versions[5] not in versions[:5]


def test_the_version_is_a_quoted_etag(org):
    version = user_licenses_version(user=org.alex)

    assert version.startswith('"') and version.endswith('"') and len(version) == 34


def test_the_version_changes_when_the_user_joins_or_leaves_a_line(org):
    by = Actor(None, Source.SYSTEM)
    group = GroupFactory()
    group_licenses_change(group=group, subscription=org.s, add=[org.visio], by=by)  # exhausted: members wait
    before = user_licenses_version(user=org.adele)
    group_members_change(group=group, add=[org.adele], by=by)
    waiting = user_licenses_version(user=org.adele)
    group_members_change(group=group, remove=[org.adele], by=by)

    assert before != waiting
    assert user_licenses_version(user=org.adele) == before


def test_the_version_counts_only_what_the_admin_sees(org, out_of_scope_admin):
    by = Actor(None, Source.SYSTEM)
    group = GroupFactory()
    group_members_change(group=group, add=[org.adele], by=by)
    before = user_licenses_version(user=org.adele, actor=out_of_scope_admin)
    group_licenses_change(group=group, subscription=org.s, add=[org.visio, org.e3], by=by)

    assert user_licenses_version(user=org.adele, actor=out_of_scope_admin) == before
    assert user_licenses_version(user=org.adele) != before
