"""The write-ahead order journal: SQLAlchemy Core on SQLite (WAL) by default.

`SqlJournal` implements `terminal.core.ports.JournalPort`; every write is committed on
one dedicated writer thread before the awaiting coroutine resumes, so the event loop
never blocks on disk and nothing is acknowledged that is not on disk.
"""

from terminal.journal.lock import JournalLock, JournalLockedError
from terminal.journal.store import JournalError, SqlJournal, default_journal_url

__all__ = [
    "JournalError",
    "JournalLock",
    "JournalLockedError",
    "SqlJournal",
    "default_journal_url",
]
