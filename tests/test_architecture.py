"""The structure of docs/architecture.md, kept: entry points (views, forms, APIs, commands) write nothing through
the ORM themselves; every write is a service's. What may import what is checked by `make lint` (import-linter,
the contracts in pyproject.toml)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "licensing", "scim", "graph", "officeseries")
ENTRY_POINTS = ("views.py", "views/*.py", "forms.py", "api/*.py", "management/commands/*.py")
# Calls that write through the ORM: on a model, a queryset, a manager or a related manager.
ORM_WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "create_user",
    "create_superuser",
    "set_password",
}


def orm_writes(source: str) -> list[str]:
    """The ORM writes a module makes, as `line: call`. An HTTP client's `delete` is not one (its receiver is a
    client); anything else called `save`, `update`, ... is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ORM_WRITES:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def entry_point_modules() -> list[Path]:
    return sorted(path for app in APPS for pattern in ENTRY_POINTS for path in (ROOT / app).glob(pattern))


def test_the_guard_sees_entry_points_and_writes():
    assert ROOT / "licensing" / "views" / "users.py" in entry_point_modules()
    assert ROOT / "licensing" / "api" / "users.py" in entry_point_modules()
    assert orm_writes("User.objects.filter(pk=1).update(is_active=False)")
    assert orm_writes("pool.save(update_fields=['quantity'])")
    assert not orm_writes("User.objects.filter(pk=1).exists()")


@pytest.mark.parametrize("module", entry_point_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_entry_points_write_only_through_services(module):
    assert orm_writes(module.read_text()) == []
