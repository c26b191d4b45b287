"""Is the journal file sound? SQLite's own checks, run before anything writes to it.

`quick_check` runs at every open (its cost grows with the file, about a second for
hundreds of megabytes); `full_check` (`trading-terminal journal check`) runs
`PRAGMA integrity_check`, which also compares every index with its table. Both read
through a read-only connection of the stdlib driver, so a damaged file is never
written to: no WAL mode switch, no checkpoint, no migration. A damaged journal is
refused with `JournalDamaged`, whose message says what to do.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from terminal.journal.errors import JournalError

MAX_PROBLEMS = 20
DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class JournalDamaged(JournalError):
    """The journal file failed SQLite's integrity check; nothing was written to it."""

    def __init__(self, path: Path, problems: list[str], check: str = "quick_check") -> None:
        self.path = Path(path)
        self.problems = problems
        first = problems[0] if problems else "unreadable"
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        super().__init__(
            f"the journal {path} is damaged (SQLite {check}: {first}{more}); it was left "
            f"untouched and no order can be placed with it. Keep it for recovery: move it "
            f"aside and start again for a new journal (reconciliation adopts the orders "
            f"still open on each venue), or put a backup in its place"
            + (
                " (`trading-terminal journal check` runs the full check)"
                if check == "quick_check"
                else ""
            )
        )


def _problems(path: Path, pragma: str) -> list[str]:
    """The check's findings ([] when sound); an unreadable file is one finding."""
    if not path.exists() or path.stat().st_size == 0:
        return []  # a new journal: SQLite treats an empty file as an empty database
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(DAMAGE_CODES):
            return [str(exc)]  # "file is not a database", "disk image is malformed"
        # Not damage: cannot open (a read-only disk without the -shm file), busy, I/O
        from terminal.journal.diskerrors import storage_reason

        why = storage_reason(exc, path.parent) or str(exc)
        raise JournalError(f"cannot read the journal {path}: {why}") from exc
    lines = []
    for (text,) in rows:
        for line in str(text).splitlines():
            line = line.strip()
            if line and line != "ok" and not line.startswith("*** in database"):
                lines.append(line)
    return lines


def quick_check(path: Path) -> list[str]:
    """`PRAGMA quick_check`: page structure and free lists, not index contents."""
    return _problems(Path(path), "quick_check")


def full_check(path: Path) -> list[str]:
    """`PRAGMA integrity_check`: everything `quick_check` sees, plus every index."""
    return _problems(Path(path), "integrity_check")


def refuse_if_damaged(path: Path) -> None:
    problems = quick_check(path)
    if problems:
        raise JournalDamaged(path, problems)
