"""Hard dependencies are imported, never skipped over.

A package in `[project].dependencies` or the `test` extra is always installed for the
tests, so `pytest.importorskip` of it could only hide a broken install as skipped tests.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _dist_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def hard_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        _dist_name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    }


def skipped_hard_imports(source: str, hard: set[str]) -> list[tuple[int, str]]:
    """(line, module) of each `importorskip("module")` whose package is a hard dependency."""
    dists = importlib.metadata.packages_distributions()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        module = node.args[0].value
        owners = {_dist_name(d) for d in dists.get(module.split(".", 1)[0], [])}
        if owners & hard:
            found.append((node.lineno, module))
    return found


def test_the_hard_dependencies_are_known() -> None:
    hard = hard_distributions()
    assert {"pyside6-essentials", "qasync", "ccxt", "sqlalchemy", "pytest-qt"} <= hard


def test_checker_sees_a_skipped_hard_import() -> None:
    hard = hard_distributions()
    source = (
        'import pytest\nqasync = pytest.importorskip("qasync")\npytest.importorskip("no_such")\n'
    )
    assert skipped_hard_imports(source, hard) == [(2, "qasync")]


def test_no_test_skips_over_a_hard_dependency() -> None:
    hard = hard_distributions()
    paths = sorted((ROOT / "tests").rglob("*.py"))
    assert len(paths) > 50
    found = [
        f"{p.relative_to(ROOT)}:{line}: importorskip({module!r})"
        for p in paths
        for line, module in skipped_hard_imports(p.read_text(encoding="utf-8"), hard)
    ]
    assert found == [], "\n".join(found)
