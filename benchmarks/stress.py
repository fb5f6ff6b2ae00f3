"""`make stress`: several admins at once against a real gunicorn over HTTP, for a bounded time, then the invariants.

    python -m benchmarks.stress [--duration 60] [--clients 16] [--single-users 2000] [--bulk-users 1000]

Uses STRESS_DATABASE_URL (default: a PostgreSQL database of its own, created when missing, through
benchmarks.run's bench_database_url). Every run builds its own subscriptions, pools, users and admins through the
services, serves them with gunicorn on 127.0.0.1, drives them with `--clients` threads, prints the figures and
checks the invariants: no pool over-assigned, every counter equal to its rows, one audit event per change that
happened and none for a change that did not, zero 5xx. Exit status 1 when an invariant does not hold.

What the clients do, at random, each as one admin (Global, Subscription of one subscription, or User
Administrator), some of it impossible on purpose:

- `licenses_post` / `licenses_put`: read a user's licenses (ETag), then POST an add/remove or PUT a desired set
  of several products (a change of several pools at once) with `If-Match`. The ETag makes the outcome exact:
  a 200 applied precisely the difference between the state read and the change asked for.
- `assignment_post`: POST assignments/ (201 assigned, 200 already held).
- `bulk`: the web's bulk form (signed-in session + CSRF), assign or unassign one product for 2-20 users; the
  page's message says how many changed.
- `quantity`: PATCH pools/{id}/ around the pool's assigned count, sometimes below it (`quantity_below_assigned`);
  for a User Administrator always refused (`permission_denied`).
- `suspended`: assign in a suspended subscription (`subscription_not_active`).
- `out_of_scope`: a Subscription Administrator acting in another subscription (`not_found`).
- `foreign_product`: a product the subscription has no pool of (`product_not_in_subscription`).

Pools are small, so `not_enough_licenses` is frequent. Users are split in two cohorts. The ETag-guarded changes
touch only the "single" users, which every path that changes them locks, so a 200 means exactly the change
computed from the read. The bulk services lock the pool but not the users: a bulk change of a user can land
between an If-Match check and the change it guards, which then answers 200 for a change that did not happen
as asked, and the count would be off. So the web's bulk form works on the "bulk" users, which
`assignment_post` (exact from its status alone) also targets, racing the bulk form for the same users and pools.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/officeseries_stress"
CHANGE_ACTIONS = ("license_assigned", "license_unassigned", "quantity_changed")
REQUEST_TIMEOUT = 60
SERVER_START_TIMEOUT = 60
# The pages the bulk form leads to need the hashed static files; the Django admin's, the browsable API's and
# Swagger UI's are never rendered by the clients.
STATIC_IGNORE = ("admin", "rest_framework", "drf_spectacular_sidecar")


# --- what the clients know of the data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Admin:
    """One admin the clients act as: a bearer token, and a password for the web's bulk form (or none)."""

    email: str
    role: str  # an accounts.choices.Role value
    token: str
    password: str = ""
    subscription_id: int | None = None  # a Subscription Administrator's subscription


@dataclass(frozen=True)
class Pool:
    id: int
    subscription_id: int
    product_id: int
    sku: str
    quantity: int  # when the plan was made


@dataclass(frozen=True)
class Plan:
    """The data a run works on, made by `plan_create`."""

    admins: list[Admin]
    subscriptions: dict[int, str]  # id -> status
    pools: list[Pool]
    foreign_sku: str  # a product no subscription of the plan has licenses of
    single_users: list[int]
    bulk_users: list[int]
    audit_floor: int  # the highest audit event id before the run

    def pools_of(self, subscription_id: int) -> list[Pool]:
        return [pool for pool in self.pools if pool.subscription_id == subscription_id]

    def assignable(self, subscription_id: int) -> bool:
        return self.subscriptions[subscription_id] in ("active", "warning")


# --- figures --------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw. `changes` counts, per audit action, the changes the server said it made."""

    requests: int = 0
    operations: int = 0
    ok: Counter = field(default_factory=Counter)  # by operation kind
    refused: Counter = field(default_factory=Counter)  # by error code
    statuses: Counter = field(default_factory=Counter)
    changes: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def merge(self, other: "Tally") -> None:
        self.requests += other.requests
        self.operations += other.operations
        for name in ("ok", "refused", "statuses", "changes"):
            getattr(self, name).update(getattr(other, name))
        self.server_errors += other.server_errors
        self.transport_errors += other.transport_errors
        self.unexpected += other.unexpected

    @property
    def client_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if 400 <= status < 500)

    @property
    def server_error_count(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 1),
            "operations": self.operations,
            "requests": self.requests,
            "operations_per_second": round(self.operations / self.seconds, 1) if self.seconds else 0,
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "ok": dict(self.ok),
            "refused": dict(self.refused),
            "4xx": self.client_errors,
            "5xx": self.server_error_count,
            "transport_errors": len(self.transport_errors),
            "unexpected": len(self.unexpected),
            "changes": dict(self.changes),
        }


class Unexpected(Exception):
    """An answer the operation does not allow: recorded, never raised out of a client."""


# --- HTTP ---------------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    url: str

    def json(self):
        return json.loads(self.body)

    @property
    def code(self) -> str:
        """The error code of an API error body."""
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return f"http_{self.status}"


class Client:
    """One admin's HTTP client: its own cookies (the web session), its own random stream and tally."""

    def __init__(self, base_url: str, admin: Admin, plan: Plan, shared: "Shared", seed: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin = admin
        self.plan = plan
        self.shared = shared
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.signed_in = False

    # -- transport

    def request(self, method: str, path: str, *, data=None, form=None, headers=None) -> Reply:
        headers = dict(headers or {})
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.admin.token}"
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers, method=method)
        self.tally.requests += 1
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                reply = Reply(response.status, dict(response.headers), response.read(), response.url)
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, dict(error.headers), error.read(), error.url)
        self.tally.statuses[reply.status] += 1
        if reply.status >= 500:
            self.tally.server_errors.append(f"{method} {path} -> {reply.status}: {reply.body[:300]!r}")
        return reply

    def expect(self, reply: Reply, kind: str, allowed: dict[int, set[str] | None]) -> None:
        """Record a refusal by its code, or raise Unexpected for an answer `kind` does not allow.

        `allowed` maps a status to the error codes it may carry (None: a success)."""
        if reply.status not in allowed:
            raise Unexpected(f"{kind}: {reply.status} {reply.body[:300]!r}")
        codes = allowed[reply.status]
        if codes is None:
            return
        if reply.code not in codes:
            raise Unexpected(f"{kind}: {reply.status} {reply.code}, expected one of {sorted(codes)}")
        self.tally.refused[reply.code] += 1

    # -- the web session

    def sign_in(self) -> None:
        page = self.request("GET", "/accounts/sign-in/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if page.status != 200 or token is None:
            raise Unexpected(f"sign-in page: {page.status}")
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": self.admin.email,
            "password": self.admin.password,
        }
        reply = self.request("POST", "/accounts/sign-in/", form=form)
        if reply.status != 200 or "/accounts/sign-in/" in reply.url:
            raise Unexpected(f"sign-in as {self.admin.email} failed: {reply.status} {reply.url}")
        self.signed_in = True

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    # -- choosing

    def scope(self) -> list[int]:
        if self.admin.subscription_id is not None:
            return [self.admin.subscription_id]
        return list(self.plan.subscriptions)

    def pick_subscription(self) -> int:
        """A subscription of the admin's scope, an assignable one nine times in ten: the suspended one has its
        own operation."""
        assignable = [pk for pk in self.scope() if self.plan.assignable(pk)]
        return self.rng.choice(assignable if assignable and self.rng.random() < 0.9 else self.scope())

    def outside_scope(self) -> list[int]:
        return [pk for pk in self.plan.subscriptions if pk not in self.scope()]

    def operations(self) -> dict[str, int]:
        """Operation kinds and their weights for this admin's role."""
        weights = {"licenses_post": 30, "licenses_put": 15, "assignment_post": 15, "foreign_product": 3}
        if any(not self.plan.assignable(pk) for pk in self.scope()):
            weights["suspended"] = 4
        weights["quantity"] = 4 if self.admin.role == "user_admin" else 10
        if self.signed_in:
            weights["bulk"] = 15
        if self.outside_scope() and self.admin.subscription_id is not None:
            weights["out_of_scope"] = 5
        return weights

    def run(self, deadline: float, budget: "Budget") -> None:
        kinds = self.operations()
        names, weights = list(kinds), list(kinds.values())
        while time.monotonic() < deadline and budget.take():
            kind = self.rng.choices(names, weights)[0]
            self.tally.operations += 1
            try:
                getattr(self, f"op_{kind}")()
            except Unexpected as error:
                self.tally.unexpected.append(str(error))
            except (OSError, http.client.HTTPException) as error:  # a refused, dropped or timed out connection
                self.tally.transport_errors.append(f"{kind}: {error!r}")
            except Exception as error:  # an answer the client cannot read: reported with the others
                self.tally.unexpected.append(f"{kind}: {error!r}")

    # -- operations

    def _guarded(self, kind: str, subscription_id: int, *, put: bool, assign_only: bool = False) -> None:
        """Read a user's licenses, then change them with `If-Match`: POST adds/removes, PUT sets the products
        held after the change. A 200 made exactly the difference between what was read and what was asked."""
        user_id = self.rng.choice(self.plan.single_users)
        path = f"/api/v1/users/{user_id}/licenses/"
        reply = self.request("GET", path)
        self.expect(reply, "licenses GET", {200: None})
        held = {
            license["product"]["sku_part_number"]
            for license in reply.json()["licenses"]
            if license["subscription"]["id"] == subscription_id
        }
        free = sorted({pool.sku for pool in self.plan.pools_of(subscription_id)} - held)
        add = set(self.rng.sample(free, min(len(free), self.rng.randint(1 if assign_only else 0, 2))))
        remove = set() if assign_only else set(self.rng.sample(sorted(held), min(len(held), self.rng.randint(0, 1))))
        if not add and not remove and not assign_only and (free or held):
            if held and (not free or self.rng.random() < 0.5):
                remove = {self.rng.choice(sorted(held))}
            else:
                add = {self.rng.choice(free)}
        if not add and not remove:
            self.tally.ok[f"{kind} (nothing to change)"] += 1
            return
        headers = {"If-Match": reply.headers["ETag"]}
        if put:
            data = {"subscription": subscription_id, "products": sorted(held - remove | add)}
            reply = self.request("PUT", path, data=data, headers=headers)
        else:
            data = {"subscription": subscription_id, "add": sorted(add), "remove": sorted(remove)}
            reply = self.request("POST", path, data=data, headers=headers)
        allowed: dict[int, set[str] | None] = {200: None, 412: {"precondition_failed"}}
        if add and self.plan.assignable(subscription_id):
            allowed[409] = {"not_enough_licenses"}
        elif add:  # assigning in a suspended subscription must never succeed
            allowed = {409: {"subscription_not_active"}, 412: {"precondition_failed"}}
        self.expect(reply, kind, allowed)
        if reply.status == 200:
            self.tally.ok[kind] += 1
            self.tally.changes["license_assigned"] += len(add)
            self.tally.changes["license_unassigned"] += len(remove)

    def op_licenses_post(self) -> None:
        self._guarded("licenses_post", self.pick_subscription(), put=False)

    def op_licenses_put(self) -> None:
        self._guarded("licenses_put", self.pick_subscription(), put=True)

    def op_suspended(self) -> None:
        suspended = [pk for pk in self.scope() if not self.plan.assignable(pk)]
        self._guarded("suspended", self.rng.choice(suspended), put=False, assign_only=True)

    def op_assignment_post(self) -> None:
        subscription_id = self.pick_subscription()
        pool = self.rng.choice(self.plan.pools_of(subscription_id))
        user_id = self.rng.choice(self.plan.bulk_users)
        data = {"user": user_id, "subscription": subscription_id, "product": pool.sku}
        reply = self.request("POST", "/api/v1/assignments/", data=data)
        allowed: dict[int, set[str] | None] = {200: None, 201: None}
        allowed[409] = {"not_enough_licenses" if self.plan.assignable(subscription_id) else "subscription_not_active"}
        self.expect(reply, "assignment_post", allowed)
        if reply.status in (200, 201):
            self.tally.ok["assignment_post"] += 1
            self.tally.changes["license_assigned"] += reply.status == 201

    def op_foreign_product(self) -> None:
        subscription_id = self.rng.choice(self.scope())
        user_id = self.rng.choice(self.plan.single_users)
        data = {"subscription": subscription_id, "add": [self.plan.foreign_sku], "remove": []}
        reply = self.request("POST", f"/api/v1/users/{user_id}/licenses/", data=data)
        self.expect(reply, "foreign_product", {400: {"product_not_in_subscription"}})

    def op_out_of_scope(self) -> None:
        subscription_id = self.rng.choice(self.outside_scope())
        if self.signed_in and self.rng.random() < 0.5:
            pool = self.rng.choice(self.plan.pools_of(subscription_id))
            reply = self._bulk_post(subscription_id, pool, "assign", self.rng.sample(self.plan.bulk_users, 3))
            self.expect(reply, "out_of_scope (web)", {404: None})
            self.tally.refused["not_found"] += 1
            return
        user_id = self.rng.choice(self.plan.single_users)
        sku = self.rng.choice(self.plan.pools_of(subscription_id)).sku
        data = {"subscription": subscription_id, "add": [sku], "remove": []}
        reply = self.request("POST", f"/api/v1/users/{user_id}/licenses/", data=data)
        self.expect(reply, "out_of_scope", {404: {"not_found"}})

    def op_quantity(self) -> None:
        subscription_id = self.rng.choice(self.scope())
        pool = self.rng.choice(self.plan.pools_of(subscription_id))
        if self.admin.role == "user_admin":
            reply = self.request("PATCH", f"/api/v1/pools/{pool.id}/", data={"quantity": pool.quantity + 1})
            self.expect(reply, "quantity", {403: {"permission_denied"}})
            return
        # Only the clients change quantities, one at a time per pool: the quantity before each PATCH is known,
        # so every 200 is a change (and one audit event). Assignments race the PATCH freely.
        with self.shared.pool_locks[pool.id]:
            reply = self.request("GET", f"/api/v1/pools/{pool.id}/")
            self.expect(reply, "pool GET", {200: None})
            assigned = reply.json()["assigned"]
            if assigned and self.rng.random() < 0.3:
                quantity = assigned - self.rng.randint(1, min(3, assigned))  # below what is assigned: refused
            else:
                quantity = assigned + self.rng.randint(0, 12)
            if quantity == self.shared.quantities[pool.id]:
                quantity += 1
            reply = self.request("PATCH", f"/api/v1/pools/{pool.id}/", data={"quantity": quantity})
            self.expect(reply, "quantity", {200: None, 409: {"quantity_below_assigned"}})
            if reply.status == 200:
                self.shared.quantities[pool.id] = quantity
                self.tally.ok["quantity"] += 1
                self.tally.changes["quantity_changed"] += 1

    def _bulk_post(self, subscription_id: int, pool: Pool, action: str, users: list[int]) -> Reply:
        form = {
            "action": action,
            "product": pool.product_id,
            "users": users,
            "next": f"/subscriptions/{subscription_id}/",
            "csrfmiddlewaretoken": self.csrf_token(),
        }
        return self.request("POST", f"/subscriptions/{subscription_id}/users/bulk/", form=form)

    def op_bulk(self) -> None:
        subscription_id = self.pick_subscription()
        pool = self.rng.choice(self.plan.pools_of(subscription_id))
        action = "assign" if self.rng.random() < 0.5 else "unassign"
        users = self.rng.sample(self.plan.bulk_users, self.rng.randint(2, 20))
        reply = self._bulk_post(subscription_id, pool, action, users)
        self.expect(reply, "bulk", {200: None})
        level, text = web_message(reply.body)
        if level == "success":
            changed = re.match(r"(?:Assigned .+ to|Unassigned .+ from) (\d+) users?\b", text)
            if changed is None:
                raise Unexpected(f"bulk: unknown message {text!r}")
            self.tally.ok[f"bulk {action}"] += 1
            self.tally.changes[f"license_{action}ed"] += int(changed.group(1))
            return
        code = web_error_code(text)
        allowed = {"not_enough_licenses"} if self.plan.assignable(subscription_id) else {"subscription_not_active"}
        if action != "assign" or code not in allowed:
            raise Unexpected(f"bulk {action}: {level} {text!r}")
        self.tally.refused[code] += 1


MESSAGE = re.compile(rb'<div class="message message-(\w+)"[^>]*>(.*?)</div>', re.S)
# The web shows a refusal as its message; these say which domain error it was.
WEB_ERRORS = {
    "not_enough_licenses": re.compile(r"^Not enough .+ licenses: needs \d+, \d+ available\.$"),
    "subscription_not_active": re.compile(r"licenses can be unassigned but not assigned\.$"),
    "product_not_in_subscription": re.compile(r" has no licenses of: "),
}


def web_message(page: bytes) -> tuple[str, str]:
    """The level and text of the one message a page shows after a POST."""
    messages = MESSAGE.findall(page)
    if len(messages) != 1:
        raise Unexpected(f"expected one message on the page, found {len(messages)}")
    level, text = messages[0]
    return level.decode(), unescape(text.decode()).strip()


def web_error_code(text: str) -> str:
    return next((code for code, pattern in WEB_ERRORS.items() if pattern.search(text)), f"web: {text}")


class Budget:
    """An optional cap on the number of operations, shared by the clients."""

    def __init__(self, operations: int | None) -> None:
        self.left = operations
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self.lock:
            self.left -= 1
            return self.left >= 0


@dataclass
class Shared:
    """What the clients share: the quantity of each pool, and a lock per pool for changing it."""

    quantities: dict[int, int]
    pool_locks: dict[int, threading.Lock]


def drive(
    base_url: str,
    plan: Plan,
    *,
    clients: int = 10,
    seconds: float = 15.0,
    operations: int | None = None,
    seed: int = 0,
) -> Tally:
    """Run `clients` threads, each as one of the plan's admins in turn, for `seconds` (or `operations` in all).

    Clients whose admin has a password sign in first (the web's bulk form needs a session). Every thread stops
    by itself at the deadline; a request that hangs is cut by its timeout."""
    shared = Shared(
        quantities={pool.id: pool.quantity for pool in plan.pools},
        pool_locks={pool.id: threading.Lock() for pool in plan.pools},
    )
    workers = [
        Client(base_url, plan.admins[index % len(plan.admins)], plan, shared, seed * 1000 + index)
        for index in range(clients)
    ]
    for worker in workers:
        if worker.admin.password:
            worker.sign_in()
    budget = Budget(operations)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=worker.run, args=(deadline, budget), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    total = Tally(seconds=time.monotonic() - started)
    for worker in workers:
        total.merge(worker.tally)
    if any(thread.is_alive() for thread in threads):
        total.transport_errors.append("a client did not stop: a request hung past its timeout")
    return total


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port that is free now (gunicorn cannot bind port 0 and say which it got)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, static_root: Path) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, a throwaway secret, the hashed static files of `static_root`."""
    environment = {name: value for name, value in os.environ.items() if name not in ("DEBUG", "LOG_LEVEL")}
    environment.update(
        DATABASE_URL=database_url,
        SECRET_KEY=f"stress-{random.SystemRandom().getrandbits(128):x}",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    return environment


def collect_static(environment: dict[str, str]) -> None:
    ignore = [argument for pattern in STATIC_IGNORE for argument in ("--ignore", pattern)]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0", *ignore],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )


@contextmanager
def gunicorn(database_url: str, *, workers: int = 3, threads: int = 4) -> Iterator[str]:
    """Serve the admin center with gunicorn on 127.0.0.1 (a free port) over `database_url`; yields the base URL.

    The server is stopped (SIGTERM, then SIGKILL) on the way out, whatever happened. Its log is kept in a
    temporary directory and appended to the error when it fails to start."""
    with tempfile.TemporaryDirectory(prefix="officeseries-stress-") as directory:
        environment = server_environment(database_url, Path(directory) / "static")
        collect_static(environment)
        port = free_port()
        log_path = Path(directory) / "gunicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "officeseries.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={workers}",
                    f"--threads={threads}",
                    "--worker-class=gthread",
                    "--timeout=120",
                    "--graceful-timeout=10",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(process, base_url, log_path)
            yield base_url
        finally:
            _stop(process)


def _wait_until_serving(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base_url}/api/v1/", timeout=5)
        except urllib.error.HTTPError:
            return  # it answers (401: no token)
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- data and invariants (Django is set up by the caller) ---------------------------------------------------------


def plan_create(*, name: str, single_users: int, bulk_users: int, password: str) -> Plan:
    """Subscriptions (active, grace period, suspended), small pools, users, admins and their tokens, made
    through the services (the pools, which no service creates, with nothing assigned). `name` keeps the
    subscriptions, users and admins of one run apart from any other's."""
    # Imported here: `python -m benchmarks.stress` sets Django up only once it knows the database.
    from accounts.choices import Role
    from accounts.models import User
    from accounts.services import api_token_create, role_grant, user_create, users_import
    from core.audit import Actor
    from core.choices import Source
    from core.models import AuditEvent
    from licensing.choices import SubscriptionStatus
    from licensing.models import LicensePool, Product, Subscription
    from licensing.services.bulk import licenses_bulk_assign

    products = {
        sku: Product.objects.get_or_create(sku_part_number=sku, defaults={"name": f"Stress {sku.title()}"})[0]
        for sku in ("STRESS_E1", "STRESS_E3", "STRESS_E5", "STRESS_F1", "STRESS_FOREIGN")
    }
    total = single_users + bulk_users
    layout = {  # status: {sku: quantity as a share of all users}
        SubscriptionStatus.ACTIVE: {"STRESS_E1": 0.1, "STRESS_E3": 0.3, "STRESS_E5": 0.05, "STRESS_F1": 0.5},
        SubscriptionStatus.WARNING: {"STRESS_E1": 0.2, "STRESS_E3": 0.1, "STRESS_F1": 0.05},
        SubscriptionStatus.SUSPENDED: {"STRESS_E3": 0.2, "STRESS_E5": 0.1},
    }
    domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example"
    rows = [{"email": f"user{index:06d}@{domain}", "display_name": f"User {index:06d}"} for index in range(total)]
    users_import(rows=rows, by=Actor(None, Source.SYSTEM, label="stress"))
    users = list(User.objects.filter(email__endswith=f"@{domain}").order_by("email"))
    rng = random.Random(name)

    subscriptions = {}
    for status, quantities in layout.items():
        subscription = Subscription.objects.create(name=f"{name} {status.label}", starts_on="2026-01-01")
        subscriptions[status] = subscription
        for sku, share in quantities.items():
            quantity = max(3, round(total * share))
            LicensePool.objects.create(subscription=subscription, product=products[sku], quantity=quantity)
            holders = rng.sample(users, quantity // 2)
            licenses_bulk_assign(
                subscription=subscription,
                product=products[sku],
                users=holders,
                by=Actor(None, Source.SYSTEM, label="stress"),
            )
        if status != SubscriptionStatus.ACTIVE:
            Subscription.objects.filter(pk=subscription.pk).update(status=status)

    def admin(label: str, role: str, subscription=None, signs_in: bool = False) -> Admin:
        user = user_create(
            email=f"{label}@{domain}",
            password=password if signs_in else None,
            display_name=label,
            by=Actor(None, Source.SYSTEM, label="stress"),
        )
        role_grant(user=user, role=role, subscription=subscription, by=Actor(None, Source.SYSTEM))
        _, token = api_token_create(user=user, name="stress", by=Actor(None, Source.SYSTEM))
        return Admin(
            email=user.email,
            role=role,
            token=token,
            password=password if signs_in else "",
            subscription_id=subscription.pk if subscription is not None else None,
        )

    active = subscriptions[SubscriptionStatus.ACTIVE]
    admins = [
        admin("global-web", Role.GLOBAL_ADMIN, signs_in=True),
        admin("subscription-web", Role.SUBSCRIPTION_ADMIN, active, signs_in=True),
        admin("user-admin", Role.USER_ADMIN),
        admin("global-api", Role.GLOBAL_ADMIN),
    ]
    pools = [
        Pool(pool.pk, pool.subscription_id, pool.product_id, pool.product.sku_part_number, pool.quantity)
        for pool in LicensePool.objects.filter(subscription__in=subscriptions.values()).select_related("product")
    ]
    user_ids = [user.pk for user in users]
    return Plan(
        admins=admins,
        subscriptions={subscription.pk: str(status) for status, subscription in subscriptions.items()},
        pools=pools,
        foreign_sku="STRESS_FOREIGN",
        single_users=user_ids[:single_users],
        bulk_users=user_ids[single_users:],
        audit_floor=AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )


def invariants_check(plan: Plan, tally: Tally) -> list[str]:
    """Everything that must hold after a run, as a list of what does not (empty: all is well).

    - no pool with assigned outside 0..quantity, and every counter equal to its assignment rows;
    - one audit event per change the server reported, and none for a change that did not happen: the events of
      each action since the run began equal the changes the clients counted;
    - the audit log replays to the assignment rows: per user and pool, assigned and unassigned alternate, from
      nothing to exactly the rows there are now; per pool, the quantity changes chain from the first quantity to
      the present one;
    - no 5xx, no dropped request, no answer an operation does not allow.
    """
    from django.db.models import Count

    from core.models import AuditEvent
    from licensing.models import LicenseAssignment, LicensePool

    problems = []
    pool_ids = [pool.id for pool in plan.pools]
    for pool in LicensePool.objects.filter(pk__in=pool_ids).annotate(rows=Count("assignments")).order_by("pk"):
        if not 0 <= pool.assigned <= pool.quantity:
            problems.append(f"pool {pool.pk}: {pool.assigned} assigned of {pool.quantity}")
        if pool.assigned != pool.rows:
            problems.append(f"pool {pool.pk}: counter {pool.assigned}, {pool.rows} assignment rows")

    events = AuditEvent.objects.filter(subscription_id__in=list(plan.subscriptions), action__in=CHANGE_ACTIONS)
    counted = Counter(
        dict(
            events.filter(pk__gt=plan.audit_floor)
            .order_by()
            .values("action")
            .annotate(n=Count("pk"))
            .values_list("action", "n")
        )
    )
    for action in CHANGE_ACTIONS:
        if counted[action] != tally.changes[action]:
            problems.append(f"{counted[action]} {action} events, but the server reported {tally.changes[action]}")

    pool_of = {(pool.subscription_id, pool.product_id): pool.id for pool in plan.pools}
    first_quantity = {pool.id: pool.quantity for pool in plan.pools}
    held: set[tuple[int, int]] = set()
    quantity = dict(first_quantity)
    for action, subscription_id, product_id, user_id, details in events.order_by("pk").values_list(
        "action", "subscription_id", "product_id", "subject_user_id", "details"
    ):
        pool_id = pool_of[(subscription_id, product_id)]
        if action == "quantity_changed":
            if details["old_quantity"] != quantity[pool_id]:
                problems.append(
                    f"pool {pool_id}: a quantity change from {details['old_quantity']} follows one to "
                    f"{quantity[pool_id]}"
                )
            quantity[pool_id] = details["new_quantity"]
        elif (action == "license_assigned") == ((pool_id, user_id) in held):
            problems.append(f"pool {pool_id}, user {user_id}: {action} twice in a row")
        else:
            held.symmetric_difference_update({(pool_id, user_id)})
    rows = set(LicenseAssignment.objects.filter(pool_id__in=pool_ids).values_list("pool_id", "user_id"))
    if held != rows:
        problems.append(
            f"the audit log replays to {len(held)} assignments, there are {len(rows)} rows "
            f"({len(held - rows)} only in the log, {len(rows - held)} only in the table)"
        )
    current = dict(LicensePool.objects.filter(pk__in=pool_ids).values_list("pk", "quantity"))
    if quantity != current:
        problems.append(f"the quantity changes replay to {quantity}, the pools hold {current}")

    if tally.server_errors:
        problems.append(f"{len(tally.server_errors)} 5xx answers, e.g. {tally.server_errors[:3]}")
    if tally.transport_errors:
        problems.append(f"{len(tally.transport_errors)} failed requests, e.g. {tally.transport_errors[:3]}")
    if tally.unexpected:
        problems.append(f"{len(tally.unexpected)} answers an operation does not allow, e.g. {tally.unexpected[:5]}")
    return problems


# --- `make stress` ---------------------------------------------------------------------------------------------------


def print_figures(tally: Tally, plan: Plan) -> None:
    figures = tally.as_dict()
    print(
        f"\n{figures['seconds']} s, {len(plan.single_users) + len(plan.bulk_users):,} users, {len(plan.pools)} pools: "
        f"{figures['operations']:,} operations ({figures['operations_per_second']}/s), "
        f"{figures['requests']:,} requests ({figures['requests_per_second']}/s)\n"
    )
    rows = [("ok: " + kind, count) for kind, count in sorted(tally.ok.items())]
    rows += [("refused: " + code, count) for code, count in sorted(tally.refused.items())]
    rows += [("change: " + action, tally.changes[action]) for action in CHANGE_ACTIONS]
    rows += [
        ("4xx answers", figures["4xx"]),
        ("5xx answers", figures["5xx"]),
        ("failed requests", figures["transport_errors"]),
        ("unexpected answers", figures["unexpected"]),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"| {'figure':<{width}} | {'count':>8} |")
    print(f"|{'-' * (width + 2)}|{'-' * 10}|")
    for label, count in rows:
        print(f"| {label:<{width}} | {count:>8,} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--operations", type=int, help="stop after this many operations in all")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--single-users", type=int, default=2000)
    parser.add_argument("--bulk-users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ["BENCH_DATABASE_URL"] = os.environ.get("STRESS_DATABASE_URL", DEFAULT_DATABASE)
    from .run import bench_database_url  # importing benchmarks.run sets Django up on that database

    database_url = bench_database_url()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    name = f"Stress {time.strftime('%Y%m%d-%H%M%S')}"
    plan = plan_create(
        name=name,
        single_users=args.single_users,
        bulk_users=args.bulk_users,
        password=f"stress-{random.SystemRandom().getrandbits(64):x}",
    )
    print(f"{name}: serving on gunicorn ({args.workers} workers x {args.threads} threads), {args.clients} clients")
    with gunicorn(database_url, workers=args.workers, threads=args.threads) as base_url:
        tally = drive(
            base_url, plan, clients=args.clients, seconds=args.duration, operations=args.operations, seed=args.seed
        )
    print_figures(tally, plan)
    problems = invariants_check(plan, tally)
    for problem in problems:
        print(f"INVARIANT BROKEN: {problem}", file=sys.stderr)
    print("\nall invariants hold" if not problems else f"\n{len(problems)} invariants broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
