"""The "Select all N users that match" scenarios of `make bench` (issue 15), through the full request/response
cycle of a subscription's bulk form (`licensing/views/bulk.py`), the filters sent as the list's query string:

- the confirmation for every user of the organisation (100,000 at bench size): the count and the shortfall of a
  pool that has licenses for one department only ("Needs 100,004, 12,500 available: nothing will change");
- the change confirmed for every user of one department (an eighth of seed_demo's users): one product assigned,
  set-based. Before every run (untimed) the same path unassigns it from the same users, so runs are identical.

Disabling every user that matches is not measured: no set-based enable exists to undo it between runs.
"""

from typing import TYPE_CHECKING

from django.urls import reverse

from accounts.models import User
from licensing.demo import DEPARTMENTS
from licensing.models import LicenseAssignment

from .groups import _pool
from .measure import Result, count_queries, form_post, timed

if TYPE_CHECKING:  # the harness calls these scenarios with itself
    from .harness import Bench

SKU = "BENCH_SELECT_ALL"
DEPARTMENT = DEPARTMENTS[-1]


def select_all(bench: "Bench") -> None:
    """The confirmation for the whole organisation, then an assignment to a whole department."""
    department = User.objects.filter(department=DEPARTMENT).count()
    pool = _pool(bench, SKU, quantity=department)  # enough for the department, not for everyone
    url = reverse("licensing:users_bulk", args=[bench.subscription.pk])

    def post(query: str, action: str, confirmed: str = "") -> str:
        data = {"all_matching": "true", "query": query, "action": action, "product": pool.product_id}
        response = form_post(bench.client, url, {**data, "confirmed": confirmed})
        if response.status_code not in {200, 302}:
            raise RuntimeError(f"POST {url} ({action}, {query!r}) answered {response.status_code}")
        return response.content.decode()

    def confirm() -> None:
        post("", "assign")

    def assign() -> None:
        post(f"department={DEPARTMENT}", "assign", confirmed="true")

    def unassign() -> None:
        post(f"department={DEPARTMENT}", "unassign", confirmed="true")

    everyone = User.objects.count()
    if "nothing will change" not in post("", "assign"):  # and warms caches
        raise RuntimeError("the confirmation for every user states no shortfall")
    bench.results.append(
        Result(
            f"select all: confirm assigning to all {everyone:,} users",
            timed(confirm, bench.repeat),
            queries=count_queries(confirm),
            extra={"matched": everyone, "available": pool.quantity},
        )
    )
    samples = timed(assign, bench.repeat, setup=lambda run: unassign())
    unassign()
    queries = count_queries(assign)
    assigned = LicenseAssignment.objects.filter(pool=pool).count()
    unassign()
    if assigned != department or LicenseAssignment.objects.filter(pool=pool).exists():
        raise RuntimeError(f"select all assigned {assigned:,} licenses to {department:,} users, or left some")
    bench.results.append(
        Result(
            f"select all: assign to all {department:,} users of a department",
            samples,
            queries=queries,
            extra={"matched": department},
        )
    )
