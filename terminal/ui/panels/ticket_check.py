"""The pre-trade check as the user types: the order service's own check on the ticket.

The ticket asks `Precheck(request, overrides)` (the service's `check`: market rules,
precautions, balance, the emergency stop and lock, double submit) a short while after
the last keystroke, on a single-shot timer of the event loop: never inside a paint,
never on every keystroke of a fast typist, and never blocking (the check is
synchronous, in memory, without I/O). What it refuses shows inline and disables Send
before the user asks for the confirmation; Send asks it once more, so the confirmation
never opens for an order the service would refuse.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from terminal.core.ports import Refusal
from terminal.domain.order import OrderRequest

# (request, overrides) -> the refusals the order service's check meets now.
Precheck = Callable[[OrderRequest, frozenset[str]], list[Refusal]]
# Quiet time after the last edit before the check runs: short enough to feel immediate,
# long enough that typing "0.0015" checks once, not six times.
DEBOUNCE_MS = 150


class LiveCheck(QObject):
    """Debounces the ticket's check: `schedule()` on every change, `run` once it settles.

    An edit by the user restarts the wait (typing is not finished); a change from the
    market (prices, balances) only starts it when none is waiting, so a stream of price
    ticks cannot postpone the check for ever."""

    def __init__(
        self, run: Callable[[], None], parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(run)

    def schedule(self, *, restart: bool) -> None:
        if restart or not self._timer.isActive():
            self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()

    @property
    def due(self) -> bool:
        """A check is waiting to run (the ticket changed since the last one)."""
        return self._timer.isActive()
