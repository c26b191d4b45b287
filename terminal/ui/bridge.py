"""The one place where core callbacks become Qt signals.

The core (order service, safety state, reconciliation, notices) knows nothing of Qt: it
offers `Callbacks.add(callback) -> remove` style hooks (terminal.core.callbacks). The
bridge has one typed `Channel` per kind of event; `channel.forward(hook)` registers a
tiny callback that only *queues* the value onto the GUI thread (a queued Qt
connection), and `channel.connect(slot)` names the view method that paints it. So a
reader follows an event from its source to its painter by the channel's name:

    bridge.orders.forward(order_service.order_changed.add)   # source
    bridge.orders.connect(trading._order_changed)            # painter

and the type checker checks that both ends speak of the same type. Queuing means:

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
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from terminal.core.orders.reconcile import ReconcileResult
    from terminal.core.safety.state import SafetySnapshot
    from terminal.domain.order import Order

log = logging.getLogger(__name__)
T = TypeVar("T")

# what a core hook looks like: register a callback, get back a function that removes it
Hook = Callable[[Callable[[T], Any]], Callable[[], None] | None]


class _Relay(QObject):
    """Carries one channel's values from any thread to the GUI thread."""

    queued = Signal(object)
    delivered = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.closed = False
        self.queued.connect(self._pass_on, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _pass_on(self, value: object) -> None:
        if not self.closed:
            self.delivered.emit(value)


class Channel(Generic[T]):
    """One kind of core event on its way to the views, typed at both ends."""

    def __init__(self, name: str, parent: QObject) -> None:
        self.name = name
        self._relay = _Relay(parent)
        self._removers: list[Callable[[], None]] = []

    def forward(self, hook: Hook[T]) -> None:
        """Register on a core hook; each value it reports is delivered, queued."""
        relay = self._relay

        def callback(value: T) -> None:
            if not relay.closed:
                relay.queued.emit(value)

        remover = hook(callback)
        if remover is not None:
            self._removers.append(remover)

    def connect(self, slot: Callable[[T], object]) -> None:
        """Call `slot(value)` on the GUI thread for every value forwarded."""
        self._relay.delivered.connect(slot)

    def close(self) -> None:
        self._relay.closed = True
        removers, self._removers = self._removers, []
        for remove in removers:
            try:
                remove()
            except Exception:
                log.exception("Could not unsubscribe a %s callback", self.name)


class CoreBridge(QObject):
    """The channels from the core to the views."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # lock and emergency stop, as one snapshot (the status bar, the stop button)
        self.safety: Channel[SafetySnapshot] = Channel("safety", self)
        # an order changed (its copy): the order tables' version and fill notifications
        self.orders: Channel[Order] = Channel("order", self)
        # a core notice (level, text) for the notifications panel
        self.notices: Channel[tuple[str, str]] = Channel("notice", self)
        # a reconciliation finished (or failed and will be retried)
        self.reconciliation: Channel[ReconcileResult] = Channel("reconciliation", self)

    def close(self) -> None:
        for channel in (self.safety, self.orders, self.notices, self.reconciliation):
            channel.close()
