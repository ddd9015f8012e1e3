"""A `_name` is its module's own: no module of funnel_assets imports another's, or reaches for one through it.

What two modules share is public, in a module named for what it does (`lib/report_text.py` for the
event-report parsers), so that changing a private helper never breaks a module that borrowed it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "funnel_assets"

# borrowed before this check, outside lib/: (module file, what it names); each goes once its owner makes the name public
KNOWN: set[tuple[str, str]] = set()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] != PACKAGE.name:
        return False
    path = PACKAGE.parent.joinpath(*parts)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def borrowed_private_names(source: str) -> list[str]:
    """Each private name the source takes from another module: `from m import _x`, or `m._x` where `m` names
    a module of the package it imported (`import funnel_assets.lib.m as m`, `from funnel_assets.lib import m`)."""
    tree = ast.parse(source)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{alias.name} from {module}")
                elif _is_module(f"{module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and _is_module(alias.name):
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{node.attr} of {modules[node.value.id]}")
    return found


def test_the_check_finds_a_private_name_taken_from_another_module():
    assert borrowed_private_names("from funnel_assets.lib.zoom_reports import ZoomReport, _unique\n") == [
        "_unique from funnel_assets.lib.zoom_reports"
    ]
    assert borrowed_private_names("from .zoom_reports import _trimmed\n") == ["_trimmed from .zoom_reports"]
    assert borrowed_private_names("from funnel_assets.lib import zoom_reports\nzoom_reports._encoding(b'')\n") == [
        "_encoding of funnel_assets.lib.zoom_reports"
    ]
    assert borrowed_private_names("import funnel_assets.lib.zoom_reports as z\nz._CONTROL\n") == [
        "_CONTROL of funnel_assets.lib.zoom_reports"
    ]
    # its own private names, dunders, and the private attributes of objects are none of this check's business
    assert borrowed_private_names("from __future__ import annotations\n_x = 1\nself._y\nframe._mgr\n") == []


def test_no_module_takes_another_modules_private_name():
    found = {
        (str(path.relative_to(PACKAGE)), name)
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in borrowed_private_names(path.read_text(encoding="utf-8"))
    }
    assert found - KNOWN == set(), "make the name public, in a module named for what it does"
    assert KNOWN - found == set(), "fixed: remove it from KNOWN, so that it stays fixed"


@pytest.mark.parametrize("part", ["lib", "io", "defs"])
def test_each_part_is_walked(part):
    assert list((PACKAGE / part).rglob("*.py")), f"funnel_assets/{part} has no modules: is PACKAGE right?"
