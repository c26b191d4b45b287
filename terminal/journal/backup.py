"""A copy of the journal taken before its schema is migrated.

Made with SQLite's online backup API through a read-only connection (a consistent
copy that includes what is still in the -wal file), into a new owner-only file beside
the journal that never replaces an existing one:
`journal.sqlite.pre-0002-20260131T120000Z.bak` names the revision it was at and when.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from terminal.journal.errors import JournalError


def backup_before_migration(database: Path, revision: str) -> Path:
    """Copy `database` (schema `revision`) beside it; the new file's path."""
    database = Path(database)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(100):
        suffix = f"-{n}" if n else ""
        target = database.with_name(f"{database.name}.pre-{revision}-{stamp}{suffix}.bak")
        try:
            # created empty and owner-only first: SQLite keeps the mode of a file it opens
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - a hundred backups within one second
        raise JournalError(f"no free name for a backup of {database}")
    try:
        src = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        raise JournalError(
            f"the journal {database} was not migrated: its backup to {target.name} failed ({exc})"
        ) from exc
    return target
