"""The SCIM scenarios of `make bench` (issue 13): what an identity provider asks most, in-process like the API
scenarios, and an initial sync over HTTP against gunicorn, as Entra's first provisioning cycle runs.

The create scenario deletes its user before every run (untimed) through the service a SCIM DELETE calls; the sync
deletes what it created at the end, so the data set stays as seed_demo made it.
"""

import json
import os
import threading
import time
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.services.groups import group_delete
from accounts.services.tokens import api_token_create
from accounts.services.users import user_delete
from licensing.services.group_licenses import group_licenses_change
from loadtest.server import gunicorn
from scim.filters import ENTERPRISE

from .groups import _actor, _fresh_group, _pool
from .measure import Result, count_queries, timed

if TYPE_CHECKING:
    from .harness import Bench

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SYNC_CLIENTS = 8  # Entra provisions with a handful of connections at once


def _user(user_name: str) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "displayName": user_name.split("@")[0],
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "title": "Associate",
        "addresses": [{"type": "work", "country": "US"}],
        "active": True,
    }


class ScimClient:
    """The bench admin's bearer token on Django's test client."""

    def __init__(self, bench: "Bench") -> None:
        _, self.key = api_token_create(user=bench.admin, name="bench scim", by=_actor(bench))
        self.client = Client(headers={"Authorization": f"Bearer {self.key}"})

    def send(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        data = json.dumps(body) if body is not None else ""
        response = self.client.generic(method, f"/scim/v2/{path}", data, content_type=SCIM)
        if response.status_code != expect:
            raise RuntimeError(f"SCIM {method} {path} answered {response.status_code}: {response.content[:300]!r}")
        return response.json() if response.content else {}


def filter_by_user_name(bench: "Bench", scim: ScimClient) -> None:
    """`GET /Users?filter=userName eq "…"`: how Entra and Okta find a user before every change."""
    user = User.objects.filter(email__startswith="lee.").order_by("pk").first()
    path = f'Users?filter=userName eq "{user.identity.upper()}"'

    def find() -> None:
        if scim.send("GET", path)["totalResults"] != 1:
            raise RuntimeError(f"{path} did not find {user.identity}")

    bench.results.append(
        Result("scim: Users filter userName eq", timed(find, bench.repeat), queries=count_queries(find))
    )


def lists(bench: "Bench", scim: ScimClient) -> None:
    """A page of 100 users with its totalResults: every user, then a filter of each kind an identity provider or
    a script sends, timed as `Bench.page` times a page."""
    for name, scim_filter in [
        ("every user", None),
        ("filter active eq false", "active eq false"),
        ("filter displayName sw", 'displayName sw "Ken"'),
        ("filter department eq", f'{ENTERPRISE}:department eq "Sales"'),
    ]:
        query = f"?{urlencode({'filter': scim_filter})}" if scim_filter else ""
        bench.page(f"scim: Users {name}, totalResults", f"/scim/v2/Users{query}", scim.client)


def create_and_join(bench: "Bench", scim: ScimClient) -> None:
    """A hire: POST /Users, then PATCH /Groups/{id} adding them to a group that holds a product (a license
    follows)."""
    pool = _pool(bench, "BENCH_SCIM", bench.repeat + 2)
    group = _fresh_group(bench, "Bench SCIM hires")
    group_licenses_change(by=_actor(bench), group=group, subscription=bench.subscription, add=[pool.product])
    user_name = "bench.hire@scim.example"

    def hire() -> None:
        created = scim.send("POST", "Users", _user(user_name), expect=201)
        member = {"op": "add", "path": "members", "value": [{"value": created["id"]}]}
        scim.send("PATCH", f"Groups/{group.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [member]}, expect=204)

    def leave(run: int = 0) -> None:
        for user in User.objects.filter(email=user_name):
            user_delete(by=_actor(bench), user=user)

    leave()
    samples = timed(hire, bench.repeat, setup=leave)
    leave()
    queries = count_queries(hire)
    leave()
    group_delete(by=_actor(bench), group=group)
    bench.results.append(Result("scim: create a user and add them to a licensed group", samples, queries=queries))


def initial_sync(bench: "Bench", scim: ScimClient, size: int) -> None:
    """`size` creates over HTTP, SYNC_CLIENTS at once, against gunicorn on this database: an identity provider's
    first cycle. One run (it takes seconds); the users are deleted afterwards."""
    domain = "sync.scim.example"
    User.objects.filter(email__endswith=f"@{domain}").delete()
    names = [f"user{index:06d}@{domain}" for index in range(size)]
    failures: list[str] = []
    with gunicorn(os.environ["DATABASE_URL"]) as base:

        def client(share: list[str]) -> None:
            for name in share:
                request = urllib.request.Request(
                    f"{base}/scim/v2/Users",
                    data=json.dumps(_user(name)).encode(),
                    method="POST",
                    headers={"Content-Type": SCIM, "Authorization": f"Bearer {scim.key}"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                except Exception as error:  # counted and reported: the sync must lose nothing
                    failures.append(f"{name}: {error}")

        threads = [threading.Thread(target=client, args=(names[i::SYNC_CLIENTS],)) for i in range(SYNC_CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    created = User.objects.filter(email__endswith=f"@{domain}").count()
    User.objects.filter(email__endswith=f"@{domain}").delete()
    if failures or created != size:
        raise RuntimeError(f"initial sync created {created} of {size}; failures: {failures[:5]}")
    bench.results.append(
        Result(
            f"scim: initial sync of {size:,} users, {SYNC_CLIENTS} clients",
            [seconds * 1000],
            extra={"users_per_second": round(size / seconds)},
        )
    )


def run(bench: "Bench", sync_size: int) -> None:
    scim = ScimClient(bench)
    filter_by_user_name(bench, scim)
    lists(bench, scim)
    create_and_join(bench, scim)
    if connection.vendor == "postgresql":  # gunicorn's workers would share one SQLite file with the bench
        initial_sync(bench, scim, sync_size)
