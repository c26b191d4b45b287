"""The import contracts in pyproject.toml hold on the real tree, and each one does catch a breach.

`lint-imports` (import-linter) checks them in CI too; these tests run the same command so
the README's test command checks them as well.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _contract_names() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return [c["name"] for c in config["contracts"]]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd and PYTHONPATH decide which `terminal` package is analysed; ROOT stays on the
    # path for tests.import_contracts (the project's own contract type).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)])}
    code = (
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(PYPROJECT), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _status(output: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)} (KEPT|BROKEN)", output, re.MULTILINE)
    assert match, f"contract {name!r} missing from the report:\n{output}"
    return match.group(1)


def test_real_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    names = _contract_names()
    assert len(names) >= 9
    assert all(_status(out, name) == "KEPT" for name in names)
    assert f"Contracts: {len(names)} kept, 0 broken." in out
    # guards against a run that passes because it analysed next to nothing
    analysed = int(re.search(r"Analyzed (\d+) files", out).group(1))
    assert analysed > 200, out


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real `terminal` package's Python files, to add one bad module to."""
    base = tmp_path_factory.mktemp("tree")
    for path in (ROOT / "terminal").rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        target = base / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return base


def test_copy_of_the_tree_is_clean(tree_copy: Path) -> None:
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


TC = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    "


@pytest.mark.parametrize(
    ("rel", "body", "contract"),
    [
        ("domain/bad.py", "import ccxt\n", "domain imports only the standard library and domain"),
        (
            "domain/bad.py",
            "def f():\n    import sqlalchemy\n",
            "domain and core never import ccxt, sqlalchemy, alembic, keyring or aiohttp",
        ),
        (
            "domain/bad.py",
            "from ..core import ports\n",
            "domain imports only the standard library and domain",
        ),
        (
            "domain/bad.py",
            "from terminal import ui\n",
            "domain imports only the standard library and domain",
        ),
        ("domain/bad.py", "import numpy\n", "domain imports only the standard library and domain"),
        (
            "core/bad.py",
            "import aiohttp\n",
            "domain and core never import ccxt, sqlalchemy, alembic, keyring or aiohttp",
        ),
        (
            "core/bad.py",
            "from ..exchange import session\n",
            "core imports only the standard library, domain and core",
        ),
        (
            "core/bad.py",
            "def f():\n    from PySide6 import QtCore\n",
            "only terminal.ui, terminal.app and terminal.bench import Qt libraries",
        ),
        (
            "core/bad.py",
            "import keyring\n",
            "domain and core never import ccxt, sqlalchemy, alembic, keyring or aiohttp",
        ),
        (
            "exchange/bad.py",
            "import shiboken6\n",
            "only terminal.ui, terminal.app and terminal.bench import Qt libraries",
        ),
        (
            "exchange/bad.py",
            "from qasync import QEventLoop\n",
            "only terminal.ui, terminal.app and terminal.bench import Qt libraries",
        ),
        (
            "exchange/bad.py",
            "from terminal.journal import store\n",
            "Layers: dependencies point down only",
        ),
        (
            "journal/bad.py",
            TC + "from terminal.ui.controller import TerminalController\n",
            "Layers: dependencies point down only",
        ),
        (
            "paper/bad.py",
            "from terminal.domain import money\n",
            "paper imports nothing else from the terminal",
        ),
        ("paper/bad.py", "from .. import core\n", "paper imports nothing else from the terminal"),
        ("paper/bad.py", "import terminal\n", "paper imports nothing else from the terminal"),
        (
            "control/bad.py",
            "from terminal.core import safety\n",
            "control imports only the standard library and control",
        ),
        (
            "ui/bad.py",
            "from terminal.exchange import feeds\n",
            "ui never imports exchange or journal directly",
        ),
        (
            "ui/bad.py",
            TC + "from terminal.journal.store import Journal\n",
            "ui never imports exchange or journal directly",
        ),
        (
            "domain/bad.py",
            "from terminal.domain import bad2\n",
            "no import cycles between sibling packages and modules",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tree_copy: Path, rel: str, body: str, contract: str
) -> None:
    bad = tree_copy / "terminal" / rel
    extra = bad.with_name("bad2.py")
    bad.write_text(textwrap.dedent(body), encoding="utf-8")
    if "bad2" in body:
        extra.write_text("from terminal.domain import bad\n", encoding="utf-8")
    try:
        result = _lint(tree_copy)
    finally:
        bad.unlink()
        extra.unlink(missing_ok=True)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert _status(out, contract) == "BROKEN", out
    broken = out.split("Broken contracts", 1)[1]
    # the cycle report names siblings relative to their package (".bad2 -> .bad")
    module = ".bad" if "bad2" in body else f"terminal.{rel[:-3].replace('/', '.')}"
    assert module in broken, out
