"""The exports scenario of `make bench` (issue 15): the User License Assignments list of every user (100,000 at
bench size) downloaded as CSV and as XLSX, through the full request/response cycle with the response's streamed
content read to its end, as a browser downloads it.

Each format reports its time and, from one more run under tracemalloc (untimed: tracing slows Python down), the
peak of memory allocated while the file was made, next to the same for a one-user export: the two stay close when
rows are streamed rather than held (`extra`: rows, bytes, peak_kib, peak_kib_one_user).
"""

import tracemalloc
from typing import TYPE_CHECKING

from django.urls import reverse

from accounts.models import User

from .measure import Result, count_queries, timed

if TYPE_CHECKING:  # the harness calls this scenario with itself
    from .harness import Bench


def exports(bench: "Bench") -> None:
    """Export of all users as CSV, then as XLSX."""
    users = User.objects.count()
    one_user = f"?q={bench.admin.email}"
    for file_format in ("csv", "xlsx"):
        url = reverse("licensing:subscription_users_export", args=[bench.subscription.pk, file_format])

        def download(url: str = url) -> int:
            response = bench.client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            return sum(len(chunk) for chunk in response.streaming_content)

        size = download()  # warm caches
        samples = timed(download, min(bench.repeat, 3))
        bench.results.append(
            Result(
                f"export: all users as {file_format.upper()}",
                samples,
                queries=count_queries(download),
                extra={
                    "rows": users,
                    "bytes": size,
                    "peak_kib": _peak_kib(lambda url=url: download(url)),
                    "peak_kib_one_user": _peak_kib(lambda url=url: download(url + one_user)),
                },
            )
        )


def _peak_kib(action) -> int:
    """The peak of memory Python allocated while `action` ran, in KiB."""
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak // 1024
