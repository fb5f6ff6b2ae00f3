"""`make stress`: several admins at once against a real gunicorn over HTTP, for a bounded time, then the invariants.

    python -m loadtest [--duration 60] [--clients 16] [--single-users 2000] [--bulk-users 1000] [--group-users 600]

Uses STRESS_DATABASE_URL (default: a PostgreSQL database of its own, officeseries_stress, created when missing).
Every run builds its own subscriptions, pools, users and admins through the services (loadtest.plan), serves them
with gunicorn on 127.0.0.1 (loadtest.server), drives them with `--clients` threads (loadtest.workload, which says
what they do), prints the figures and checks the invariants (loadtest.invariants): no pool over-assigned, every
counter equal to its rows, every license with a source, no free license while members wait, every line served in
order, the audit log replaying to the rows and quantities, one audit event per change that happened and none for
a change that did not, zero 5xx. Exit status 1 when an invariant does not hold.
"""

import argparse
import os
import random
import sys
import time

from .client import CHANGE_ACTIONS, MEMBER_ACTIONS, Tally
from .plan import Plan, plan_create
from .server import gunicorn
from .workload import drive

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/officeseries_stress"


def database_ready(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist yet."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    server = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def django_setup(database_url: str) -> None:
    """This process's Django, on the run's database with production settings (the server gets its own)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeseries.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", f"stress-{random.SystemRandom().getrandbits(128):x}")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    import django

    django.setup()


def print_figures(tally: Tally, plan: Plan, lines: dict[str, int]) -> None:
    figures = tally.as_dict()
    users = len(plan.single_users) + len(plan.bulk_users) + len(plan.group_users)
    print(
        f"\n{figures['seconds']} s, {users:,} users, {len(plan.pools)} pools, {len(plan.groups)} groups: "
        f"{figures['operations']:,} operations ({figures['operations_per_second']}/s), "
        f"{figures['requests']:,} requests ({figures['requests_per_second']}/s)\n"
    )
    rows = [("ok: " + kind, count) for kind, count in sorted(tally.ok.items())]
    rows += [("refused: " + code, count) for code, count in sorted(tally.refused.items())]
    rows += [("change: " + action, tally.changes[action]) for action in CHANGE_ACTIONS + MEMBER_ACTIONS]
    rows += [("line: " + label, count) for label, count in lines.items()]
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
    for note in tally.notes:
        print(f"note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--operations", type=int, help="stop after this many operations in all")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--single-users", type=int, default=2000)
    parser.add_argument("--bulk-users", type=int, default=1000)
    parser.add_argument("--group-users", type=int, default=600, help="the members of the run's groups")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    database_url = os.environ.get("STRESS_DATABASE_URL", DEFAULT_DATABASE)
    database_ready(database_url)
    django_setup(database_url)
    # Imported once Django is set up on the run's database.
    from django.core.management import call_command

    from .invariants import invariants_check, line_figures

    call_command("migrate", verbosity=0)
    name = f"Stress {time.strftime('%Y%m%d-%H%M%S')}"
    plan = plan_create(
        name=name,
        single_users=args.single_users,
        bulk_users=args.bulk_users,
        group_users=args.group_users,
        password=f"stress-{random.SystemRandom().getrandbits(64):x}",
    )
    print(f"{name}: serving on gunicorn ({args.workers} workers x {args.threads} threads), {args.clients} clients")
    with gunicorn(database_url, workers=args.workers, threads=args.threads) as base_url:
        tally = drive(
            base_url, plan, clients=args.clients, seconds=args.duration, operations=args.operations, seed=args.seed
        )
    print_figures(tally, plan, line_figures(plan))
    problems = invariants_check(plan, tally)
    for problem in problems:
        print(f"INVARIANT BROKEN: {problem}", file=sys.stderr)
    print("\nall invariants hold" if not problems else f"\n{len(problems)} invariants broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
