"""Cancel commands: one order, a re-send after a query, every order of a session.

A cancel journals its request (CancelRequested) before the venue hears of it. A reply
that never comes leaves the order UNKNOWN (its reason starts with "cancel: ") for the
outcome settler; a cancel is sent again only after a query showed the order still open,
and never while a cancel of it is on its way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from terminal.core.callbacks import Callbacks
from terminal.core.errors import OrderNotFoundError, VenueError
from terminal.core.orders.errors import NotSent, SentNotJournaled, UnknownOrder
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.outcomes import REFUSED_BEFORE_ACTING, reason_of
from terminal.core.orders.settle import OutcomeSettler
from terminal.core.orders.tracker import OrderTracker
from terminal.core.ports import ExchangePort
from terminal.core.storage import JournalWriteFailed
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.order import (
    RESTING_STATUSES,
    CancelRejected,
    CancelRequested,
    EventSource,
    Order,
    OrderCanceled,
    OrderStatus,
    OutcomeUnknown,
)
from terminal.domain.reports import OrderReport
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)
_RESTING = RESTING_STATUSES
# The reason of an order whose cancel got no answer starts with this: after a restart it
# still says that the user asked for the cancel (reconciliation sends it again when the
# venue lists the order open).
CANCEL_OUTCOME_UNKNOWN = "cancel: "


class CancelHost(Protocol):
    """What the cancel commands use of the order service: public methods only."""

    @property
    def tracker(self) -> OrderTracker: ...
    @property
    def journal(self) -> OrderJournal: ...
    @property
    def order_changed(self) -> Callbacks[Order]: ...
    def require_session(self, key: SessionKey) -> ExchangePort: ...
    async def absorb_report(
        self, order: Order, report: OrderReport, source: EventSource
    ) -> None: ...


class CancelCommands:
    def __init__(self, host: CancelHost, settler: OutcomeSettler) -> None:
        self._host = host
        self._settler = settler
        self._cancel_wanted: set[ClientOrderId] = set()
        self._cancels_in_flight: set[ClientOrderId] = set()  # awaiting the venue's reply

    def requested(self, client_order_id: ClientOrderId) -> bool:
        """The user asked to cancel that order in this process (not yet final)."""
        return client_order_id in self._cancel_wanted

    def forget(self, client_order_id: ClientOrderId) -> None:
        self._cancel_wanted.discard(client_order_id)

    async def cancel_one(self, client_order_id: ClientOrderId) -> Order:
        """Cancel one order (allowed even while entry is closed or stopped)."""
        order = await self._host.tracker.load(client_order_id)
        if order is None:
            raise UnknownOrder(f"no order {client_order_id} in the journal")
        if order.is_final:
            return order.copy()
        session = self._host.require_session(order.session)
        self._cancel_wanted.add(order.client_order_id)
        if order.status is OrderStatus.PENDING_SUBMIT:
            # In flight: the submit path cancels it as soon as it is acknowledged.
            return order.copy()
        try:
            await self._host.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
        except JournalWriteFailed as exc:
            raise NotSent("cancel request", exc.reason) from exc
        try:
            await self.send(session, order)
        except JournalWriteFailed as exc:
            self._host.order_changed.emit(order.copy())
            raise SentNotJournaled(order.copy(), exc.reason, "cancel") from exc
        return order.copy()

    def wanted(self, order: Order) -> bool:
        """Whether the user asked to cancel `order` and it may still rest: asked in this
        process, journaled as PENDING_CANCEL, or a cancel whose reply never came."""
        return not order.is_final and (
            order.client_order_id in self._cancel_wanted
            or order.status is OrderStatus.PENDING_CANCEL
            or (
                order.status is OrderStatus.UNKNOWN
                and order.reason.startswith(CANCEL_OUTCOME_UNKNOWN)
            )
        )

    def in_flight(self, client_order_id: ClientOrderId) -> bool:
        """A cancel of that order was sent and its reply has not come yet."""
        return client_order_id in self._cancels_in_flight

    async def resend(self, order: Order) -> Order:
        """Send the cancel of `order` again: only for a cancel whose outcome was settled
        by a query that shows the order still open, and never while one is on its way
        (that one's reply settles it)."""
        session = self._host.require_session(order.session)
        self._cancel_wanted.add(order.client_order_id)
        if order.is_final or self.in_flight(order.client_order_id):
            return order.copy()
        if order.status in _RESTING:
            await self._host.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
        await self.send(session, order)
        return order.copy()

    async def send(self, session: ExchangePort, order: Order) -> None:
        coid = order.client_order_id
        if coid in self._cancels_in_flight:
            return  # the cancel on its way settles it; a second one adds nothing
        self._cancels_in_flight.add(coid)
        try:
            try:
                report = await session.cancel_order(order)
            finally:
                self._cancels_in_flight.discard(coid)
        except OrderNotFoundError as exc:
            # "Unknown order": already filled, canceled or never there. Ask, don't guess.
            await self._settler.after_cancel_miss(session, order, reason_of(exc))
        except REFUSED_BEFORE_ACTING as exc:
            await self._host.tracker.apply(
                order, [CancelRejected(reason=reason_of(exc), source=EventSource.REST)]
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, VenueError):
                log.exception("cancel_order for %s failed unexpectedly", order.client_order_id)
            await self._host.tracker.apply(
                order,
                [
                    OutcomeUnknown(
                        reason=CANCEL_OUTCOME_UNKNOWN + reason_of(exc), source=EventSource.LOCAL
                    )
                ],
            )
            self._settler.start(order)
        else:
            if report is not None:
                await self._host.absorb_report(order, report, EventSource.REST)
            if not order.is_final:
                await self._host.tracker.apply(order, [OrderCanceled(source=EventSource.REST)])
        if order.is_final:
            self._cancel_wanted.discard(order.client_order_id)

    async def cancel_all(self, key: SessionKey, symbol: Symbol | None = None) -> list[Order]:
        """Cancel every open order of session `key` (for one symbol, or all), including
        orders on its account this terminal did not place. Returns the touched orders."""
        session = self._host.require_session(key)
        venue = key.venue
        targets = {
            o.client_order_id: o
            for o in self._host.tracker.live(key)
            if symbol is None or o.symbol == symbol
        }
        for stored in await self._host.journal.open_orders(key.venue, key.account):
            if stored.session == key and (symbol is None or stored.symbol == symbol):
                order = self._host.tracker.track(stored)
                targets.setdefault(order.client_order_id, order)
        symbols = {o.symbol for o in targets.values()}
        if symbol is not None:
            symbols.add(symbol)
        else:
            try:
                symbols |= {r.symbol for r in await session.fetch_open_orders()}
            except VenueError as exc:
                log.warning("%s: listing open orders for cancel-all failed: %s", venue, exc)
        for order in targets.values():
            self._cancel_wanted.add(order.client_order_id)
            if order.status in _RESTING:
                await self._host.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
        for sym in sorted(symbols):
            mine = [o for o in targets.values() if o.symbol == sym and not o.is_final]
            if session.has_cancel_all:
                try:
                    reports = await session.cancel_all_orders(sym)
                except OrderNotFoundError:
                    reports = []
                except VenueError as exc:
                    log.warning(
                        "%s: cancel-all %s failed (%s); cancelling one by one", venue, sym, exc
                    )
                    await self._cancel_each(session, mine)
                    continue
                for report in reports:
                    found = await self._host.tracker.find(
                        key, report.client_order_id, report.venue_order_id
                    )
                    if found is None:
                        found = await self._host.tracker.adopt(key, report, EventSource.REST)
                    else:
                        await self._host.absorb_report(found, report, EventSource.REST)
                    if found is not None:
                        targets[found.client_order_id] = found
                # whatever the reply did not mention: ask the venue one by one
                for order in mine:
                    if not order.is_final and order.status is not OrderStatus.PENDING_SUBMIT:
                        await self._settler.after_cancel_miss(
                            session, order, "not in cancel-all reply"
                        )
            else:
                await self._cancel_each(session, mine)
        for order in targets.values():
            if order.is_final:
                self._cancel_wanted.discard(order.client_order_id)
        return [o.copy() for o in targets.values()]

    async def _cancel_each(self, session: ExchangePort, orders: list[Order]) -> None:
        for order in orders:
            if order.status in (OrderStatus.PENDING_CANCEL, OrderStatus.UNKNOWN, *_RESTING):
                await self.send(session, order)
