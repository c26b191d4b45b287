"""The one place where core callbacks become Qt signals.

The core (order service, testnet lock, emergency stop, reconciliation, notices) knows
nothing of Qt: it offers `subscribe(callback) -> unsubscribe` style hooks. The bridge
registers a tiny callback on each that only *queues* the value onto the GUI thread
(a queued Qt connection); the public signals are then emitted from the event loop, after
the core's own notify loop has returned. So:

- a slow or failing view never runs inside the order pipeline (no re-entrancy: a slot
  may call back into the core safely);
- callbacks from other threads (the journal's writer thread) are safe: queued delivery
  is Qt's thread hand-off;
- views do not repaint per message: market data never passes through here at all
  (panels pull the latest state from the core on the frame timer); an order event only
  bumps the order tables' version for the next frame and feeds the notifications.

`close()` unregisters everything (shutdown, tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Subscribe = Callable[[Callable[[Any], Any]], Callable[[], None]]


class CoreBridge(QObject):
    safety_changed = Signal(object)  # SafetySnapshot (lock + stop)
    lock_changed = Signal(object)  # LockSnapshot
    stop_changed = Signal(object)  # StopSnapshot
    order_changed = Signal(object)  # the order service's change value (order + event)
    reconciliation_changed = Signal(object)  # reconciliation status/result
    entry_changed = Signal(object)  # entry readiness per venue changed
    notice = Signal(object)  # a core notice (level, text, ...) for the notifications panel

    _relay = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._removers: list[Callable[[], None]] = []
        self._closed = False
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def forward(self, subscribe: Subscribe, name: str) -> None:
        """Register on a core hook; each value it reports is emitted as signal `name`, queued."""
        if name not in SIGNALS:
            raise ValueError(f"not a bridge signal: {name!r}")

        def callback(value: Any = None) -> None:
            if not self._closed:
                self._relay.emit(name, value)

        remover = subscribe(callback)
        if callable(remover):
            self._removers.append(remover)

    @Slot(str, object)
    def _deliver(self, name: str, value: Any) -> None:
        if self._closed:
            return
        getattr(self, name).emit(value)

    def close(self) -> None:
        self._closed = True
        removers, self._removers = self._removers, []
        for remove in removers:
            try:
                remove()
            except Exception:
                log.exception("Could not unsubscribe a bridge callback")


SIGNALS = frozenset(
    {
        "safety_changed",
        "lock_changed",
        "stop_changed",
        "order_changed",
        "reconciliation_changed",
        "entry_changed",
        "notice",
    }
)
