"""The REST API's lists in `make bench` (issue 17): `/api/v1/users/` with each filter of its FilterSet, within the
bench subscription and across every subscription, and the other lists an integration pages through (groups, a
group's members, a subscription's assignments, the audit log). Each is a first page with its exact `count`, timed
as `Bench.page` times a page (server time, queries, SQL floor). The first page of users and the filters the
harness measured before (search, product, unlicensed, a deep offset) stay in `Bench.api`."""

from typing import TYPE_CHECKING

from django.db.models import Count

from accounts.models import Group
from licensing.filtersets import SOURCE_DIRECT, SOURCE_GROUP, STATE_PENDING
from licensing.models import Product

if TYPE_CHECKING:  # the harness calls these scenarios with itself
    from .harness import Bench

SKU = "OFFICESERIES_E5"


def api_lists(bench: "Bench") -> None:
    users = f"/api/v1/users/?subscription={bench.subscription.pk}"
    group = Group.objects.order_by("pk").first()
    for name, query in [
        ("licensed", "&licensed=true"),
        ("pending", f"&state={STATE_PENDING}"),
        ("source direct", f"&source={SOURCE_DIRECT}"),
        ("source a group", f"&source={SOURCE_GROUP}{group.pk}"),
        ("department", "&department=Sales"),
        ("disabled", "&is_active=false"),
    ]:
        bench.page(f"api: users {name}", users + query, bench.api_client)
    # Across subscriptions; a product that two subscriptions sell counts each of its holders once.
    twice = Product.objects.alias(pools_count=Count("pools")).filter(pools_count__gt=1).order_by("pk").first()
    bench.page("api: users by product, every subscription", f"/api/v1/users/?product={SKU}", bench.api_client)
    bench.page(
        "api: users by a product of two subscriptions",
        f"/api/v1/users/?product={twice.sku_part_number}",
        bench.api_client,
    )
    bench.page("api: users unlicensed, every subscription", "/api/v1/users/?licensed=false", bench.api_client)
    bench.page("api: groups", "/api/v1/groups/", bench.api_client)
    bench.page("api: a group's members", f"/api/v1/groups/{group.pk}/members/", bench.api_client)
    bench.page(
        "api: a subscription's assignments",
        f"/api/v1/assignments/?subscription={bench.subscription.pk}",
        bench.api_client,
    )
    bench.page("api: audit events", "/api/v1/audit-events/", bench.api_client)
    bench.page(
        "api: audit events of a subscription",
        f"/api/v1/audit-events/?subscription={bench.subscription.pk}",
        bench.api_client,
    )
