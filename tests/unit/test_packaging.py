"""The desktop-entry installer writes a valid entry pointing at this environment's launcher."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install_desktop_entry.py"


def test_install_and_uninstall_desktop_entry(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    entry = tmp_path / "applications" / "trading-terminal.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "trading-terminal.svg"
    assert icon.read_text(encoding="utf-8").lstrip().startswith("<")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(entry, encoding="utf-8")
    section = parser["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Trading Terminal"
    launcher = Path(section["Exec"])
    assert launcher.name.startswith("trading-terminal-gui") and launcher.exists()
    assert os.access(launcher, os.X_OK)
    assert section["Icon"] == str(icon)
    assert "@" not in entry.read_text(encoding="utf-8")

    out = subprocess.run([sys.executable, str(SCRIPT), "--uninstall"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert not entry.exists() and not icon.exists()


def test_exec_paths_with_spaces_are_quoted_per_the_desktop_spec() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from install_desktop_entry import desktop_quote
    finally:
        sys.path.pop(0)
    assert desktop_quote("/opt/tt/bin/trading-terminal-gui") == "/opt/tt/bin/trading-terminal-gui"
    assert desktop_quote("/home/a b/bin/gui") == '"/home/a b/bin/gui"'
    assert desktop_quote('/x/$y"z') == '"/x/\\$y\\"z"'
