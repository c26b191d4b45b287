"""The desktop-entry installer writes a valid entry pointing at this environment's launcher,
with the app icon at every hicolor size."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install_desktop_entry.py"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def validate(entry: Path) -> None:
    """desktop-file-validate (desktop-file-utils; .ci/run installs it) must print nothing."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    out = subprocess.run(
        [tool, str(entry)], capture_output=True, text=True, timeout=30, check=False
    )
    assert out.returncode == 0 and not (out.stdout + out.stderr).strip(), out.stdout + out.stderr


def test_install_and_uninstall_desktop_entry(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    entry = tmp_path / "applications" / "trading-terminal.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "trading-terminal.svg"
    assert icon.read_text(encoding="utf-8").lstrip().startswith("<")
    pngs = [
        tmp_path / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "trading-terminal.png" for n in SIZES
    ]
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG"), png
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(entry, encoding="utf-8")
    section = parser["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Trading Terminal"
    launcher = Path(section["Exec"])
    assert launcher.name.startswith("trading-terminal-gui") and launcher.exists()
    assert os.access(launcher, os.X_OK)
    assert section["Icon"] == "trading-terminal"  # the hicolor theme name
    assert "@" not in entry.read_text(encoding="utf-8")
    validate(entry)

    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert not entry.exists() and not icon.exists()
    assert not any(png.exists() for png in pngs)


def test_desktop_template_with_a_spaced_path_passes_desktop_file_validate(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from install_desktop_entry import TEMPLATE, render
    finally:
        sys.path.pop(0)
    entry = tmp_path / "trading-terminal.desktop"
    entry.write_text(
        render(
            TEMPLATE.read_text(encoding="utf-8"),
            Path("/opt/my apps/Trading Terminal/trading-terminal"),
        ),
        encoding="utf-8",
    )
    validate(entry)


def test_exec_paths_with_spaces_are_quoted_per_the_desktop_spec() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from install_desktop_entry import desktop_quote
    finally:
        sys.path.pop(0)
    assert desktop_quote("/opt/tt/bin/trading-terminal-gui") == "/opt/tt/bin/trading-terminal-gui"
    assert desktop_quote("/home/a b/bin/gui") == '"/home/a b/bin/gui"'
    assert desktop_quote('/x/$y"z') == '"/x/\\$y\\"z"'


def _icons_module():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import icons
    finally:
        sys.path.pop(0)
    return icons


def test_icon_files_exist_at_every_size_and_match_the_app_svg() -> None:
    icons = _icons_module()
    assert icons.problems() == []
    for n in SIZES:
        assert icons.png_size(icons.png_path(n).read_bytes()) == (n, n)
    ico = icons.read_ico((icons.OUT / "trading-terminal.ico").read_bytes())
    assert ico == {n: (n, n) for n in (16, 24, 32, 48, 64, 128, 256)}
    icns = icons.read_icns((icons.OUT / "trading-terminal.icns").read_bytes())
    assert sorted(icns.values()) == [(n, n) for n in (16, 32, 64, 128, 256, 512, 1024)]


def test_icon_check_notices_a_wrong_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    icons = _icons_module()
    copy = tmp_path / "icons"
    shutil.copytree(icons.OUT, copy)
    monkeypatch.setattr(icons, "OUT", copy)
    assert icons.problems() == []
    shutil.copyfile(copy / "trading-terminal-16.png", copy / "trading-terminal-32.png")
    (copy / "trading-terminal-64.png").unlink()
    found = icons.problems()
    assert any("32.png is not 32x32" in line for line in found), found
    assert any("64.png is missing" in line for line in found), found
