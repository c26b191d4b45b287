"""The journal's named errors (one module, so every part of the journal can raise them)."""

from __future__ import annotations


class JournalError(RuntimeError):
    """The journal cannot be opened or used (bad URL, schema newer than this app...)."""
