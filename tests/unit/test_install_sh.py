"""packaging/install.sh on a stand-in bundle folder (the real bundle is installed the same
way in .ci/run): the menu entry passes desktop-file-validate even with spaces in the
install path, the icons land at every hicolor size, the command is linked, --uninstall
removes exactly that and refuses nothing of the user's data."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def _fake_bundle(where: Path) -> Path:
    """The layout PyInstaller makes: the binary, _internal/resources, install.sh."""
    bundle = where / "trading-terminal"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copytree(ROOT / "resources", bundle / "_internal" / "resources")
    binary = bundle / "trading-terminal"
    binary.write_text('#!/bin/sh\necho stand-in "$@"\n')
    binary.chmod(0o755)
    shutil.copy2(ROOT / "packaging" / "install.sh", bundle / "install.sh")
    return bundle


def _run(bundle: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    return subprocess.run(
        ["bash", str(bundle / "install.sh"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "HOME": str(home), **env},
        check=False,
    )


def test_install_and_uninstall_into_a_path_with_spaces(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path / "download dir")
    home = tmp_path / "home"
    app_dir = home / "my apps" / "Trading Terminal"
    out = _run(bundle, home, TT_APP_DIR=str(app_dir))
    assert out.returncode == 0, out.stderr
    entry = home / ".local/share/applications/trading-terminal.desktop"
    text = entry.read_text()
    assert f'Exec="{app_dir}/trading-terminal"' in text and "@" not in text
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    for n in SIZES:
        assert (home / f".local/share/icons/hicolor/{n}x{n}/apps/trading-terminal.png").is_file()
    assert (home / ".local/share/icons/hicolor/scalable/apps/trading-terminal.svg").is_file()
    link = home / ".local/bin/trading-terminal"
    run = subprocess.run(
        [str(link), "stop", "--status"], capture_output=True, text=True, timeout=30, check=False
    )
    assert run.stdout.strip() == "stand-in stop --status"

    data = home / ".local/share/trading-terminal/data/journal.sqlite"  # the user's journal
    data.parent.mkdir(parents=True)
    data.write_text("journal")
    out = _run(bundle, home, "--uninstall", TT_APP_DIR=str(app_dir))
    assert out.returncode == 0, out.stderr
    assert not entry.exists() and not link.exists() and not app_dir.exists()
    assert not (home / ".local/share/icons/hicolor/48x48/apps/trading-terminal.png").exists()
    assert data.read_text() == "journal"


def test_install_refuses_to_overwrite_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path / "dl")
    home = tmp_path / "home"
    target = home / ".local/opt/trading-terminal"
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    out = _run(bundle, home)
    assert out.returncode == 1
    assert "not a trading-terminal bundle" in out.stderr and len(out.stderr.splitlines()) == 1
    assert (target / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("option", ["--bogus", "uninstall"])
def test_unknown_options_are_refused(tmp_path: Path, option: str) -> None:
    out = _run(_fake_bundle(tmp_path), tmp_path / "home", option)
    assert out.returncode == 2 and "unknown option" in out.stderr
    assert not (tmp_path / "home" / ".local").exists()
