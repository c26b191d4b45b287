"""What can be checked of the bundle recipe without building it (the build itself and its
self-test run in .ci/run): the spec parses and points at files that exist, the macOS
Info.plist and the Windows version resource are valid, the Qt file filter keeps what the
app loads, and the frozen entry script answers `-m terminal.paper` as the GUI expects."""

from __future__ import annotations

import ast
import os
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


@pytest.fixture(scope="module")
def meta():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(PACKAGING))
    try:
        import bundle_meta
    finally:
        sys.path.pop(0)
    return bundle_meta


def test_spec_parses_and_names_existing_files(meta) -> None:  # type: ignore[no-untyped-def]
    text = (PACKAGING / "terminal.spec").read_text(encoding="utf-8")
    tree = ast.parse(text)
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= called
    assert (PACKAGING / "entry.py").is_file()
    for name in ("trading-terminal.ico", "trading-terminal.icns", "trading-terminal.svg"):
        assert (meta.ICONS / name).is_file(), name
    assert (ROOT / "resources" / "terminal.desktop").is_file()
    assert (ROOT / "terminal" / "journal" / "migrations" / "env.py").is_file()


def test_info_plist_is_valid_with_high_dpi_and_dark_mode_keys(meta) -> None:  # type: ignore[no-untyped-def]
    plist = plistlib.loads(meta.info_plist_bytes())
    assert plist["NSHighResolutionCapable"] is True
    assert plist["NSRequiresAquaSystemAppearance"] is False
    assert plist["CFBundleIdentifier"] == meta.BUNDLE_ID
    assert plist["CFBundleShortVersionString"] == meta.version()
    import terminal

    assert meta.version() == terminal.__version__


# The constructors PyInstaller's version file uses, with their parameter names (from
# PyInstaller.utils.win32.versioninfo, which needs pefile, a Windows-build dependency).
_VERSIONINFO = {
    "VSVersionInfo": lambda ffi=None, kids=None: ("VSVersionInfo", ffi, kids),
    "FixedFileInfo": lambda filevers, prodvers, mask, flags, OS, fileType, subtype, date: (
        "FixedFileInfo",
        filevers,
        prodvers,
    ),
    "StringFileInfo": lambda kids: ("StringFileInfo", kids),
    "StringTable": lambda name, kids: ("StringTable", name, kids),
    "StringStruct": lambda name, val: (name, val),
    "VarFileInfo": lambda kids: ("VarFileInfo", kids),
    "VarStruct": lambda name, kids: ("VarStruct", name, kids),
}


def test_windows_version_resource_parses(meta) -> None:  # type: ignore[no-untyped-def]
    text = meta.windows_version_text()
    info = eval(text, dict(_VERSIONINFO))
    _, ffi, kids = info
    assert ffi[1] == meta.version_tuple() and len(meta.version_tuple()) == 4
    strings = dict(kids[0][1][0][2])
    assert strings["ProductName"] == "Trading Terminal"
    assert strings["ProductVersion"] == meta.version()
    try:
        from PyInstaller.utils.win32 import versioninfo
    except ImportError:  # pefile missing (it is installed with PyInstaller on Windows only)
        return
    real = eval(text, vars(versioninfo))
    assert real.ffi.fileVersionMS >> 16 == meta.version_tuple()[0]


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libicudata.so.73", True),
        ("PySide6\\Qt6Gui.dll", True),
        ("libxcb-cursor.so.0", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6\\Qt6Qml.dll", False),
        ("PySide6/Qt/lib/QtQuick.framework/QtQuick", False),
        ("PySide6/Qt/lib/QtQuick.framework/Versions/A/Resources/Info.plist", False),
        ("PySide6/Qt/lib/QtWidgets.framework/Versions/A/Resources/Info.plist", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("libcairo.so.2", False),
    ],
)
def test_qt_filter_keeps_what_the_app_loads(meta, path: str, kept: bool) -> None:  # type: ignore[no-untyped-def]
    assert meta.keep_qt_file(path) is kept


def test_frozen_entry_runs_the_paper_exchange_for_minus_m() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(PACKAGING / "entry.py"), "-m", "terminal.paper", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "--port" in out.stdout and "paper exchange" in out.stdout
    out = subprocess.run(
        [sys.executable, str(PACKAGING / "entry.py"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert out.returncode == 0 and out.stdout.startswith("trading-terminal ")


def test_workflow_builds_and_self_tests_on_windows_and_macos() -> None:
    text = (ROOT / ".github" / "workflows" / "bundle.yml").read_text(encoding="utf-8")
    assert "windows-latest" in text and "macos-latest" in text
    assert "--require-hashes -r requirements/lock.txt" in text
    assert "python packaging/build.py --self-test" in text


def test_lock_pins_every_dependency_with_hashes_and_names_the_traps() -> None:
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pins = [line for line in lock.splitlines() if line and line[0].isalnum()]
    assert pins and all("==" in line for line in pins), pins
    blocks = lock.split("\n")
    for i, line in enumerate(blocks):
        if line and line[0].isalnum():
            assert blocks[i + 1].strip().startswith("--hash=sha256:"), line
    for name in ("pyside6-essentials", "shiboken6", "pyqtgraph", "ccxt", "pyinstaller"):
        assert any(p.startswith(f"{name}==") for p in pins), name
    assert "PySide6 6.12.0 aborts on CPython 3.11" in lock
    assert "pyqtgraph 0.13.7" in lock and "6.9.1" in lock


def test_lock_versions_fall_inside_the_pyproject_ranges() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pinned = {}
    for line in lock.splitlines():
        if line and line[0].isalnum():
            name, version = line.split(";")[0].split("\\")[0].strip().split("==")
            pinned[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("test", "bundle"):
        wanted += project["optional-dependencies"][extra]
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11"}):
            continue
        version = pinned.get(canonicalize_name(req.name))
        assert version is not None, f"{req.name} is not in the lock"
        assert req.specifier.contains(version, prereleases=True), (text, version)
