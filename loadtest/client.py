"""The load test's HTTP client: one admin's connection to the server (a bearer token for the API, a cookie
session for the web), and the tally of what it saw.

The client records every answer's status, and 5xx answers in full; `expect` turns an answer into a refusal
counted by its error code, or raises Unexpected for an answer the operation does not allow.
"""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html import unescape

# The audit actions a change made by the clients produces; Tally.changes counts them (the license changes of the
# single and bulk users, the memberships of the plan's groups).
CHANGE_ACTIONS = ("license_assigned", "license_unassigned", "quantity_changed")
MEMBER_ACTIONS = ("group_member_added", "group_member_removed")
REQUEST_TIMEOUT = 60


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
    notes: list[str] = field(default_factory=list)  # what the run left out, and why
    seconds: float = 0.0

    def merge(self, other: "Tally") -> None:
        self.requests += other.requests
        self.operations += other.operations
        for name in ("ok", "refused", "statuses", "changes"):
            getattr(self, name).update(getattr(other, name))
        self.server_errors += other.server_errors
        self.transport_errors += other.transport_errors
        self.unexpected += other.unexpected
        self.notes += other.notes

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
    """One admin's HTTP client: its own cookies (the web session) and tally."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.tally = Tally()
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.signed_in = False

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
            headers["Authorization"] = f"Bearer {self.token}"
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

    def sign_in(self, email: str, password: str) -> None:
        page = self.request("GET", "/accounts/sign-in/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if page.status != 200 or token is None:
            raise Unexpected(f"sign-in page: {page.status}")
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": email, "password": password}
        reply = self.request("POST", "/accounts/sign-in/", form=form)
        if reply.status != 200 or "/accounts/sign-in/" in reply.url:
            raise Unexpected(f"sign-in as {email} failed: {reply.status} {reply.url}")
        self.signed_in = True

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")


MESSAGE = re.compile(rb'<div class="message message-(\w+)"[^>]*>(.*?)</div>', re.S)
# The web shows a refusal as its message; these say which domain error it was.
WEB_ERRORS = {
    "not_enough_licenses": re.compile(
        r"^Not enough .+ licenses: needs \d+, \d+ available\.( \d+ group members wait in line and get the next free"
        r" licenses\.)?$"
    ),
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
