"""Build the one-folder app bundle and its Linux tarball.

    .venv/bin/pip install -r requirements/bundle.lock      # once: pinned deps + PyInstaller
    .venv/bin/python packaging/build.py [--self-test] [--no-tarball]

Runs PyInstaller on packaging/terminal.spec (work files in build/, the bundle in
dist/trading-terminal/), prints the bundle's size and what takes the space, and on
Linux packs dist/trading-terminal-VERSION-linux-ARCH.tar.gz with install.sh inside.
`--self-test` then runs the built binary's `--self-test` (offscreen window, embedded
paper exchange, one order placed and cancelled through the ticket, journal checked).
Exit code 0 only if every step passed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bundle_meta as meta  # noqa: E402 (found through the path set just above)
import icons  # noqa: E402

ROOT = meta.ROOT
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
SIZE_AIM_MB = 150


def bundle_dir() -> Path:
    if sys.platform == "darwin":
        return DIST / f"{meta.DISPLAY_NAME}.app"
    return DIST / meta.APP_ID


def console_binary(bundle: Path) -> Path:
    """The binary that prints to a console (--self-test, `stop`)."""
    if sys.platform == "win32":
        return bundle / f"{meta.APP_ID}.exe"
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / meta.APP_ID
    return bundle / meta.APP_ID


def tree_size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(bundle: Path, top: int = 12) -> tuple[int, list[tuple[str, int]]]:
    """Total bytes and the biggest parts: each top-level entry of the bundle, with the
    Qt folder, PySide6's Qt libraries and the executables' embedded Python archive named
    on their own so "what takes the space" reads at a glance."""
    total = tree_size(bundle)
    parts: dict[str, int] = {}
    internal = next(
        (p for p in (bundle / "_internal", bundle / "Contents" / "Frameworks") if p.is_dir()),
        bundle,
    )
    for entry in internal.iterdir():
        parts[entry.name] = tree_size(entry)
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    if qt_lib.is_dir():
        icu = sum(tree_size(p) for p in qt_lib.glob("*icu*"))
        parts["PySide6 (ICU data and libraries)"] = icu
        parts["PySide6"] = parts.get("PySide6", 0) - icu
    shared = [name for name in parts if ".so" in name or name.endswith((".dll", ".dylib"))]
    parts["other shared libraries"] = sum(parts.pop(name) for name in shared)
    for exe in bundle.iterdir() if internal is not bundle else ():
        if exe.is_file():
            parts[f"{exe.name} (Python code: ccxt, terminal, ...)"] = exe.stat().st_size
    ranked = sorted(parts.items(), key=lambda kv: kv[1], reverse=True)
    return total, ranked[:top]


def run_pyinstaller() -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit(
            "PyInstaller is not installed: pip install -r requirements/bundle.lock "
            '(or pip install -e ".[bundle]")'
        )
    found = icons.problems()
    if found:
        sys.exit(f"icons: {found[0]} (run python packaging/icons.py)")
    started = time.monotonic()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(HERE / "terminal.spec"),
    ]
    print("$", " ".join(cmd), flush=True)
    if subprocess.run(cmd, check=False, cwd=ROOT, env=env).returncode != 0:
        sys.exit("PyInstaller failed (see above)")
    return time.monotonic() - started


def strip_debug_info(bundle: Path) -> int:
    """Linux: drop the debug sections (.debug_*) of the shared libraries that carry them:
    libpython and CPython's extension modules from a pyenv or source-built Python, and
    several wheels' extensions (SQLAlchemy, aiohttp, multidict): about 30 MB. Code and
    symbols stay. Libraries a wheel vendored (its `*.libs` folder, e.g. numpy's OpenBLAS)
    are left alone: their ELF layout was patched by auditwheel and a rewrite breaks them,
    as PyInstaller's own strip option does."""
    strip, readelf = shutil.which("strip"), shutil.which("readelf")
    saved = 0
    if strip is None or readelf is None or not sys.platform.startswith("linux"):
        return saved
    for lib in bundle.rglob("*.so*"):
        if (
            lib.is_symlink()
            or not lib.is_file()
            or any(part.endswith(".libs") for part in lib.relative_to(bundle).parts)
        ):
            continue
        sections = subprocess.run(
            [readelf, "-S", "--wide", str(lib)], check=False, capture_output=True, text=True
        ).stdout
        if ".debug_info" not in sections:
            continue
        before = lib.stat().st_size
        if subprocess.run([strip, "--strip-debug", str(lib)], check=False).returncode == 0:
            saved += before - lib.stat().st_size
    return saved


def make_tarball(bundle: Path) -> Path:
    """dist/trading-terminal-VERSION-linux-ARCH.tar.gz: the bundle folder with install.sh."""
    shutil.copy2(HERE / "install.sh", bundle / "install.sh")
    (bundle / "install.sh").chmod(0o755)
    arch = platform.machine() or "unknown"
    out = DIST / f"{meta.APP_ID}-{meta.version()}-linux-{arch}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=meta.APP_ID)
    return out


def run_self_test(bundle: Path) -> int:
    binary = console_binary(bundle)
    print(f"$ {binary} --self-test", flush=True)
    return subprocess.run([str(binary), "--self-test"], check=False, timeout=300).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the app bundle (PyInstaller).")
    parser.add_argument("--self-test", action="store_true", help="run the bundle's self-test")
    parser.add_argument("--no-tarball", action="store_true", help="Linux: skip the .tar.gz")
    args = parser.parse_args(argv)

    took = run_pyinstaller()
    bundle = bundle_dir()
    saved = strip_debug_info(bundle)
    if saved:
        print(f"stripped debug sections from shared libraries: {saved / 1e6:.0f} MB")
    total, parts = size_report(bundle)
    mb = total / 1e6
    print(f"\nbundle: {bundle} built in {took:.0f} s")
    print(
        f"size: {mb:.0f} MB unpacked "
        f"(aim <= {SIZE_AIM_MB} MB{'' if mb <= SIZE_AIM_MB else ', over'})"
    )
    print("biggest parts:")
    for name, size in parts:
        print(f"  {size / 1e6:7.1f} MB  {name}")
    if sys.platform.startswith("linux") and not args.no_tarball:
        tarball = make_tarball(bundle)
        print(f"tarball: {tarball} ({tarball.stat().st_size / 1e6:.0f} MB)")
    if args.self_test:
        code = run_self_test(bundle)
        if code != 0:
            print(f"self-test of the bundle failed (exit {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
