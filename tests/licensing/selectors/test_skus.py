"""licensing.selectors.skus: products summed over the subscriptions a reader may see, each user's products with
their sources (the enabled plans are the union over the sources), and groups' products, at a fixed number of
queries."""

from accounts.choices import GroupKind
from accounts.services.groups import group_create, group_members_change
from core.audit import SYSTEM
from licensing.selectors.skus import groups_skus, subscribed_skus, user_skus, users_skus
from licensing.services.assignments import user_licenses_change
from licensing.services.group_licenses import group_licenses_change
from tests.factories import UserFactory


def plan_ids(org, *names) -> list[str]:
    return sorted(str(org.plans[name].service_plan_id) for name in names)


def group_giving(org, name, product, members, disabled_plans=()):
    group = group_create(by=SYSTEM, name=name, kind=GroupKind.ASSIGNED)
    group_members_change(by=SYSTEM, group=group, add=members)
    group_licenses_change(
        by=SYSTEM, group=group, subscription=org.s, add=[product], disabled_plans={product: list(disabled_plans)}
    )
    return group


def test_a_license_from_two_sources_has_on_what_either_has_on(org):
    user_licenses_change(
        by=SYSTEM,
        user=org.adele,
        subscription=org.s,
        add=[org.e3],
        disabled_plans={org.e3: ["TEAMS1", "SHAREPOINTENTERPRISE"]},
    )
    group = group_giving(org, "Chat off", org.e3, [org.adele], ["TEAMS1", "EXCHANGE_S_ENTERPRISE"])
    [sku] = users_skus(user_ids=[org.adele.pk], actor=None)[org.adele.pk]
    assert sku.held and sku.disabled_plans == plan_ids(org, "TEAMS1")
    assert [(source.group, source.disabled_plans) for source in sku.sources] == [
        (None, plan_ids(org, "TEAMS1", "SHAREPOINTENTERPRISE")),
        (group.public_id, plan_ids(org, "TEAMS1", "EXCHANGE_S_ENTERPRISE")),
    ]
    assert [plan.name for plan in sku.plans] == ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1"]


def test_a_place_in_a_line_is_a_waiting_source(org):
    group = group_giving(org, "Visio", org.visio, [org.adele])  # Henrietta holds the only license
    [sku] = users_skus(user_ids=[org.adele.pk], actor=None)[org.adele.pk]
    assert not sku.held and sku.disabled_plans == [] and sku.assigned_at is None
    assert [(source.group, source.waiting) for source in sku.sources] == [(group.public_id, True)]


def test_the_reader_sees_only_their_subscriptions(org, out_of_scope_admin):
    assert [sku.product for sku in users_skus(user_ids=[org.alex.pk], actor=out_of_scope_admin)[org.alex.pk]] == [
        org.e3
    ]
    assert users_skus(user_ids=[org.henrietta.pk], actor=out_of_scope_admin) == {org.henrietta.pk: []}


def test_users_skus_reads_two_queries_whatever_the_number_of_users(org, django_assert_num_queries):
    group_giving(org, "E5 for all", org.e5, [org.alex])
    with django_assert_num_queries(2):  # the licenses with the groups giving them, the products with their plans
        users_skus(user_ids=[org.alex.pk], actor=None)
    many = UserFactory.create_batch(4)
    group_giving(org, "E5 for many", org.e5, many)
    with django_assert_num_queries(2):
        skus = users_skus(user_ids=[org.alex.pk, *(user.pk for user in many)], actor=None)
    assert all(skus[user.pk][0].product == org.e5 for user in many)


def described(skus) -> list[tuple]:
    """Everything a user's resource shows of their skus: each product's columns, plans and sources."""
    return [
        (
            (sku.product.pk, sku.product.sku_id, sku.product.sku_part_number, sku.product.name),
            [(plan.pk, plan.key, plan.name, plan.friendly_name) for plan in sku.plans],
            [(source.group, source.disabled_plans, source.since, source.waiting) for source in sku.sources],
            (sku.held, sku.disabled_plans, sku.assigned_at),
        )
        for sku in skus
    ]


def test_one_users_skus_are_the_lists_skus_of_them_in_one_query(org, out_of_scope_admin, django_assert_num_queries):
    """Held directly with plans off, from a group with others off, waited for, in two subscriptions: user_skus
    reads the products and plans with the licenses, and gives what the list gives, as each reader sees it."""
    user_licenses_change(
        by=SYSTEM, user=org.alex, subscription=org.s, add=[org.e5], disabled_plans={org.e5: ["TEAMS1"]}
    )
    group_giving(org, "E5 mail off", org.e5, [org.alex], ["EXCHANGE_S_ENTERPRISE"])
    group_giving(org, "Visio", org.visio, [org.alex])  # Henrietta holds the only license: Alex waits
    for reader in (None, out_of_scope_admin):
        listed = users_skus(user_ids=[org.alex.pk, org.adele.pk], actor=reader)[org.alex.pk]
        with django_assert_num_queries(1):
            one = user_skus(user_id=org.alex.pk, actor=reader)
        assert described(one) == described(listed)
    assert len(described(one)) == 1 and len(described(listed)) == 1  # the reader out of scope sees T's E3 only
    assert [sku.product for sku in user_skus(user_id=org.alex.pk, actor=None)] == [org.e3, org.e5, org.visio]
    assert user_skus(user_id=org.adele.pk, actor=None) == []


def test_subscribed_skus_in_two_queries(org, django_assert_num_queries):
    with django_assert_num_queries(2):
        skus = subscribed_skus(actor=None)
    assert [sku.product.sku_part_number for sku in skus] == ["OFFICESERIES_E3", "OFFICESERIES_E5", "VISIO_P2"]
    assert sorted(skus[0].subscription_ids) == sorted([org.s.pk, org.t.pk])


def test_groups_skus_in_one_query(org, django_assert_num_queries):
    group = group_giving(org, "Mail off", org.e5, [org.adele], ["EXCHANGE_S_ENTERPRISE"])
    other = group_create(by=SYSTEM, name="Nothing", kind=GroupKind.ASSIGNED)
    with django_assert_num_queries(1):
        licenses = groups_skus(group_ids=[group.pk, other.pk], actor=None)
    assert licenses == {group.pk: [(org.e5, plan_ids(org, "EXCHANGE_S_ENTERPRISE"))], other.pk: []}
