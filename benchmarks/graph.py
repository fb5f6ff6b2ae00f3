"""The Graph scenarios of `make bench` (issue 14): `GET /graph/v1.0/users` filtered by a SKU, and `assignLicense`,
through the full request/response cycle (Django's test client) with a bearer token, as msgraph-sdk calls them.

The token is the bench admin's, made for the run and revoked at the end; assignLicense undoes its change before
every run (untimed), so the data set stays as seed_demo made it.
"""

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import F
from django.test import Client

from accounts.models import Group, User
from licensing.choices import SubscriptionStatus
from licensing.models import LicensePool, Product

from .measure import Result, bearer_client, count_queries, timed

if TYPE_CHECKING:  # the harness calls these scenarios with itself
    from .harness import Bench

SKU = "OFFICESERIES_E5"  # held by 15 % of seed_demo's users


def _answered(response, status: int = 200) -> None:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request['PATH_INFO']} answered {response.status_code}: {response.content[:200]!r}"
        )


def graph(bench: "Bench") -> None:
    """Every scenario, with one token."""
    with bearer_client(bench.admin, "make bench (graph)") as client:
        users_by_sku(bench, client)
        assign_license(bench, client)
        lists(bench, client)


def users_by_sku(bench: "Bench", client: Client) -> None:
    """The first page (100 users) of those holding a SKU, with every default property and their licenses."""
    sku_id = Product.objects.get(sku_part_number=SKU).sku_id
    url = f"/graph/v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq {sku_id})"

    def get() -> None:
        _answered(client.get(url))

    get()  # warm caches
    samples = timed(get, bench.repeat)
    bench.results.append(Result(f"graph: users filtered by {SKU}", samples, queries=count_queries(get)))


def assign_license(bench: "Bench", client: Client) -> None:
    """assignLicense adding one product with a plan switched off to a user who lacks it (removed again, untimed,
    before each run)."""
    user = User.objects.filter(email__startswith="lee.").order_by("pk").first()
    held = user.license_assignments.values("pool__product_id")
    pool = (
        LicensePool.objects.filter(
            subscription__status=SubscriptionStatus.ACTIVE, quantity__gt=F("assigned") + 1, pending=0
        )
        .exclude(product_id__in=held)
        .select_related("product")
        .order_by("product__sku_part_number", "pk")
        .first()
    )
    plan = pool.product.service_plans.order_by("name").first()
    url = f"/graph/v1.0/users/{user.public_id}/assignLicense"
    sku_id = str(pool.product.sku_id)
    add = {"addLicenses": [{"skuId": sku_id, "disabledPlans": [str(plan.service_plan_id)] if plan else []}]}
    remove = {"removeLicenses": [sku_id]}

    def post(body: dict) -> None:
        _answered(client.post(url, body, content_type="application/json"))

    samples = timed(lambda: post(add), bench.repeat, setup=lambda run: post(remove))
    post(remove)
    queries = count_queries(lambda: post(add))
    post(remove)
    result = Result("graph: assignLicense, one product with a plan off", samples, queries=queries)
    result.extra = {"sku": pool.product.sku_part_number}
    bench.results.append(result)


def lists(bench: "Bench", client: Client) -> None:
    """The first page of `users` with `$count=true` and each kind of `$filter`, and of groups and a group's
    members, timed as `Bench.page` times a page."""
    sku_id = Product.objects.get(sku_part_number=SKU).sku_id
    for name, clause in [
        ("every user", None),
        (f"filtered by {SKU}", f"assignedLicenses/any(x:x/skuId eq {sku_id})"),
        (f"by {SKU} and a department", f"assignedLicenses/any(x:x/skuId eq {sku_id}) and department eq 'Sales'"),
        ("displayName startswith", "startswith(displayName,'Ken')"),
        ("department eq", "department eq 'Sales'"),
        ("accountEnabled eq false", "accountEnabled eq false"),
    ]:
        query = {"$count": "true"} | ({"$filter": clause} if clause else {})
        bench.page(f"graph: users {name}, $count", f"/graph/v1.0/users?{urlencode(query)}", client)
    group = Group.objects.order_by("pk").first()
    bench.page("graph: groups, $count", "/graph/v1.0/groups?$count=true", client)
    bench.page("graph: a group's members, $count", f"/graph/v1.0/groups/{group.public_id}/members?$count=true", client)
