"""Owner-only files: the journal holds every order of the account, so neither it nor
its companions (-wal, -shm, the lock file, backups) may be readable by other users.

New files are created 0600 (see `lock.py`; SQLite copies the database file's mode to
its -wal and -shm files). Files an older version created with wider bits are narrowed
at start, and the user is told once, when it happens.
"""

from __future__ import annotations

import logging
from pathlib import Path

from terminal.paths import narrow_mode

log = logging.getLogger(__name__)
COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock")


def narrow_to_owner(path: Path, mode: int = 0o600) -> int | None:
    """chmod `path` to `mode` when group or others have any access; the old mode
    bits when it was changed, None when it was fine, missing or cannot be changed."""
    try:
        return narrow_mode(path, mode)
    except OSError:
        return None


def secure_journal_files(database: Path) -> list[str]:
    """Narrow the journal and its companion files; one warning naming what changed."""
    changed = []
    for suffix in COMPANIONS:
        path = database.with_name(database.name + suffix)
        old = narrow_to_owner(path)
        if old is not None:
            changed.append(f"{path.name} (was {old:04o})")
    if changed:
        log.warning(
            "journal files made readable by you only: %s in %s", ", ".join(changed), database.parent
        )
    return changed
