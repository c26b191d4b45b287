"""Callbacks: the one observer hub of the core (Qt-free).

Order changes, notices, reconciliation results, entry readiness, the testnet lock, the
emergency stop, the safety snapshot and market-state updates all tell their listeners
through a `Callbacks[T]`. A listener's exception is logged and swallowed: a broken view
must never break the order pipeline or the feed that called it. The UI turns these into
Qt signals in one place (terminal.ui.bridge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Callbacks(Generic[T]):
    """Listeners of one kind of event, each called with the event's value."""

    def __init__(self, name: str) -> None:
        self._name = name
        # a tuple, replaced on every change: emit iterates a snapshot without copying,
        # and a listener may add or remove listeners while it runs
        self._items: tuple[Callable[[T], Any], ...] = ()

    def add(self, callback: Callable[[T], Any]) -> Callable[[], None]:
        """Register `callback`; returns a function that removes it."""
        self._items = (*self._items, callback)

        def remove() -> None:
            self.remove(callback)

        return remove

    def remove(self, callback: Callable[[T], Any]) -> None:
        if callback in self._items:
            items = list(self._items)
            items.remove(callback)
            self._items = tuple(items)

    def emit(self, value: T) -> None:
        for callback in self._items:
            try:
                callback(value)
            except Exception:
                log.exception("%s listener %r failed", self._name, callback)

    def __len__(self) -> int:
        return len(self._items)
