"""How the benchmarks measure: a scenario's samples and what they say (Result), timing with an untimed setup
before each run, and counting the statements an action sends."""

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from accounts.services.tokens import api_token_create, api_token_revoke
from core.audit import Actor
from core.choices import Source

OPERATOR = Actor(None, Source.CLI, label="make bench")


@contextmanager
def bearer_client(user: User, name: str) -> Iterator[Client]:
    """A client calling as scripts do, with a bearer token of `user` made for the scenarios and revoked after."""
    token, key = api_token_create(by=OPERATOR, user=user, name=name)
    try:
        yield Client(headers={"Authorization": f"Bearer {key}"})
    finally:
        api_token_revoke(by=OPERATOR, token=token)


def form_post(client: Client, url: str, data: dict, **headers: str) -> HttpResponse:
    """POST `data` as a browser posts a form without files, htmx too: URL-encoded (the test client's default,
    multipart, costs the server more to parse)."""
    body = urlencode(data, doseq=True)
    return client.post(url, body, content_type="application/x-www-form-urlencoded", headers=headers)


@dataclass
class Result:
    name: str
    samples_ms: list[float]
    queries: int | None = None
    floor_ms: float | None = None
    rows_ms: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(p50_ms=round(self.p50, 2), p95_ms=round(self.p95, 2), runs=len(self.samples_ms))
        if self.floor_ms:
            data["floor_ratio"] = round(self.p50 / self.floor_ms, 2)
            data["floor_ms"] = round(self.floor_ms, 2)
        if self.rows_ms:
            data["rows_ms"] = round(self.rows_ms, 2)
        del data["samples_ms"]
        return data


def timed(action: Callable[[], object], repeat: int, *, setup: Callable[[int], object] | None = None) -> list[float]:
    samples = []
    for run in range(repeat):
        if setup is not None:
            setup(run)
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def count_queries(action: Callable[[], object]) -> int:
    """How many statements `action` sends to the database."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return len(statements)
