"""`make bench` in miniature: the harness runs every scenario on the test database, against the real URLs."""

import json

import pytest

from benchmarks.harness import format_table, run

SCENARIOS = [
    "list: page 1",
    "list: search name fragment",
    "list: search email fragment",
    "list: filtered by product",
    "list: unlicensed only",
    "list: page 1",  # page 500 at 100,000 users: the last full page of this tiny organisation
    "dialog: open",
    "dialog: save one license change",
    "api: users page 1",
    "api: users search name fragment",
    "api: users search email fragment",
    "api: users by product",
    "api: users unlicensed",
    "api: users offset 0",
    "api: assign one license",
    "licenses_bulk_assign of 20 users",
    "import_users of 20 rows",
]


@pytest.mark.django_db
def test_the_harness_measures_every_scenario(tmp_path):
    report = run(users=60, repeat=2, bulk_size=20)

    assert [row["name"] for row in report["results"]] == SCENARIOS
    assert report["users"] == 64 and report["seed_demo_users_created"] == 60  # and the four demo admins
    for row in report["results"]:
        assert row["runs"] >= 1 and 0 < row["p50_ms"] <= row["p95_ms"]
    lists = [row for row in report["results"] if row["name"].startswith("list: ")]
    assert lists[0]["queries"] == 8 and all(row["queries"] <= 8 for row in lists)
    assert all(row["floor_ms"] > 0 for row in lists) and lists[0]["rows_ms"] > 0

    table = format_table(report)
    assert table.count("\n| ") == len(SCENARIOS) + 1  # the header, then one line per scenario
    output = tmp_path / "latest.json"
    output.write_text(json.dumps(report))
    assert json.loads(output.read_text())["results"][0]["name"] == "list: page 1"
