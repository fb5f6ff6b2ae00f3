"""benchmarks/exports.py, run in-process on a tiny organisation until the harness runs it (then
tests/test_bench_smoke.py covers it): both formats are measured, with the rows, the bytes and the peaks."""

from accounts.models import User
from benchmarks.exports import exports
from benchmarks.harness import Bench
from licensing.demo import seed_demo


def test_the_exports_scenario_measures_both_formats(db):
    seed_demo(users=30)
    bench = Bench(repeat=1)

    exports(bench)

    users = User.objects.count()
    assert [result.name for result in bench.results] == [
        f"export: {users} users as CSV",
        f"export: {users} users as XLSX",
    ]
    for result in bench.results:
        assert result.extra["rows"] == users
        assert result.extra["bytes"] > 0
        assert result.extra["peak_kib"] >= result.extra["peak_kib_one_user"] > 0
