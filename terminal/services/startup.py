"""What the GUI calls around the services' start: the exchange layer imported ahead in a
worker thread, and telling a journal held by another process from other failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


def preload_exchange_layer() -> None:
    """Import ccxt and the exchange layer (~1 s): the GUI does it in a worker thread, so
    its own thread keeps painting meanwhile."""
    import ccxt.async_support
    import ccxt.pro  # noqa: F401

    import terminal.exchange.connection_check
    import terminal.exchange.manager  # noqa: F401


def journal_held_elsewhere(exc: BaseException) -> bool:
    """`exc` says another process holds the journal (its single-writer lock)."""
    from terminal.journal import JournalLockedError

    return isinstance(exc, JournalLockedError)
