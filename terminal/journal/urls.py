"""Where the journal lives: its URL from flags and settings, its file, its lock file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import make_url

JOURNAL_FILE = "journal.sqlite"


def default_journal_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / JOURNAL_FILE}"


def journal_url_from(value: str | None, data_dir: Path, settings_url: str = "") -> str:
    """--journal PATH-or-URL, else the settings URL, else journal.sqlite in the data dir."""
    if value:
        return value if "://" in value else f"sqlite:///{Path(value).expanduser().resolve()}"
    if settings_url:
        return settings_url
    return default_journal_url(data_dir)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def lock_path_for(url: str, data_dir: Path) -> Path:
    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".lock")
    safe = make_url(url).render_as_string(hide_password=True)
    return Path(data_dir) / f"journal-{hashlib.sha1(safe.encode()).hexdigest()[:12]}.lock"


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<journal url>"
