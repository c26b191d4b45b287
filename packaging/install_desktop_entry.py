"""Install a Linux desktop entry so the terminal starts with a double click.

    .venv/bin/python packaging/install_desktop_entry.py [--prefix ~/.local/share] [--uninstall]

Fills resources/terminal.desktop with the absolute path of this environment's
`trading-terminal-gui` launcher, then writes `applications/trading-terminal.desktop` and
the app icon into the hicolor theme (`icons/hicolor/NxN/apps/trading-terminal.png` for
16 to 512 and `icons/hicolor/scalable/apps/trading-terminal.svg`) under the prefix
(XDG_DATA_HOME, by default ~/.local/share). Run it with the Python of the environment
the app is installed in. The bundle's `install.sh` installs the same files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
from pathlib import Path

APP_ID = "trading-terminal"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
TEMPLATE = RESOURCES / "terminal.desktop"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def default_prefix() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def gui_launcher() -> Path:
    """The `trading-terminal-gui` script of the running environment."""
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("trading-terminal-gui", "trading-terminal-gui.exe"):
        if (scripts / name).exists():
            return scripts / name
    raise SystemExit(
        f"trading-terminal-gui not found in {scripts}: install the project first "
        "(pip install -e .) and run this script with that environment's python"
    )


def desktop_quote(arg: str) -> str:
    """Quote one Exec argument the way the Desktop Entry spec wants (double quotes)."""
    if not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def render(template: str, exec_path: Path) -> str:
    lines = [line for line in template.splitlines() if not line.startswith("#")]
    text = "\n".join(lines) + "\n"
    return text.replace("@EXEC@", desktop_quote(str(exec_path)))


def icon_targets(prefix: Path) -> dict[Path, Path]:
    """Installed icon path -> its source under resources/icons/."""
    hicolor = prefix / "icons" / "hicolor"
    targets = {
        hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png": RESOURCES / "icons" / f"{APP_ID}-{n}.png"
        for n in ICON_SIZES
    }
    targets[hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] = RESOURCES / "icons" / f"{APP_ID}.svg"
    return targets


def install(prefix: Path) -> tuple[Path, list[Path]]:
    app_dir = prefix / "applications"
    app_dir.mkdir(parents=True, exist_ok=True)
    icons = []
    for target, source in icon_targets(prefix).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        icons.append(target)
    entry = app_dir / f"{APP_ID}.desktop"
    entry.write_text(render(TEMPLATE.read_text(encoding="utf-8"), gui_launcher()), encoding="utf-8")
    return entry, icons


def uninstall(prefix: Path) -> list[Path]:
    removed = []
    for path in (prefix / "applications" / f"{APP_ID}.desktop", *icon_targets(prefix)):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the Linux desktop entry.")
    parser.add_argument(
        "--prefix",
        type=Path,
        default=None,
        help="data dir to install into (default: $XDG_DATA_HOME or ~/.local/share)",
    )
    parser.add_argument("--uninstall", action="store_true")
    args = parser.parse_args(argv)
    prefix = (args.prefix or default_prefix()).expanduser()
    if args.uninstall:
        for path in uninstall(prefix):
            print(f"removed {path}")
        return 0
    entry, icons = install(prefix)
    print(f"installed {entry} and {len(icons)} icons under {prefix / 'icons' / 'hicolor'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
