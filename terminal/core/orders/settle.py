"""The outcome settler: one place that settles orders whose outcome is unknown.

Place, cancel and amend alike leave an order UNKNOWN when the venue's reply is lost
(timeout, 5xx, cut connection). The settler asks the venue by client order id, with
bounded retries and backoff, and applies what it answers; it never sends anything again
itself (the cancel path re-sends a cancel only after a query showed the order open).
After `unknown_not_found_limit` "not found" answers an order the venue never
acknowledged is marked REJECTED: it never reached the venue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from terminal.core.errors import OrderNotFoundError, VenueError
from terminal.core.orders.errors import UnknownOrder
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.tracker import OrderTracker
from terminal.core.ports import ExchangePort
from terminal.domain.ids import ClientOrderId
from terminal.domain.order import (
    CancelRejected,
    EventSource,
    Order,
    OrderRejected,
    OrderStatus,
)
from terminal.domain.reports import OrderReport
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)


class SettleHost(Protocol):
    """What the settler uses of the order service: public methods only."""

    @property
    def tracker(self) -> OrderTracker: ...
    @property
    def journal(self) -> OrderJournal: ...
    @property
    def policy(self) -> OrderPolicy: ...
    def session(self, key: SessionKey) -> ExchangePort | None: ...
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...
    async def absorb_report(
        self, order: Order, report: OrderReport, source: EventSource
    ) -> None: ...
    async def after_ack(self, order: Order) -> None: ...
    def cancel_requested(self, client_order_id: ClientOrderId) -> bool: ...


class OutcomeSettler:
    """Settles unknown outcomes by query; `wait_settled` waits for a running settle."""

    def __init__(self, host: SettleHost) -> None:
        self._host = host
        self._settling: dict[ClientOrderId, asyncio.Task[Any]] = {}

    def start(self, order: Order) -> asyncio.Task[Any]:
        task = self._settling.get(order.client_order_id)
        if task is None or task.done():
            task = self._host.spawn(
                self.settle(order.client_order_id), f"settle-{order.client_order_id}"
            )
            self.register(order.client_order_id, task)
        return task

    def register(self, client_order_id: ClientOrderId, task: asyncio.Task[Any]) -> None:
        """`wait_settled(client_order_id)` waits for `task` until it is done."""
        self._settling[client_order_id] = task

        def done(t: asyncio.Task[Any]) -> None:
            if self._settling.get(client_order_id) is t:
                del self._settling[client_order_id]

        task.add_done_callback(done)

    async def wait_settled(
        self, client_order_id: ClientOrderId, timeout: float = 30.0
    ) -> Order | None:
        """Wait (bounded) for a running settle of that order; the order afterwards."""
        task = self._settling.get(client_order_id)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout)
        order = await self._host.tracker.load(client_order_id)
        return order.copy() if order else None

    async def settle(
        self, client_order_id: ClientOrderId, source: EventSource = EventSource.QUERY
    ) -> Order:
        """Ask the venue about an order whose outcome is unknown, by client order id.

        Bounded retries with backoff. After `unknown_not_found_limit` "not found"
        answers an order the venue never acknowledged is marked REJECTED (it never
        reached the venue); nothing is ever sent again from here.
        """
        order = await self._host.tracker.load(client_order_id)
        if order is None:
            raise UnknownOrder(client_order_id)
        p = self._host.policy
        delay, not_found = p.unknown_query_backoff_s, 0
        for _attempt in range(p.unknown_query_max_attempts):
            if order.status not in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT):
                break
            session = self._host.session(order.session)
            if session is None:
                break
            try:
                report = await session.fetch_order(order.client_order_id, order.symbol)
            except OrderNotFoundError:
                not_found += 1
                if not_found >= p.unknown_not_found_limit:
                    if order.venue_order_id is None:
                        await self._host.tracker.apply(
                            order,
                            [
                                OrderRejected(
                                    reason=f"not found on {order.venue} after {not_found} "
                                    "queries by client order id: never reached the venue",
                                    source=source,
                                )
                            ],
                        )
                    else:
                        self._host.tracker.notice(
                            "error",
                            f"Order {order.client_order_id} "
                            f"(venue id {order.venue_order_id}) is no longer "
                            f"known to {order.venue}; left UNKNOWN.",
                        )
                    break
            except VenueError as exc:
                log.info("query of %s failed (%s); will retry", order.client_order_id, exc)
            else:
                await self._host.absorb_report(order, report, source)
                if self._host.cancel_requested(order.client_order_id):
                    await self._host.after_ack(order)
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, p.unknown_query_backoff_max_s)
        return order

    async def after_cancel_miss(self, session: ExchangePort, order: Order, reason: str) -> None:
        try:
            report = await session.fetch_order(order.client_order_id, order.symbol)
        except OrderNotFoundError:
            if order.status is OrderStatus.UNKNOWN or order.venue_order_id is None:
                self.start(order)
            else:
                await self._host.tracker.apply(
                    order, [CancelRejected(reason=reason, source=EventSource.REST)]
                )
            return
        except VenueError:
            await self._host.tracker.apply(
                order, [CancelRejected(reason=reason, source=EventSource.REST)]
            )
            return
        await self._host.absorb_report(order, report, EventSource.QUERY)
        if not order.is_final:
            await self._host.tracker.apply(
                order, [CancelRejected(reason=reason, source=EventSource.REST)]
            )
