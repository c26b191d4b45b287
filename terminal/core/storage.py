"""What a journal raises when its storage fails, so the core can tell the user what
happened to the order instead of a traceback (and never invite a second send)."""

from __future__ import annotations


class JournalWriteFailed(Exception):
    """The journal could not store a record: disk full, read-only disk, I/O error.

    Nothing of that write is stored (SQLite rolls the transaction back). `reason` is a
    short text for people, e.g. "disk full".
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the journal could not record it: {reason}")
