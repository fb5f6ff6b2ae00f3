"""The load test's workload: `drive` runs several clients at once, each as one admin of the plan
(loadtest.plan), for a bounded time.

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
- `group_members`: POST groups/{id}/members/, adding and removing a few users of the group cohort; the answer says
  who joined and who left (each one audit event), and their licenses follow, or they join a pool's line. Refused:
  a dynamic group's members (`validation_error`), and a Subscription Administrator (`permission_denied`).
- `group_licenses`: POST groups/{id}/licenses/, adding or removing a product of one subscription for a group;
  only when the server has that endpoint (`drive` asks it first).
- `group_direct`: a direct change of a group member's licenses (POST users/{id}/licenses/): removing a license
  they have only from groups is refused (`license_inherited`), adding one where members wait is refused
  (`not_enough_licenses`).

Pools are small, so `not_enough_licenses` is frequent. Users are split in two cohorts. The ETag-guarded changes
touch only the "single" users, which every path that changes them locks, so a 200 means exactly the change
computed from the read. The bulk services lock the pool but not the users: a bulk change of a user can land
between an If-Match check and the change it guards, which then answers 200 for a change that did not happen
as asked, and the count would be off. So the web's bulk form works on the "bulk" users, which
`assignment_post` (exact from its status alone) also targets, racing the bulk form for the same users and pools.
Only the third cohort, the "group" users, are members of groups: their licenses change with memberships and
lines, which no client can count, so the invariants count the license events of the other two cohorts exactly
and check the group users' licenses through the sources, the counters and the lines (loadtest.invariants).
"""

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass

from .client import REQUEST_TIMEOUT, Client, Reply, Tally, Unexpected, web_error_code, web_message
from .plan import Admin, Plan, Pool


class Worker(Client):
    """A client acting as one admin: its own random stream picks each operation and its arguments."""

    def __init__(self, base_url: str, admin: Admin, plan: Plan, shared: "Shared", seed: int) -> None:
        super().__init__(base_url, admin.token)
        self.admin = admin
        self.plan = plan
        self.shared = shared
        self.rng = random.Random(seed)

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
        if self.plan.groups:
            weights["group_members"] = 6 if self.admin.role in ("global_admin", "user_admin") else 2
            weights["group_direct"] = 4
            if self.shared.group_licenses_endpoint:
                weights["group_licenses"] = 3
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

    def op_group_members(self) -> None:
        group = self.rng.choice(self.plan.groups)
        users = self.rng.sample(self.plan.group_users, self.rng.randint(1, 8))
        cut = self.rng.randint(0, len(users))
        data = {"add": users[:cut], "remove": users[cut:]}
        reply = self.request("POST", f"/api/v1/groups/{group.id}/members/", data=data)
        if self.admin.role not in ("global_admin", "user_admin"):
            self.expect(reply, "group_members", {403: {"permission_denied"}})
            return
        if group.kind == "dynamic":
            self.expect(reply, "group_members", {400: {"validation_error"}})
            return
        self.expect(reply, "group_members", {200: None})
        change = reply.json()
        self.tally.ok["group_members"] += 1
        self.tally.changes["group_member_added"] += len(change["added"])
        self.tally.changes["group_member_removed"] += len(change["removed"])

    def op_group_licenses(self) -> None:
        group = self.rng.choice(self.plan.groups)
        subscription_id = self.rng.choice(self.scope())
        sku = self.rng.choice(self.plan.pools_of(subscription_id)).sku
        change = "add" if self.rng.random() < 0.5 else "remove"
        data = {"subscription": subscription_id, "add": [], "remove": [], change: [sku]}
        reply = self.request("POST", f"/api/v1/groups/{group.id}/licenses/", data=data)
        self.expect(reply, "group_licenses", {200: None})
        self.tally.ok[f"group_licenses {change}"] += 1

    def op_group_direct(self) -> None:
        """Remove a license a group member holds (refused when they have it only from groups), or add one they
        do not hold (refused while members wait)."""
        user_id = self.rng.choice(self.plan.group_users)
        path = f"/api/v1/users/{user_id}/licenses/"
        reply = self.request("GET", path)
        self.expect(reply, "licenses GET", {200: None})
        held = [
            (license["subscription"]["id"], license["product"]["sku_part_number"])
            for license in reply.json()["licenses"]
            if license.get("state", "active") == "active" and license["subscription"]["id"] in self.scope()
        ]
        if held and self.rng.random() < 0.6:
            subscription_id, sku = self.rng.choice(held)
            data = {"subscription": subscription_id, "add": [], "remove": [sku]}
            reply = self.request("POST", path, data=data)
            self.expect(reply, "group_direct remove", {200: None, 409: {"license_inherited"}})
            self.tally.ok["group_direct remove"] += reply.status == 200
            return
        subscription_id = self.pick_subscription()
        free = sorted({pool.sku for pool in self.plan.pools_of(subscription_id)} - {sku for _, sku in held})
        if not free:
            return
        data = {"subscription": subscription_id, "add": [self.rng.choice(free)], "remove": []}
        reply = self.request("POST", path, data=data)
        refusal = "not_enough_licenses" if self.plan.assignable(subscription_id) else "subscription_not_active"
        self.expect(reply, "group_direct add", {200: None, 409: {refusal}})
        self.tally.ok["group_direct add"] += reply.status == 200

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
    """What the clients share: the quantity of each pool, a lock per pool for changing it, and whether the server
    has the endpoint of a group's licenses."""

    quantities: dict[int, int]
    pool_locks: dict[int, threading.Lock]
    group_licenses_endpoint: bool = False


def group_licenses_endpoint(base_url: str, plan: Plan) -> bool:
    """Whether the server answers GET groups/{id}/licenses/ (the endpoint came after the load test's groups)."""
    if not plan.groups:
        return False
    reply = Client(base_url, plan.admins[0].token).request("GET", f"/api/v1/groups/{plan.groups[0].id}/licenses/")
    return reply.status == 200


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
        group_licenses_endpoint=group_licenses_endpoint(base_url, plan),
    )
    workers = [
        Worker(base_url, plan.admins[index % len(plan.admins)], plan, shared, seed * 1000 + index)
        for index in range(clients)
    ]
    for worker in workers:
        if worker.admin.password:
            worker.sign_in(worker.admin.email, worker.admin.password)
    budget = Budget(operations)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=worker.run, args=(deadline, budget), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    total = Tally(seconds=time.monotonic() - started)
    if plan.groups and not shared.group_licenses_endpoint:
        total.notes.append("no POST groups/{id}/licenses/ on this server: group_licenses left out")
    for worker in workers:
        total.merge(worker.tally)
    if any(thread.is_alive() for thread in threads):
        total.transport_errors.append("a client did not stop: a request hung past its timeout")
    return total
