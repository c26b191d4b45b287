"""Install a Linux desktop entry so the terminal starts with a double click.

    .venv/bin/python packaging/install_desktop_entry.py [--prefix ~/.local/share] [--uninstall]

Fills resources/terminal.desktop with the absolute path of this environment's
`trading-terminal-gui` launcher and an installed copy of the app icon, then writes
`applications/trading-terminal.desktop` and `icons/hicolor/scalable/apps/trading-terminal.svg`
under the prefix (XDG_DATA_HOME, by default ~/.local/share). Run it with the Python of
the environment the app is installed in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
from importlib import resources
from pathlib import Path

APP_ID = "trading-terminal"
TEMPLATE = Path(__file__).resolve().parent.parent / "resources" / "terminal.desktop"


def default_prefix() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def gui_launcher() -> Path:
    """The `trading-terminal-gui` script of the running environment."""
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("trading-terminal-gui", "trading-terminal-gui.exe"):
        if (scripts / name).exists():
            return scripts / name
    raise SystemExit(f"trading-terminal-gui not found in {scripts}: install the project first "
                     "(pip install -e .) and run this script with that environment's python")


def desktop_quote(arg: str) -> str:
    """Quote one Exec argument the way the Desktop Entry spec wants (double quotes)."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def render(template: str, exec_path: Path, icon_path: Path) -> str:
    lines = [line for line in template.splitlines() if not line.startswith("#")]
    text = "\n".join(lines) + "\n"
    return text.replace("@EXEC@", desktop_quote(str(exec_path))).replace("@ICON@", str(icon_path))


def install(prefix: Path) -> tuple[Path, Path]:
    icon_dir = prefix / "icons" / "hicolor" / "scalable" / "apps"
    app_dir = prefix / "applications"
    icon_dir.mkdir(parents=True, exist_ok=True)
    app_dir.mkdir(parents=True, exist_ok=True)
    icon_path = icon_dir / f"{APP_ID}.svg"
    source_icon = resources.files("terminal.ui.resources").joinpath("icons", "app.svg")
    with resources.as_file(source_icon) as src:
        shutil.copyfile(src, icon_path)
    entry = app_dir / f"{APP_ID}.desktop"
    entry.write_text(render(TEMPLATE.read_text(encoding="utf-8"), gui_launcher(), icon_path),
                     encoding="utf-8")
    return entry, icon_path


def uninstall(prefix: Path) -> list[Path]:
    removed = []
    for path in (prefix / "applications" / f"{APP_ID}.desktop",
                 prefix / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the Linux desktop entry.")
    parser.add_argument("--prefix", type=Path, default=None,
                        help="data dir to install into (default: $XDG_DATA_HOME or ~/.local/share)")
    parser.add_argument("--uninstall", action="store_true")
    args = parser.parse_args(argv)
    prefix = (args.prefix or default_prefix()).expanduser()
    if args.uninstall:
        for path in uninstall(prefix):
            print(f"removed {path}")
        return 0
    entry, icon = install(prefix)
    print(f"installed {entry}\ninstalled {icon}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
