"""Benchmark scenarios of `make bench`: server time of pages, dialog, API and bulk services, measured in-process.

Pages are rendered through Django's test client (the full request/response cycle: middleware, view, template),
so the figures are server time without the network. The "floor" of a list is the same SQL the request ran,
executed again raw through the same connection and fully fetched: the page's overhead over its data is the ratio
of the two. `rows_ms` is the list query alone (the page's users with their licenses), raw the same way.

`run()` is the whole benchmark on the database Django is connected to; benchmarks/run.py picks that database and
prints the table; tests/test_bench_smoke.py runs that command tiny, on a throwaway SQLite database.
"""

import csv
import io
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.audit import Actor
from core.choices import Source
from licensing.demo import ADMINS, seed_demo
from licensing.models import LicensePool, Product, Subscription
from licensing.services.bulk import licenses_bulk_assign, licenses_bulk_unassign
from licensing.services.pools import pool_create, pool_set_quantity
from officeseries.collector import collector_tune

from . import api_lists, exports, graph, groups, history, lists, scim, select_all
from .measure import Result, bearer_client, count_queries, form_post, timed

BULK_PRODUCT = "BENCH_BULK"
# Issue 17: at 1,000,000 users, one bulk assignment of 100,000 users too (beside the --bulk-size one).
LARGE_ORGANISATION = 1_000_000
LARGE_BULK = 100_000


def is_read(sql: str) -> bool:
    """Whether a captured statement only reads, so the floor may run it again: a SELECT, a WITH, or a UNION of
    SELECTs, which Django writes with each part in parentheses."""
    return sql.lstrip(" (").upper().startswith(("SELECT", "WITH"))


class Bench:
    """One benchmark run over the database the settings point at (seeded with `seed_demo`)."""

    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.admin = User.objects.get(email=ADMINS[0].email)
        self.client = Client()
        self.client.force_login(self.admin)
        self.subscription = Subscription.objects.get(name="Contoso Enterprise")
        self.results: list[Result] = []

    # --- helpers

    def get(self, url: str, client: Client | None = None, **headers) -> None:
        response = (client or self.client).get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if hasattr(response, "render"):
            response.render()

    def page(self, name: str, url: str, client: Client | None = None) -> None:
        """A page's server time, its query count, and the floor: its own SQL re-run raw. `client`: another
        caller than the admin's session (a bearer token's, for Graph and SCIM)."""
        self.get(url, client)  # warm caches
        with CaptureQueriesContext(connection) as captured:
            self.get(url, client)
        statements = [query["sql"] for query in captured.captured_queries]
        samples = timed(lambda: self.get(url, client), self.repeat)
        floor = timed(lambda: self._raw(statements), self.repeat)
        # The list query is the one that reads the most rows of accounts_user with an ORDER BY: the page's rows.
        rows_sql = [sql for sql in statements if "ORDER BY" in sql and "LIMIT" in sql and '"accounts_user"' in sql]
        rows = timed(lambda: self._raw(rows_sql[-1:]), self.repeat) if rows_sql else None
        self.results.append(
            Result(
                name,
                samples,
                queries=len(statements),
                floor_ms=statistics.median(floor),
                rows_ms=statistics.median(rows) if rows else None,
            )
        )

    @staticmethod
    def _raw(statements: list[str]) -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                if is_read(sql):
                    cursor.execute(sql)
                    cursor.fetchall()

    # --- scenarios

    def list_pages(self) -> None:
        base = f"/subscriptions/{self.subscription.pk}/users/"
        e5 = Product.objects.get(sku_part_number="OFFICESERIES_E5")
        last_page = self.deep_page()
        self.page("list: page 1", base)
        self.page("list: search name fragment", base + "?q=kenji")
        self.page("list: search email fragment", base + "?q=muller.1234")
        self.page("list: filtered by product", base + f"?product={e5.sku_part_number}")
        self.page("list: unlicensed only", base + "?licensed=false")
        self.page(f"list: page {last_page}", base + f"?page={last_page}")

    @staticmethod
    def deep_page() -> int:
        """Page 500 of 50 rows, or the last full page of a smaller organisation."""
        return max(1, min(500, User.objects.count() // 50))

    def dialog_open(self, name: str, user: User) -> str:
        """The license dialog of `user`: its server time and query count. Returns its URL."""
        url = f"/subscriptions/{self.subscription.pk}/users/{user.pk}/licenses/"
        self.get(url, HX_Request="true")
        queries = count_queries(lambda: self.get(url, HX_Request="true"))
        samples = timed(lambda: self.get(url, HX_Request="true"), self.repeat)
        self.results.append(Result(name, samples, queries=queries))
        return url

    @staticmethod
    def plan_switches(user: User, pools: list[LicensePool]) -> dict[str, list]:
        """The plan switches a browser's Save sends: every product shown, each with the plans on as they are."""
        off = dict(
            user.license_assignments.filter(pool__in=pools, direct=True).values_list("pool_id", "disabled_plans")
        )
        switches: dict[str, list] = {"plan_products": [pool.product_id for pool in pools]}
        for pool in pools:
            plans = [str(plan.service_plan_id) for plan in pool.product.service_plans.all()]
            switches[f"plans-{pool.product_id}"] = [plan for plan in plans if plan not in off.get(pool.pk, [])]
        return switches

    def dialog(self) -> None:
        user = User.objects.filter(email__startswith="kenji.").first()
        url = self.dialog_open("dialog: open", user)
        pools = list(LicensePool.objects.filter(subscription=self.subscription).select_related("product"))
        held = set(user.license_assignments.filter(pool__in=pools).values_list("pool__product_id", flat=True))
        spare = next(p.product for p in pools if p.product_id not in held and p.available > self.repeat)
        toggled = [sorted(held), sorted(held | {spare.pk})]
        switches = self.plan_switches(user, pools)

        def save(run: int) -> Callable[[], None]:
            def post() -> None:
                data = {"products": toggled[(run + 1) % 2], **switches}
                response = form_post(self.client, url, data, HX_Request="true")
                if response.status_code >= 400:
                    raise RuntimeError(f"Save answered {response.status_code}")

            return post

        samples = []
        for run in range(self.repeat):
            samples += timed(save(run), 1)
        queries = count_queries(save(self.repeat))
        form_post(self.client, url, {"products": toggled[0], **switches}, HX_Request="true")
        self.results.append(Result("dialog: save one license change", samples, queries=queries))

    def api(self) -> None:
        """The REST API as a script calls it: with a bearer token (made for the run, revoked at the end)."""
        with bearer_client(self.admin, "make bench (api)") as self.api_client:
            self.api_scenarios()
            api_lists.api_lists(self)

    def api_scenarios(self) -> None:
        e5 = Product.objects.get(sku_part_number="OFFICESERIES_E5")
        base = f"/api/v1/users/?subscription={self.subscription.pk}"
        for name, query in [
            ("api: users page 1", ""),
            ("api: users search name fragment", "&q=kenji"),
            ("api: users search email fragment", "&q=muller.1234"),
            ("api: users by product", f"&product={e5.sku_part_number}"),
            ("api: users unlicensed", "&licensed=false"),
            (f"api: users offset {(self.deep_page() - 1) * 50:,}", f"&offset={(self.deep_page() - 1) * 50}"),
        ]:
            self.page(name, base + query, self.api_client)
        user = User.objects.filter(email__startswith="lee.").first()
        url = f"/api/v1/users/{user.pk}/licenses/"
        pool = next(
            p
            for p in LicensePool.objects.filter(subscription=self.subscription).select_related("product")
            if p.available > 1 and not user.license_assignments.filter(pool=p).exists()
        )
        sku = pool.product.sku_part_number
        assign = {"subscription": self.subscription.pk, "add": [sku], "remove": []}
        unassign = {"subscription": self.subscription.pk, "add": [], "remove": [sku]}

        def post(body: dict) -> None:
            response = self.api_client.post(url, body, content_type="application/json")
            if response.status_code != 200:
                raise RuntimeError(f"API assign answered {response.status_code}: {response.content[:200]!r}")

        samples = []
        for _ in range(self.repeat):
            samples += timed(lambda: post(assign), 1)
            post(unassign)
        queries = count_queries(lambda: post(assign))
        post(unassign)
        self.results.append(Result("api: assign one license", samples, queries=queries))

    def bulk_assign(self, size: int) -> None:
        product, _ = Product.objects.get_or_create(sku_part_number=BULK_PRODUCT, defaults={"name": "Bench bulk"})
        pool = pool_create(
            subscription=self.subscription, product=product, quantity=size, by=Actor(None, Source.SYSTEM, label="bench")
        )
        if pool.quantity < size:
            pool_set_quantity(pool=pool, quantity=size, by=Actor(None, Source.SYSTEM, label="bench"))
        users = list(User.objects.order_by("pk")[:size])
        common = {
            "subscription": self.subscription,
            "product": product,
            "by": Actor(None, Source.SYSTEM, label="bench"),
        }
        licenses_bulk_unassign(users=users, **common)
        samples = timed(
            lambda: licenses_bulk_assign(users=users, **common),
            max(1, self.repeat // 4),
            setup=lambda run: licenses_bulk_unassign(users=users, **common),
        )
        licenses_bulk_unassign(users=users, **common)
        self.results.append(Result(f"licenses_bulk_assign of {size:,} users", samples))

    def import_users(self, size: int) -> None:
        def write(run: int) -> str:
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["email", "display_name", "department", "job_title", "usage_location", "is_active"])
                for index in range(size):
                    writer.writerow([f"bench{run}.{index}@import.example", f"Bench {index}", "Bench", "", "US", "true"])
            return handle.name

        files = [write(run) for run in range(max(1, self.repeat // 4))]
        samples = []
        for path in files:
            samples += timed(lambda path=path: call_command("import_users", path, verbosity=0, stdout=io.StringIO()), 1)
            User.objects.filter(email__endswith="@import.example").delete()
            os.unlink(path)
        self.results.append(Result(f"import_users of {size:,} rows", samples))


def run(*, users: int, repeat: int, bulk_size: int) -> dict:
    """Seed (or complete) the demo organisation with `users` users, measure every scenario `repeat` times, and
    return the report."""
    started = time.perf_counter()
    created = seed_demo(users=users).users_created
    seed_seconds = time.perf_counter() - started
    _analyze()
    collector_tune()  # as the server's entry point does (officeseries.wsgi), so requests are timed as it serves them
    bench = Bench(repeat=repeat)
    bench.list_pages()
    lists.other_lists(bench)
    bench.dialog()
    bench.api()
    bench.bulk_assign(min(bulk_size, User.objects.count()))
    if User.objects.count() >= LARGE_ORGANISATION:
        bench.bulk_assign(LARGE_BULK)
    bench.import_users(bulk_size)
    groups.group_license_add(bench, min(bulk_size, User.objects.count()))
    groups.group_member_add(bench)
    groups.group_rule_recompute(bench)
    groups.sources_page(bench)
    scim.run(bench, bulk_size)
    graph.graph(bench)
    exports.exports(bench)
    history.products_page_history(bench)
    select_all.select_all(bench)
    return {
        "database": connection.vendor,
        "users": User.objects.count(),
        "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "seed_demo_seconds": round(seed_seconds, 1),
        "seed_demo_users_created": created,
        "results": [result.as_dict() for result in bench.results],
    }


def _analyze() -> None:
    """Fresh planner statistics (and, on PostgreSQL outside a transaction, the visibility map that index-only scans
    need), as autovacuum would give a settled database: figures then do not depend on when it last ran."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def format_table(report: dict) -> str:
    """The report as a Markdown table, with a line saying what was measured."""
    seeded = (
        f"seed_demo created {report['seed_demo_users_created']:,} users in {report['seed_demo_seconds']} s"
        if report["seed_demo_users_created"]
        else f"seed_demo reused the data set ({report['seed_demo_seconds']} s)"
    )
    lines = [
        f"{report['database']}, {report['users']:,} users, {report['machine']['cpus']} CPUs, "
        f"{report['repeat']} runs per measurement; {seeded}",
        "",
        "| scenario | p50 ms | p95 ms | queries | rows query ms | SQL floor ms | p50 ÷ floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        cells = [
            row["name"],
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            str(row.get("queries") or ""),
            f"{row['rows_ms']:.2f}" if row.get("rows_ms") else "",
            f"{row['floor_ms']:.2f}" if row.get("floor_ms") else "",
            f"{row['floor_ratio']:.1f}" if row.get("floor_ratio") else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
