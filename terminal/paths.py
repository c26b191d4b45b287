"""Where the terminal keeps its files.

Every module that reads or writes a file asks an `AppPaths` instead of computing a
location itself, so one global `--data-dir DIR` moves everything the app writes (a
portable install, a test, a second account) and nothing leaks into the user's real
home. Nothing here touches the disk until a directory is asked for.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "trading-terminal"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppPaths:
    """The four user directories of the app, plain paths (not yet created)."""

    data: Path
    config: Path
    logs: Path
    cache: Path
    override: Path | None = None

    @classmethod
    def from_override(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        """Platform user dirs, or everything under `data_dir` when one is given.

        With an override the layout is DIR/data, DIR/config, DIR/logs, DIR/cache, so a
        single folder holds the whole state of one installation.
        """
        if data_dir is not None and str(data_dir) != "":
            root = Path(data_dir).expanduser().resolve()
            return cls(
                data=root / "data",
                config=root / "config",
                logs=root / "logs",
                cache=root / "cache",
                override=root,
            )
        dirs = PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            data=Path(dirs.user_data_dir),
            config=Path(dirs.user_config_dir),
            logs=Path(dirs.user_log_dir),
            cache=Path(dirs.user_cache_dir),
            override=None,
        )

    @staticmethod
    def _ensure(path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        return path

    def ensure_data(self) -> Path:
        """The data dir, created if missing (journal database, paper state).

        It holds the order journal, so it is owner-only (0700): created so, and an
        existing one that others can read is narrowed, with one warning when that
        happens (on Windows the per-user profile's ACL does this job)."""
        return _owner_only(self.data, "data directory")

    def ensure_config(self) -> Path:
        """The config dir, created if missing (settings; never secrets)."""
        return self._ensure(self.config)

    def ensure_logs(self) -> Path:
        """The logs dir, created if missing; owner-only like the data dir (the log names
        venues, symbols and orders, even though secrets are redacted from it)."""
        return _owner_only(self.logs, "log directory")

    def ensure_cache(self) -> Path:
        """The cache dir, created if missing (things that may be deleted any time)."""
        return self._ensure(self.cache)

    def all_dirs(self) -> tuple[Path, ...]:
        return (self.data, self.config, self.logs, self.cache)


def narrow_mode(path: Path, mode: int) -> int | None:
    """chmod `path` to `mode` when group or others have any access: the old mode bits
    when it was changed, None when it was fine (or on Windows, where the per-user
    profile's ACL does this job). OSError when it cannot be read or changed."""
    if os.name == "nt":
        return None
    current = stat.S_IMODE(os.stat(path).st_mode)
    if not current & 0o077:
        return None
    os.chmod(path, mode)
    return current


def _owner_only(path: Path, what: str) -> Path:
    """Create `path` as 0700, or narrow an existing one that others can read (one
    warning when that happens)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        old = narrow_mode(path, 0o700)
    except OSError as exc:
        log.warning("cannot make the %s %s owner-only: %s", what, path, exc)
    else:
        if old is not None:
            log.warning("%s %s made accessible by you only (was %04o)", what, path, old)
    return path
