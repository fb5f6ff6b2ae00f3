"""Days of history for the chart tests: PoolSnapshot rows written directly, as the snapshot job would have."""

import datetime
from collections.abc import Callable

from django.utils import timezone

from licensing.models import LicensePool, PoolSnapshot


def history_add(
    pools: list[LicensePool], *, days: int, assigned: Callable[[int], int], pending: Callable[[int], int] = lambda _: 0
) -> None:
    """`days` snapshots of each pool, up to yesterday, at its present quantity; `assigned(n)` and `pending(n)` are
    the counters `n` days before today."""
    today = timezone.localdate()
    PoolSnapshot.objects.bulk_create(
        PoolSnapshot(
            pool=pool,
            day=today - datetime.timedelta(days=ago),
            quantity=pool.quantity,
            assigned=assigned(ago),
            pending=pending(ago),
        )
        for pool in pools
        for ago in range(1, days + 1)
    )
