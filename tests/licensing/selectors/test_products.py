"""licensing.selectors.products: a product named by its sku id or its part number, in any case; the products a
subscription does not hold yet."""

import pytest

from core.errors import NotFound
from licensing.selectors.products import products_resolve, products_to_buy
from tests.factories import ProductFactory


def test_resolve_by_sku_id(org):
    assert products_resolve(identifiers=[str(org.e5.sku_id)]) == [org.e5]


def test_resolve_by_sku_id_in_upper_case(org):
    assert products_resolve(identifiers=[str(org.e5.sku_id).upper()]) == [org.e5]


@pytest.mark.parametrize("identifier", ["OFFICESERIES_E3", "officeseries_e3", " OfficeSeries_E3 "])
def test_resolve_by_part_number_in_any_case(org, identifier):
    assert products_resolve(identifiers=[identifier]) == [org.e3]


def test_resolve_keeps_the_order_given_and_each_product_once(org):
    found = products_resolve(identifiers=["VISIO_P2", "officeseries_e3", str(org.visio.sku_id)])

    assert found == [org.visio, org.e3]


def test_resolve_of_nothing_is_nothing(org):
    assert products_resolve(identifiers=[]) == []


def test_every_unknown_product_is_named(org):
    with pytest.raises(NotFound) as caught:
        products_resolve(identifiers=["NO_SUCH_SKU", "OFFICESERIES_E3", "00000000-0000-0000-0000-000000000000"])

    assert caught.value.details == {"skus": ["NO_SUCH_SKU", "00000000-0000-0000-0000-000000000000"]}


def test_products_to_buy_are_those_the_subscription_does_not_hold(org):
    project = ProductFactory(name="OfficeSeries Project Plan 3")

    assert list(products_to_buy(subscription=org.s)) == [project]
    assert list(products_to_buy(subscription=org.t)) == [org.e5, project, org.visio]  # by name
