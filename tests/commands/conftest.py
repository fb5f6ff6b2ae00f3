"""Run operator commands the way a shell does (argv in, exit code and output out) inside the test transaction."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.db import connections

from accounts.choices import Role
from tests.factories import LicensePoolFactory, ProductFactory, RoleAssignmentFactory, SubscriptionFactory


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys, monkeypatch, db):
    """`run("assign_license", "--sku", ...)` -> Result(exit code, stdout, stderr), through argparse and
    run_from_argv as from a shell."""
    # run_from_argv closes the connections when it ends, which would break the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run_command(*argv: str) -> Result:
        name = argv[0]
        command = load_command_class(get_commands()[name], name)
        try:
            command.run_from_argv(["manage.py", *argv])
            code = 0
        except SystemExit as exit_:
            code = exit_.code
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run_command


@pytest.fixture
def write_file(tmp_path):
    """Write text (or bytes) to a file under tmp_path and return its path as a string."""

    def write(name: str, content: str | bytes) -> str:
        path = Path(tmp_path, name)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return str(path)

    return write


@pytest.fixture
def e3(subscription):
    """A pool of 5 OFFICESERIES_E3 licenses in the subscription fixture."""
    return LicensePoolFactory(
        subscription=subscription, product=ProductFactory(sku_part_number="OFFICESERIES_E3", name="E3"), quantity=5
    )


@pytest.fixture
def other_subscription_admin(db):
    return RoleAssignmentFactory(role=Role.SUBSCRIPTION_ADMIN, subscription=SubscriptionFactory()).user
