"""Flatten: the emergency stop's optional second half for perpetual sessions. After the
open orders are cancelled, every position in scope is closed by a reduce-only market
order, so nothing it sends can open a position or add to one, whatever happened since
the positions were read.

Off by default: the stop only calls this when the user turned the option on (and
confirmed it separately). Each close order is journaled as an intent before it is sent
and its answer recorded, like any order. Positions are read again afterwards; what is
still open is tried again (bounded) and then reported, never hidden.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from terminal.core.errors import VenueError
from terminal.core.futures.actions import close_requests
from terminal.core.ports import JournalPort
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.order import EventSource, IllegalTransition, Order, OrderError
from terminal.domain.position import Position
from terminal.domain.reports import (
    FillReport,
    OrderReport,
    events_for_report,
    fill_event,
    missing_fill_amount,
)
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)


class FlattenPort(Protocol):
    key: SessionKey

    @property
    def markets(self) -> Mapping[Symbol, MarketRules]: ...

    async def fetch_positions(self, symbols: Iterable[str] | None = None) -> list[Position]: ...
    async def create_order(self, order: Order) -> OrderReport: ...
    async def fetch_my_trades(
        self, symbol: Symbol, since_ms: int | None = None
    ) -> list[FillReport]: ...


@dataclass
class FlattenResult:
    session: SessionKey
    sent: list[Order] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    remaining: list[Position] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.remaining and not self.failures

    def summary(self) -> str:
        if self.ok:
            return f"{self.session}: {len(self.sent)} position close(s) sent, no position left"
        left = ", ".join(f"{p.symbol} {p.side.value} {p.size}" for p in self.remaining)
        text = f"{self.session}: positions left: {left or 'none'}"
        if self.failures:
            text += f"; failed: {'; '.join(self.failures)}"
        return text


async def flatten_positions(
    port: FlattenPort,
    journal: JournalPort | None = None,
    *,
    symbols: Collection[str] | None = None,
    attempts: int = 3,
    pause_s: float = 0.5,
) -> FlattenResult:
    """Close every position of `port` (or of `symbols`) with reduce-only market orders."""
    result = FlattenResult(port.key)
    wanted = {Symbol(s) for s in symbols} if symbols is not None else None
    for attempt in range(max(1, attempts)):
        try:
            positions = [
                p for p in await port.fetch_positions() if wanted is None or p.symbol in wanted
            ]
        except VenueError as exc:
            result.failures.append(f"positions not read: {exc}")
            await asyncio.sleep(pause_s)
            continue
        result.remaining = positions
        if not positions:
            result.failures.clear()  # earlier tries that failed were made good
            return result
        if attempt == attempts - 1:
            break
        for position in positions:
            await _close(port, journal, position, result)
        await asyncio.sleep(pause_s)
    return result


async def _close(
    port: FlattenPort, journal: JournalPort | None, position: Position, result: FlattenResult
) -> None:
    rules = port.markets.get(position.symbol)
    (request,) = close_requests(port.key, position, step=rules.step_size if rules else None)
    order = Order.from_request(request)
    try:
        if journal is not None:
            await journal.record_intent(order)
        report = await port.create_order(order)
    except VenueError as exc:
        result.failures.append(f"{position.symbol} {position.side.value}: {exc}")
        return
    result.sent.append(order)
    if journal is None:
        return
    try:
        # a market order's reply may say "filled" without listing its trades: those are
        # read from the venue first, so the journal holds the fills, then the status
        if missing_fill_amount(order, report) > 0 and report.venue_order_id:
            since = int(order.created_at.timestamp() * 1000) - 60_000
            for fill in await port.fetch_my_trades(order.symbol, since_ms=since):
                if fill.venue_order_id == report.venue_order_id:
                    filled = fill_event(fill, EventSource.QUERY)
                    if order.apply(filled):
                        await journal.record_event(order, filled)
        for event in events_for_report(order, report, EventSource.REST):
            if order.apply(event):
                await journal.record_event(order, event)
    except (IllegalTransition, OrderError, VenueError) as exc:
        log.warning("flatten: %s not recorded in full: %s", order.client_order_id, exc)
