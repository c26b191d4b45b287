"""--data-dir puts everything under one folder; nothing is created until asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from terminal.paths import APP_NAME, AppPaths


def test_override_puts_every_dir_under_it(tmp_path: Path) -> None:
    root = tmp_path / "portable"
    paths = AppPaths.from_override(root)
    assert paths.override == root.resolve()
    assert (paths.data, paths.config, paths.logs, paths.cache) == tuple(
        root.resolve() / name for name in ("data", "config", "logs", "cache")
    )
    assert not root.exists()  # constructing touches nothing
    for ensure in (paths.ensure_data, paths.ensure_config, paths.ensure_logs, paths.ensure_cache):
        created = ensure()
        assert created.is_dir() and created.parent == root.resolve()
    assert sorted(p.name for p in root.iterdir()) == ["cache", "config", "data", "logs"]


def test_override_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert AppPaths.from_override("~/tt").data == tmp_path / "tt" / "data"


def test_default_uses_platform_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("XDG variables are Linux-only")
    for var, sub in (
        ("XDG_DATA_HOME", "d"),
        ("XDG_CONFIG_HOME", "c"),
        ("XDG_STATE_HOME", "s"),
        ("XDG_CACHE_HOME", "k"),
    ):
        monkeypatch.setenv(var, str(tmp_path / sub))
    paths = AppPaths.from_override(None)
    assert paths.override is None
    assert paths.data == tmp_path / "d" / APP_NAME
    assert paths.config == tmp_path / "c" / APP_NAME
    assert paths.cache == tmp_path / "k" / APP_NAME
    assert paths.logs.is_relative_to(tmp_path / "s" / APP_NAME)
    assert not any(p.exists() for p in paths.all_dirs())


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "x")}
    code = "import terminal.paths, terminal.logsetup, terminal.crash, terminal.cli, terminal.app"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits")
def test_data_dir_is_created_owner_only_and_an_open_one_is_narrowed_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import os
    import stat

    paths = AppPaths.from_override(tmp_path / "fresh")
    old_umask = os.umask(0o022)
    try:
        assert stat.S_IMODE(paths.ensure_data().stat().st_mode) == 0o700
        older = AppPaths.from_override(tmp_path / "older")
        older.data.mkdir(parents=True, mode=0o755)
        with caplog.at_level(logging.WARNING, logger="terminal.paths"):
            older.ensure_data()
            older.ensure_data()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(older.data.stat().st_mode) == 0o700
    said = [r.getMessage() for r in caplog.records if "accessible by you only" in r.getMessage()]
    assert said == [f"data directory {older.data} made accessible by you only (was 0755)"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits")
def test_log_dir_is_owner_only_like_the_data_dir(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import os
    import stat

    from terminal.logsetup import setup_logging, teardown_logging

    paths = AppPaths.from_override(tmp_path / "fresh")
    old_umask = os.umask(0o022)
    try:
        setup = setup_logging(paths, console=False)
        logging.getLogger("terminal.test").warning("a line")
        teardown_logging()
        older = AppPaths.from_override(tmp_path / "older")
        older.logs.mkdir(parents=True, mode=0o755)
        with caplog.at_level(logging.WARNING, logger="terminal.paths"):
            older.ensure_logs()
    finally:
        os.umask(old_umask)
    assert setup.log_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(paths.logs.stat().st_mode) == 0o700
    assert stat.S_IMODE(older.logs.stat().st_mode) == 0o700
    said = [r.getMessage() for r in caplog.records if "accessible by you only" in r.getMessage()]
    assert said == [f"log directory {older.logs} made accessible by you only (was 0755)"]
