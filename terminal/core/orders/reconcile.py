"""Reconciliation of the journal with one venue, at start-up and after a stream reconnect.

Per venue:
1. every journal order not in a final state is queried by client order id and brought
   in line with the venue's answer (an order the venue never saw, after the bounded
   "not found" retries, is marked REJECTED; it is never sent again);
2. open orders on the venue that the journal does not know are adopted, marked external;
3. fills since the last known fill are fetched and applied (or stored, for orders that
   are not in the journal).
Order entry for the venue stays closed until this has finished. The result is returned
for the UI, handed to the `reconciled` listeners and journaled as a safety event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from terminal.core.callbacks import Callbacks
from terminal.core.errors import OrderNotFoundError, VenueError
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.tracker import OrderTracker, fill_event_at
from terminal.core.policy import Backoff
from terminal.core.ports import ExchangePort
from terminal.core.retry import retry_until
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.money import format_decimal
from terminal.domain.order import RESTING_STATUSES, EventSource, Order, OrderStatus
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import SessionKey


class ReconcileService(Protocol):
    """What reconciliation uses of the order service: public methods only."""

    @property
    def tracker(self) -> OrderTracker: ...
    @property
    def journal(self) -> OrderJournal: ...
    @property
    def policy(self) -> OrderPolicy: ...
    @property
    def reconciled(self) -> Callbacks[Any]: ...
    def entry_block_reason(self, key: SessionKey) -> str | None: ...
    def set_entry_block(self, key: SessionKey, reason: str | None) -> None: ...
    async def settle(self, client_order_id: ClientOrderId, source: EventSource = ...) -> Order: ...
    async def absorb_report(
        self, order: Order, report: OrderReport, source: EventSource
    ) -> None: ...
    def cancel_wanted(self, order: Order) -> bool: ...
    def cancel_in_flight(self, client_order_id: ClientOrderId) -> bool: ...
    async def resend_cancel(self, order: Order) -> Order: ...


log = logging.getLogger(__name__)
SOURCE = EventSource.RECONCILIATION
FILL_LOOKBACK_MS = 7 * 24 * 3600 * 1000  # symbols traded in the last week are checked
PAGE_HINT = 100  # a trades answer this long may be one page of more
MAX_FILL_PAGES = 50


@dataclass
class ReconcileResult:
    session: SessionKey
    settled: list[str] = field(default_factory=list)  # "coid: old -> new"
    confirmed: list[str] = field(default_factory=list)  # still open, as journaled
    adopted: list[str] = field(default_factory=list)  # "coid (venue id): symbol side amount"
    unknown: list[str] = field(default_factory=list)  # "coid: why"
    fills_applied: int = 0
    fills_recorded: int = 0  # fills of orders not in the journal
    error: str | None = None
    duration_s: float = 0.0

    @property
    def venue(self) -> VenueId:
        return self.session.venue

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        if self.error:
            return f"{self.session}: reconciliation failed: {self.error}"
        return (
            f"{self.session}: {len(self.settled)} settled, {len(self.adopted)} adopted, "
            f"{len(self.unknown)} still unknown, {len(self.confirmed)} open as journaled, "
            f"{self.fills_applied} fill(s) applied, {self.fills_recorded} other fill(s) "
            f"recorded ({self.duration_s:.1f} s)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "session": self.session.label,
            "settled": self.settled,
            "confirmed": self.confirmed,
            "adopted": self.adopted,
            "unknown": self.unknown,
            "fills_applied": self.fills_applied,
            "fills_recorded": self.fills_recorded,
            "error": self.error,
            "duration_s": round(self.duration_s, 3),
        }


class Reconciler:
    def __init__(self, service: ReconcileService, session: ExchangePort) -> None:
        self.service = service
        self.session = session
        self.venue = session.venue
        self.key = session.key
        self.tracker = service.tracker
        self.journal = service.journal
        self.result = ReconcileResult(self.key)

    async def run(self, close_entry: bool = True) -> ReconcileResult:
        service, key = self.service, self.key
        if close_entry:
            service.set_entry_block(key, f"reconciling orders with {key}")
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._run(), service.policy.reconcile_timeout_s)
        except TimeoutError:
            self.result.error = f"timed out after {service.policy.reconcile_timeout_s:.0f} s"
        except VenueError as exc:
            self.result.error = str(exc) or type(exc).__name__
        self.result.duration_s = time.monotonic() - started
        if self.result.ok:
            if service.entry_block_reason(key) is not None or close_entry:
                service.set_entry_block(key, None)
        else:
            service.set_entry_block(key, f"reconciliation with {key} failed: {self.result.error}")
        try:
            await self.journal.record_safety_event("reconciliation", self.result.as_dict())
        except Exception:
            log.exception("journaling the reconciliation result failed")
        log.info("%s", self.result.summary())
        service.reconciled.emit(self.result)
        return self.result

    async def _run(self) -> None:
        touched: set[Symbol] = set()
        for stored in await self.journal.open_orders(self.venue, self.session.account):
            if stored.session != self.key:
                continue  # another environment or market type of this venue and account
            order = self.tracker.track(stored)
            if order.is_final:  # the cached instance already knows better
                continue
            touched.add(order.symbol)
            await self._settle_one(order)
        await self._adopt_unknown_open_orders(touched)
        await self._fetch_fills(touched)

    async def _settle_one(self, order: Order) -> None:
        before = order.status
        coid = order.client_order_id
        cancel_wanted = self.service.cancel_wanted(order)  # before the venue's answer
        try:
            report = await self._query(order)
        except OrderNotFoundError:
            if order.venue_order_id is None and order.status in (
                OrderStatus.PENDING_SUBMIT,
                OrderStatus.UNKNOWN,
            ):
                await self.service.settle(coid, SOURCE)  # bounded not-found retries
            else:
                self.result.unknown.append(
                    f"{coid}: acknowledged before, but {self.venue} no "
                    "longer knows its client order id"
                )
                return
        else:
            await self.service.absorb_report(order, report, SOURCE)
            still_open = report.status in RESTING_STATUSES and not order.is_final
            if cancel_wanted and still_open:
                if self.service.cancel_in_flight(coid):
                    # its reply settles it; the venue may simply not have acted yet
                    self.result.confirmed.append(f"{coid}: cancel on its way")
                    return
                # Settled by the query: the cancel never took effect (lost before the
                # venue acted, or the process ended first). The user's intent stands.
                self.service.tracker.notice(
                    "info",
                    f"Order {coid}: {self.venue} still lists it open after a cancel "
                    "that got no answer; cancelling it again.",
                )
                await self.service.resend_cancel(order)
        if order.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT):
            self.result.unknown.append(f"{coid}: still {order.status.value}")
        elif order.status != before:
            self.result.settled.append(f"{coid}: {before.value} -> {order.status.value}")
        else:
            self.result.confirmed.append(f"{coid}: {order.status.value}")

    async def _query(self, order: Order):  # type: ignore[no-untyped-def]
        """fetch_order (a read) tried up to 4 times on venue errors, 0.2 s apart and
        doubling; "not found" and the last error are raised as they are."""
        return await retry_until(
            lambda: self.session.fetch_order(order.client_order_id, order.symbol),
            backoff=Backoff(base=0.2, cap=1.6, jitter=0.0),
            retry_on=(VenueError,),
            give_up=lambda exc, attempt: isinstance(exc, OrderNotFoundError) or attempt >= 4,
        )

    async def _adopt_unknown_open_orders(self, touched: set[Symbol]) -> None:
        for report in await self.session.fetch_open_orders():
            touched.add(report.symbol)
            order = await self.tracker.find(self.key, report.client_order_id, report.venue_order_id)
            if order is not None:
                if order.is_final:
                    self.result.unknown.append(
                        f"{order.client_order_id}: journal says {order.status.value}, "
                        f"{self.venue} lists it open"
                    )
                continue
            adopted = await self.tracker.adopt(self.key, report, SOURCE)
            if adopted is not None:
                self.result.adopted.append(
                    f"{adopted.client_order_id} ({adopted.venue_order_id}): {adopted.symbol} "
                    f"{adopted.side.value} {format_decimal(adopted.amount)}"
                    f"{' @ ' + format_decimal(adopted.price) if adopted.price is not None else ''}"
                )

    async def _fetch_fills(self, touched: set[Symbol]) -> None:
        now_ms = int(time.time() * 1000)
        symbols = set(touched)
        symbols |= set(await self.journal.known_symbols(self.venue, now_ms - FILL_LOOKBACK_MS))
        for symbol in sorted(symbols):
            if symbol not in self.session.markets:
                continue
            since = await self.journal.last_fill_ms(self.venue, symbol)
            seen: set[str] = set()
            for _page in range(MAX_FILL_PAGES):
                trades = await self.session.fetch_my_trades(symbol, since_ms=since)
                fresh = [t for t in trades if t.trade_id not in seen]
                for fill in fresh:
                    seen.add(fill.trade_id)
                    await self._apply_fill(fill)
                # A venue answers one page (Binance: 500 by default). Only a full-looking
                # page is followed, from its newest trade on ("since" is inclusive, so
                # that one repeats and is skipped).
                newest = max((t.timestamp_ms or 0 for t in trades), default=0)
                if not fresh or len(trades) < PAGE_HINT or (since is not None and newest <= since):
                    break
                since = newest

    async def _apply_fill(self, fill: FillReport) -> None:
        order = await self.tracker.find(self.key, fill.client_order_id, fill.venue_order_id)
        if order is None:
            if await self.journal.record_fill(self.key, fill):
                self.result.fills_recorded += 1
            return
        if fill.trade_id in order.trade_ids:
            return
        before = order.status
        if await self.tracker.apply(order, [fill_event_at(fill, SOURCE)]):
            self.result.fills_applied += 1
            if order.status != before:
                self.result.settled.append(
                    f"{order.client_order_id}: {before.value} -> {order.status.value} (fills)"
                )
