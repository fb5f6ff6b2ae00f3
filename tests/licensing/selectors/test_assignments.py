"""licensing.selectors.assignments: a user's licenses as each admin sees them, and their version (the ETag)."""

import itertools

import pytest

from core.audit import Actor
from core.choices import Source
from licensing.selectors.assignments import user_licenses, user_licenses_version
from licensing.services.assignments import user_licenses_change


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
        return user_licenses_version(user_licenses(user=org.adele))

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
    version = user_licenses_version(user_licenses(user=org.alex))

    assert version.startswith('"') and version.endswith('"') and len(version) == 34
