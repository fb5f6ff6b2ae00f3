"""licensing/services/named.py: a change named as a REST request names it, resolved by the statements that lock
the pools; what they do not find is told apart on the way to the error, and nothing changes."""

import pytest

from core.audit import SYSTEM
from core.errors import NotFound, ProductNotInSubscription
from licensing.models import LicenseAssignment
from licensing.services.named import user_licenses_change_named, user_licenses_set_named
from tests.factories import ProductFactory


def test_a_product_is_named_by_part_number_in_any_case_or_by_sku_id(org):
    change = user_licenses_change_named(
        by=SYSTEM, user_id=org.adele.pk, subscription_id=org.s.pk, add=[" officeseries_e5 ", str(org.e3.sku_id)]
    )
    assert {product.pk for product in change.added} == {org.e5.pk, org.e3.pk}
    assert change.user == org.adele
    user_licenses_set_named(by=SYSTEM, user_id=org.adele.pk, subscription_id=org.s.pk, products=["OfficeSeries_E3"])
    assert set(LicenseAssignment.objects.filter(user=org.adele).values_list("pool__product", flat=True)) == {org.e3.pk}


@pytest.mark.parametrize(
    ("named", "error"),
    [
        ({"subscription_id": 999_999, "add": ["OFFICESERIES_E5"]}, NotFound),
        ({"add": ["NO_SUCH_PRODUCT"]}, NotFound),
        ({"add": ["OFFICESERIES_E5", "UNSOLD"]}, ProductNotInSubscription),
        ({"user_id": 999_999, "add": ["OFFICESERIES_E5"]}, NotFound),
    ],
)
def test_what_the_locks_do_not_find_is_an_error_that_changes_nothing(org, named, error):
    ProductFactory(sku_part_number="UNSOLD")
    arguments = {"by": SYSTEM, "user_id": org.adele.pk, "subscription_id": org.s.pk, **named}
    with pytest.raises(error):
        user_licenses_change_named(**arguments)
    assert not LicenseAssignment.objects.filter(user=org.adele).exists()
    assert org.pool(org.pool_e5).assigned == 0
