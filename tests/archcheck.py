"""Import rules of the layers, checked statically with `ast`.

Every import counts: module level, inside functions, under `if TYPE_CHECKING`,
relative ones (resolved against the importing module), and `importlib.import_module`
/ `__import__` calls with a literal name. Run as a script to print the violations:

    python -m tests.archcheck [PACKAGE_DIR]
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STDLIB = frozenset(sys.stdlib_module_names)
QT_LIBS = frozenset({"PySide6", "pyqtgraph", "qasync", "shiboken6"})
HEAVY_IO_LIBS = frozenset({"ccxt", "sqlalchemy", "keyring", "aiohttp"})


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. terminal.core.orders
    target: str  # dotted name imported, relative ones resolved
    path: Path
    lineno: int


@dataclass(frozen=True)
class Violation:
    imp: Import
    rule: str

    def __str__(self) -> str:
        return f"{self.imp.path}:{self.imp.lineno}: {self.imp.importer} imports {self.imp.target} ({self.rule})"


def _module_name(path: Path, root: Path, package: str) -> tuple[str, bool]:
    rel = path.relative_to(root).with_suffix("")
    parts = [package, *rel.parts]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    if not base:
        raise ValueError(f"relative import beyond top-level package in {importer}")
    return ".".join([*base, module] if module else base)


def iter_imports(package_dir: Path) -> Iterator[Import]:
    """Every import of every module under `package_dir` (a directory named as the package)."""
    package_dir = Path(package_dir)
    package = package_dir.name
    paths = sorted(package_dir.rglob("*.py"))
    known = {_module_name(path, package_dir, package)[0] for path in paths}
    for path in paths:
        importer, is_package = _module_name(path, package_dir, package)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(importer, alias.name, path, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    target = _resolve_relative(importer, is_package, node.level, node.module)
                else:
                    target = node.module or ""
                # `from x import y` imports the submodule x.y when the tree has one (so
                # `from terminal import ui` counts as terminal.ui), else a name of x.
                names = {f"{target}.{a.name}" for a in node.names} & known
                if len(names) < len(node.names):
                    yield Import(importer, target, path, node.lineno)
                for name in sorted(names):
                    yield Import(importer, name, path, node.lineno)
            elif isinstance(node, ast.Call):
                name = _dynamic_import_target(node)
                if name:
                    yield Import(importer, name, path, node.lineno)


def _dynamic_import_target(node: ast.Call) -> str | None:
    func = node.func
    called = (
        func.id if isinstance(func, ast.Name)
        else func.attr if isinstance(func, ast.Attribute) else None
    )
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
        return first.value
    return None


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def check_import(imp: Import, package: str = "terminal") -> list[str]:
    """The rules `imp` breaks (empty when allowed)."""
    broken: list[str] = []
    importer, target, top = imp.importer, imp.target, _top(imp.target)
    domain, core, paper = f"{package}.domain", f"{package}.core", f"{package}.paper"
    ui, app = f"{package}.ui", f"{package}.app"
    bench = f"{package}.bench"  # benchmarks of the whole app: above everything, like app
    control = f"{package}.control"

    if _within(importer, domain) and not (top in STDLIB or _within(target, domain)):
        broken.append("domain imports only the standard library and domain")
    if _within(importer, core) and not (
        top in STDLIB or _within(target, domain) or _within(target, core)
    ):
        broken.append("core imports only the standard library, domain and core")
    if top in QT_LIBS and not (_within(importer, ui) or _within(importer, app)
                               or _within(importer, bench)):
        broken.append("only terminal.ui, terminal.app and terminal.bench import Qt libraries")
    if _within(importer, paper) and top == package and not _within(target, paper):
        broken.append("paper imports nothing else from the terminal")
    if _within(importer, control) and not (top in STDLIB or _within(target, control)):
        broken.append("control imports only the standard library and control")
    if (_within(importer, domain) or _within(importer, core)) and top in HEAVY_IO_LIBS:
        broken.append("domain and core never import ccxt, sqlalchemy, keyring or aiohttp")
    return broken


def check_tree(package_dir: Path) -> list[Violation]:
    """All violations in the package at `package_dir`."""
    package = Path(package_dir).name
    return [
        Violation(imp, rule)
        for imp in iter_imports(Path(package_dir))
        for rule in check_import(imp, package)
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "terminal"
    violations = check_tree(root)
    for v in violations:
        print(v)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
