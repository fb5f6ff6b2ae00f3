"""Running calls at once, each in its own thread and transaction, for the race tests on PostgreSQL."""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection

from core.errors import DomainError

THREAD_TIMEOUT = 120


def run_at_once(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run every call in its own thread, all released together; each outcome is ("ok", result), (error code,
    error) for a domain error, or ("unexpected", exception) for anything else."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("not run", None)] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=THREAD_TIMEOUT)
            outcomes[index] = ("ok", call())
        except DomainError as error:
            outcomes[index] = (error.code, error)
        except Exception as error:  # the test reports whatever escaped
            outcomes[index] = ("unexpected", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running: deadlocked?"
    return outcomes


def codes(outcomes: list[tuple[str, Any]]) -> Counter:
    return Counter(code for code, _ in outcomes)


def unexpected(outcomes: list[tuple[str, Any]]) -> list[Any]:
    return [repr(error) for code, error in outcomes if code == "unexpected"]


def requests_at_once(requests: list[Callable[[], Any]]) -> list[Any]:
    """Send every request from its own thread (so its own database connection), all released together; each
    result is the response, or the exception it raised (the caller's assertions report it)."""
    results: list[Any] = [None] * len(requests)

    def send(index: int, request: Callable[[], Any]) -> None:
        try:
            results[index] = request()
        except Exception as error:
            results[index] = error

    run_at_once([lambda index=index, request=request: send(index, request) for index, request in enumerate(requests)])
    return results
