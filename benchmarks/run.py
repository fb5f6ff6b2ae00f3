"""`make bench`: seed (or reuse) a large organisation, measure, print a table, write benchmarks/results/latest.json.

    python -m benchmarks.run [--users 100000] [--repeat 30] [--bulk-size 10000] [--fresh] [--output FILE]

Uses BENCH_DATABASE_URL (default: a PostgreSQL database of its own, officeseries_bench, created when missing and
kept between runs: seeding 100,000 users takes about half a minute, later runs reuse them). --fresh drops it first,
so seed_demo is measured from scratch. When PostgreSQL cannot be reached it falls back to a SQLite file, with a
warning: those figures say little about production.
"""

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/officeseries_bench"
SQLITE_FALLBACK = f"sqlite:///{Path(__file__).parent / 'results' / 'bench.sqlite3'}"


def bench_database_url(*, fresh: bool) -> str:
    """The PostgreSQL bench database (created if missing, dropped first if `fresh`), or the SQLite fallback when
    the server is unreachable."""
    import dj_database_url
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return url
    if fresh:
        Path(SQLITE_FALLBACK.removeprefix("sqlite:///")).unlink(missing_ok=True)
    server = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "connect_timeout": 3,
    }
    try:
        with psycopg.connect(**server, autocommit=True) as admin:
            if fresh:
                admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
                admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
    except psycopg.OperationalError as error:
        print(f"WARNING: PostgreSQL unreachable ({error}); falling back to SQLite.", file=sys.stderr)
        return SQLITE_FALLBACK
    return url


os.environ["DATABASE_URL"] = bench_database_url(fresh="--fresh" in sys.argv)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from .harness import format_table, run  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="runs per measurement (p50/p95 over them)")
    parser.add_argument("--bulk-size", type=int, default=10_000, help="users of the bulk assign and the import")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--fresh", action="store_true", help="drop the bench database first (read before setup)")
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        print(
            "WARNING: benchmarking on SQLite; set BENCH_DATABASE_URL to PostgreSQL for figures that mean something.",
            file=sys.stderr,
        )
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages render with the production storage
    report = run(users=args.users, repeat=args.repeat, bulk_size=args.bulk_size)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(format_table(report))
    print(f"\nWritten to {args.output}")
    return report


if __name__ == "__main__":
    main()
