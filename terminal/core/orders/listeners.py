"""Qt-free observers of the order service: order changes, reconciliation, notices, entry.

A listener's exception is logged and swallowed: a broken view must never break the
order pipeline (the dispatcher of vn.py's event engine died on the first one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Callbacks(Generic[T]):
    def __init__(self, name: str) -> None:
        self._name = name
        self._items: list[Callable[[T], Any]] = []

    def add(self, callback: Callable[[T], Any]) -> Callable[[], None]:
        """Register `callback`; returns a function that removes it."""
        self._items.append(callback)

        def remove() -> None:
            if callback in self._items:
                self._items.remove(callback)

        return remove

    def emit(self, value: T) -> None:
        for callback in list(self._items):
            try:
                callback(value)
            except Exception:
                log.exception("%s listener %r failed", self._name, callback)
