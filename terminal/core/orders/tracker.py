"""The service's working set of orders: cache, per-order locks, apply-and-journal.

Every change to an order goes through `apply`: under the order's lock, each event is
applied through the domain's transition table and journaled (committed) before the next
one, and listeners hear about the result. An event the table refuses (a late stream
message after a local decision, say) is logged and reported as a notice, never forced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from terminal.core.callbacks import Callbacks
from terminal.core.orders.journal import OrderJournal
from terminal.domain.enums import HeldBy, TimeInForce
from terminal.domain.ids import ClientOrderId, VenueOrderId
from terminal.domain.order import (
    EventSource,
    IllegalTransition,
    Order,
    OrderAccepted,
    OrderArmed,
    OrderError,
    OrderEvent,
    OrderFilled,
    OrderStatus,
)
from terminal.domain.reports import FillReport, OrderReport, events_for_report, fill_event
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)

_UNACKED = (OrderStatus.PENDING_SUBMIT, OrderStatus.UNKNOWN)
_VENUE_OPEN = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def fill_event_at(fill: FillReport, source: EventSource) -> OrderFilled:
    """The fill as an event stamped with the venue's trade time (journal keeps it)."""
    event = fill_event(fill, source)
    return replace(event, at=ms_to_dt(fill.timestamp_ms)) if fill.timestamp_ms else event


def report_events(order: Order, report: OrderReport, source: EventSource) -> list[OrderEvent]:
    """`events_for_report`, with venue fill times, and an acceptance for an unacknowledged
    order the venue lists as open even when the report carries no venue order id."""
    events = events_for_report(order, report, source)
    times = {f.trade_id: f.timestamp_ms for f in report.fills if f.timestamp_ms}
    events = [
        replace(e, at=ms_to_dt(times[e.trade_id]))
        if isinstance(e, OrderFilled) and e.trade_id in times
        else e
        for e in events
    ]
    if (
        order.status in _UNACKED
        and report.status in _VENUE_OPEN
        and not any(isinstance(e, (OrderAccepted, OrderArmed)) for e in events)
    ):
        events.insert(0, OrderAccepted(venue_order_id=report.venue_order_id, source=source))
    elif (
        order.status in _UNACKED
        and report.status is OrderStatus.PENDING_TRIGGER
        and not any(isinstance(e, (OrderAccepted, OrderArmed)) for e in events)
    ):
        events.insert(0, OrderArmed(venue_order_id=report.venue_order_id, source=source))
    return events


class OrderTracker:
    def __init__(
        self,
        journal: OrderJournal,
        on_order: Callbacks[Order],
        on_notice: Callbacks[tuple[str, str]],
    ) -> None:
        self.journal = journal
        self._on_order = on_order
        self._on_notice = on_notice
        self._orders: dict[ClientOrderId, Order] = {}
        self._by_venue_id: dict[tuple[SessionKey, VenueOrderId], ClientOrderId] = {}
        self._locks: dict[ClientOrderId, asyncio.Lock] = {}

    # ---- the working set -------------------------------------------------------------
    def track(self, order: Order) -> Order:
        """Keep `order` (or return the instance already tracked under its id)."""
        known = self._orders.get(order.client_order_id)
        if known is not None:
            return known
        self._orders[order.client_order_id] = order
        self._index(order)
        return order

    def forget(self, order: Order) -> None:
        """Drop an order that never made it into the journal (its intent write failed)."""
        if self._orders.get(order.client_order_id) is order:
            del self._orders[order.client_order_id]
            self._locks.pop(order.client_order_id, None)

    def _index(self, order: Order) -> None:
        if order.venue_order_id:
            self._by_venue_id[(order.session, order.venue_order_id)] = order.client_order_id

    def cached(self, client_order_id: str) -> Order | None:
        return self._orders.get(ClientOrderId(client_order_id))

    def live(self, session: SessionKey | None = None) -> list[Order]:
        """Orders not final (of one session, or all)."""
        return [
            o
            for o in self._orders.values()
            if not o.is_final and (session is None or o.session == session)
        ]

    def all(self) -> list[Order]:
        return list(self._orders.values())

    def lock(self, order: Order) -> asyncio.Lock:
        lock = self._locks.get(order.client_order_id)
        if lock is None:
            lock = self._locks[order.client_order_id] = asyncio.Lock()
        return lock

    async def load(self, client_order_id: ClientOrderId) -> Order | None:
        order = self._orders.get(client_order_id)
        if order is None:
            stored = await self.journal.get_order(client_order_id)
            if stored is not None:
                order = self.track(stored)
        return order

    async def find(
        self,
        session: SessionKey,
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
    ) -> Order | None:
        """The order of `session` a venue message is about: by client id, else by venue
        id. An order of another session (another account or environment of the same
        venue) is never the answer."""
        if client_order_id:
            order = await self.load(client_order_id)
            if (
                order is not None
                and order.session == session
                and not (
                    venue_order_id
                    and order.venue_order_id
                    and order.venue_order_id != venue_order_id
                )
            ):
                return order  # (a different venue id: a reused client id, another order)
        if venue_order_id:
            coid = self._by_venue_id.get((session, venue_order_id))
            if coid is not None:
                return self._orders[coid]
            stored = await self.journal.find_by_venue_order_id(session, venue_order_id)
            if stored is not None and stored.session == session:
                return self.track(stored)
        return None

    # ---- changing orders ---------------------------------------------------------------
    async def apply(
        self, order: Order, events: Sequence[OrderEvent], payload: Mapping[str, Any] | None = None
    ) -> bool:
        async with self.lock(order):
            return await self.apply_locked(order, events, payload)

    async def apply_locked(
        self, order: Order, events: Sequence[OrderEvent], payload: Mapping[str, Any] | None = None
    ) -> bool:
        changed = False
        for event in events:
            try:
                did = order.apply(event)
            except IllegalTransition as exc:
                log.info(
                    "order %s: %s (from %s) ignored", order.client_order_id, exc, event.source.value
                )
                self.notice(
                    "warning",
                    f"Order {order.client_order_id}: venue reported "
                    f"{type(event).__name__} while {order.status.value}; kept "
                    f"{order.status.value}.",
                )
                continue
            except OrderError as exc:  # overfill or a malformed fill: money mismatch
                log.error("order %s: %s", order.client_order_id, exc)
                self.notice("error", f"Order {order.client_order_id}: {exc}")
                continue
            if did:
                await self.journal.record_event(order, event, payload)
                payload = None  # the payload excerpt goes with the first event only
                changed = True
        if changed:
            self._index(order)
            self._on_order.emit(order.copy())
        return changed

    async def apply_report(self, order: Order, report: OrderReport, source: EventSource) -> bool:
        """Bring `order` in line with a venue report (fills first, then the status)."""
        async with self.lock(order):
            events = report_events(order, report, source)
            return await self.apply_locked(order, events, report.raw)

    async def adopt(
        self,
        session: SessionKey,
        report: OrderReport,
        source: EventSource,
        *,
        external: bool = True,
    ) -> Order | None:
        """Journal an order the venue has and the journal does not: by default one this
        terminal never placed (marked external); `external=False` for the new order of
        a cancel-and-replace amend. It belongs to `session`."""
        venue = session.venue
        if report.side is None or report.type is None or report.amount is None:
            self.notice(
                "warning",
                f"{venue}: cannot adopt order {report.venue_order_id}: "
                "the venue report lacks side, type or amount",
            )
            return None
        coid = report.client_order_id
        if coid and await self.journal.get_order(coid) is not None:
            coid = None  # that id is taken in the journal (another venue, or reused)
        if not coid:
            coid = ClientOrderId(f"ext-{venue}-{report.venue_order_id}"[:64])
        order = Order(
            client_order_id=ClientOrderId(coid),
            venue=venue,
            symbol=report.symbol,
            side=report.side,
            type=report.type,
            amount=report.amount,
            price=report.price,
            time_in_force=report.time_in_force or TimeInForce.GTC,
            post_only=report.post_only,
            mode=session.mode,
            account=session.account,
            market=session.market,
            external=external,
            trigger_price=report.trigger_price,
            list_id=report.list_id,
            held_by=HeldBy.VENUE if (report.type.is_conditional or report.list_id) else None,
        )
        if report.timestamp_ms:
            order.created_at = order.updated_at = ms_to_dt(report.timestamp_ms)
        order = self.track(order)
        async with self.lock(order):
            await self.journal.record_intent(order)
            await self.apply_locked(order, report_events(order, report, source), report.raw)
        return order

    def notice(self, level: str, message: str) -> None:
        self._on_notice.emit((level, message))
