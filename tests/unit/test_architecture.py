"""The layer import rules hold on the real tree, and the checker does catch breaches."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests import archcheck

TERMINAL = Path(__file__).resolve().parents[2] / "terminal"


def test_real_tree_has_no_violations() -> None:
    violations = archcheck.check_tree(TERMINAL)
    assert violations == [], "\n".join(map(str, violations))


def test_checker_sees_the_real_tree() -> None:
    # Guards against a checker that passes because it walked nothing.
    importers = {imp.importer for imp in archcheck.iter_imports(TERMINAL)}
    assert "terminal.cli" in importers
    assert "terminal.app" in importers


def _write(root: Path, rel: str, body: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")


@pytest.fixture
def fake_tree(tmp_path: Path) -> Path:
    """A clean package tree named `terminal`, laid out like the real one."""
    root = tmp_path / "terminal"
    for pkg in ("", "domain/", "core/", "ui/", "paper/", "exchange/"):
        _write(root, f"{pkg}__init__.py")
    _write(root, "domain/money.py", "from decimal import Decimal\nfrom . import ids\n")
    _write(root, "domain/ids.py", "import uuid\n")
    _write(root, "core/orders.py", "from ..domain import money\nfrom terminal.core import ports\n")
    _write(root, "core/ports.py", "from typing import Protocol\n")
    _write(root, "ui/window.py", "from PySide6.QtWidgets import QMainWindow\nimport pyqtgraph\n")
    _write(root, "app.py", "import qasync\nfrom terminal.ui import window\n")
    _write(root, "paper/server.py", "import aiohttp\nfrom . import engine\nfrom .engine import x\n")
    _write(root, "paper/engine.py", "x = 1\n")
    _write(root, "exchange/session.py", "import ccxt\nfrom terminal.core import ports\n")
    return root


def test_clean_fake_tree_passes(fake_tree: Path) -> None:
    assert archcheck.check_tree(fake_tree) == []


@pytest.mark.parametrize(
    ("rel", "body", "bad_target", "rule_word"),
    [
        ("domain/bad.py", "import ccxt\n", "ccxt", "domain"),
        ("domain/bad.py", "def f():\n    import sqlalchemy\n", "sqlalchemy", "never import"),
        ("domain/bad.py", "from ..core import ports\n", "terminal.core", "domain imports only"),
        ("domain/bad.py", "from terminal import ui\n", "terminal.ui", "domain imports only"),
        ("core/bad.py", "import aiohttp\n", "aiohttp", "core imports only"),
        ("core/bad.py", "from ..exchange import session\n", "terminal.exchange", "core imports only"),
        ("core/bad.py", "def f():\n    from PySide6 import QtCore\n", "PySide6", "Qt"),
        ("core/bad.py", "import importlib\nm = importlib.import_module('keyring')\n", "keyring", "never import"),
        ("exchange/bad.py", "import shiboken6\n", "shiboken6", "Qt"),
        ("exchange/bad.py", "from qasync import QEventLoop\n", "qasync", "Qt"),
        ("paper/bad.py", "from terminal.domain import money\n", "terminal.domain", "paper"),
        ("paper/bad.py", "from .. import core\n", "terminal.core", "paper"),
        ("paper/bad.py", "import terminal\n", "terminal", "paper"),
    ],
)
def test_checker_reports_a_forbidden_import(
    fake_tree: Path, rel: str, body: str, bad_target: str, rule_word: str
) -> None:
    _write(fake_tree, rel, body)
    violations = archcheck.check_tree(fake_tree)
    assert violations, f"{rel}: {body!r} was not reported"
    hits = [v for v in violations if v.imp.target.startswith(bad_target) and rule_word in v.rule]
    assert hits, [str(v) for v in violations]
    assert all(v.imp.path == fake_tree / rel for v in violations)


def test_relative_imports_resolve_against_the_importer(fake_tree: Path) -> None:
    _write(fake_tree, "domain/sub/__init__.py", "from ... import core\nfrom . import leaf\n")
    _write(fake_tree, "domain/sub/leaf.py", "from .. import money\n")
    targets = {
        (imp.importer, imp.target) for imp in archcheck.iter_imports(fake_tree)
    }
    assert ("terminal.domain.sub", "terminal.core") in targets
    assert ("terminal.domain.sub", "terminal.domain.sub.leaf") in targets
    assert ("terminal.domain.sub.leaf", "terminal.domain.money") in targets
    rules = [v.rule for v in archcheck.check_tree(fake_tree)]
    assert rules == ["domain imports only the standard library and domain"]


def test_script_exit_code(fake_tree: Path) -> None:
    assert archcheck.main([str(fake_tree)]) == 0
    _write(fake_tree, "domain/bad.py", "import keyring\n")
    assert archcheck.main([str(fake_tree)]) == 1
