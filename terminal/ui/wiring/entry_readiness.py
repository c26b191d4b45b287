"""Order entry readiness in the window: the conditions the entry gate reads, and the
latest readiness it delivered.

The order service's entry gate (terminal.core.orders.entry) owns "may this session take
orders now" and emits an `EntryReadiness` when the answer changes. This wiring adds the
window's conditions to it (testnet lock and emergency stop, the venue's circuit breaker,
the freshness of the shown market's book), asks it to re-read them when the safety state,
the session or the market changes and once a second (the clock: a book turns stale with
time), and keeps the latest readiness delivered for the active session. The ticket and
the status bar are set when it changes; the price ladder, the hotkeys and chart trading
read `block_reason()`, never recomputing it per frame.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QTimer

from terminal.core.marketstate import FeedKind, FeedStatus, MarketState
from terminal.core.orders.entry import EntryReadiness
from terminal.core.orders.service import OrderService
from terminal.core.policy import BreakerState
from terminal.core.safety.state import SafetyState
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)

# The entry gate's clock: conditions that age (a stale book, a breaker's countdown) are
# re-read this often; changes of the lock, stop, session or market come at once.
ENTRY_CLOCK_MS = 1000


class Trading(Protocol):
    """What this wiring reads of the trading wiring."""

    session: SessionKey | None
    orders: OrderService
    safety: SafetyState
    state: MarketState
    market: Any  # MarketWiring: its `active` market
    panels: Any  # Panels: the ticket
    window: Any  # MainWindow: the status bar's entry line


class EntryReadinessWiring:
    def __init__(self, trading: Trading) -> None:
        self.trading = trading
        self.readiness: EntryReadiness | None = None  # the active session's, as delivered
        gate = trading.orders.entry
        self._unwire = [
            gate.changed.add(self._readiness_changed),
            gate.add_condition(self._safety_reason),
            gate.add_condition(self._breaker_reason),
            gate.add_condition(self._feed_reason),
            trading.safety.changed.add(lambda _snapshot: gate.refresh()),
        ]
        self._clock = QTimer(trading.window)
        self._clock.setInterval(ENTRY_CLOCK_MS)
        self._clock.timeout.connect(lambda: gate.refresh())
        self._clock.start()

    def activate(self, session: SessionKey) -> None:
        """Another session or market is shown: re-read, and show its readiness."""
        gate = self.trading.orders.entry
        gate.refresh()  # the feed condition follows the market shown
        self._show(gate.watch(session))

    def block_reason(self) -> str | None:
        """The latest delivered reason for the active session (None: it may send)."""
        session = self.trading.session
        readiness = self.readiness
        if session is None or readiness is None or readiness.session != session:
            return "no venue connected"
        return readiness.reason

    def _safety_reason(self, key: SessionKey) -> str | None:
        refusal = self.trading.safety.gate.entry_refusal(key.venue, key.mode, key.account)
        return refusal.message if refusal is not None else None

    def _breaker_reason(self, key: SessionKey) -> str | None:
        port = self.trading.orders.session(key)
        breaker = getattr(getattr(port, "policy", None), "breaker", None)
        if breaker is None or breaker.state is not BreakerState.OPEN:
            return None
        return (
            f"{key.venue} circuit breaker open after repeated failures "
            f"(retry in {breaker.retry_after():.0f} s)"
        )

    def _feed_reason(self, key: SessionKey) -> str | None:
        """The market shown must have a live book to trade on it (the active session)."""
        active = self.trading.market.active
        if key != self.trading.session or active is None:
            return None
        book = active.key(FeedKind.BOOK)
        status = self.trading.state.feed_status(book)
        # what greys the book (ui/wiring/market.py): not live after it had data. A stall
        # is STALE only until the feed subscribes again (CONNECTING), which can fall
        # between two ticks of the gate's clock; the book is no more current meanwhile.
        if status not in (None, FeedStatus.LIVE) and self.trading.state.item_version(book) > 0:
            return f"the {active.symbol} order book is {status.value}: prices are not current"
        return None

    def _readiness_changed(self, readiness: EntryReadiness) -> None:
        if readiness.session == self.trading.session:
            self._show(readiness)

    def _show(self, readiness: EntryReadiness) -> None:
        """The ticket and the status bar follow the active session's readiness."""
        before = self.readiness
        self.readiness = readiness
        if before is not None and before == readiness:
            return
        reason = readiness.reason
        log.info("order entry %s", f"disabled: {reason}" if reason else "enabled")
        self.trading.panels.entry.set_entry_blocked(reason)
        self.trading.window.entry_status.setText(
            f"Order entry disabled: {reason}" if reason else ""
        )
