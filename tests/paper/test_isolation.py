"""terminal.paper stands alone: it imports nothing else from ``terminal`` (and ccxt_compat
does not import ccxt)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import terminal.paper

PAPER = Path(terminal.paper.__file__).resolve().parent
ALLOWED_THIRD_PARTY = {"aiohttp", "orjson"}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, 0) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.level))
    return out


def test_static_imports_stay_inside_paper_and_allowed_libraries() -> None:
    stdlib = set(sys.stdlib_module_names)
    files = sorted(PAPER.rglob("*.py"))
    assert len(files) > 10
    for f in files:
        for name, level in _imports(f):
            top = name.split(".")[0]
            if level > 0:  # at most up to terminal.paper from a subpackage
                depth = len(f.relative_to(PAPER).parts)
                assert level <= depth, f"{f.name}: relative import leaves the package ({name})"
                continue
            if top == "terminal":
                assert name.startswith("terminal.paper"), f"{f.name} imports {name}"
                continue
            assert top in stdlib or top in ALLOWED_THIRD_PARTY, f"{f.name} imports {name}"


def test_runtime_import_pulls_in_no_other_terminal_module() -> None:
    code = (
        "import sys\n"
        "import terminal.paper.server, terminal.paper.embedded, terminal.paper.cli\n"
        "import terminal.paper.ccxt_compat\n"
        "bad = [m for m in sys.modules if m.startswith('terminal.') and "
        "not m.startswith('terminal.paper')]\n"
        "assert not bad, bad\n"
        "assert 'ccxt' not in sys.modules, 'ccxt_compat must not import ccxt'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
