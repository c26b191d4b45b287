"""Placing an order: the pre-trade check, double-submit protection, the journaled
intent, the venue call and what its answer does to the order.

The pipeline (docs/architecture.md, "The order path"):

1. the gate runs first, synchronously, before any await (emergency stop, entry gate,
   testnet lock, precautions, market rules), then double-submit protection;
2. the intent, with a fresh client order id, is committed to the journal;
3. the exchange call carries that client order id;
4. every outcome (REST reply, user-stream event, query) is applied to the Order as
   domain events (the transition table of terminal.domain.order) and journaled.

A timeout, 5xx or network error leaves the order UNKNOWN: it is settled by a query by
client order id, a stream event or reconciliation, and never sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from terminal.core.errors import OutcomeUnknownError, VenueError
from terminal.core.orders.deps import OrderCore
from terminal.core.orders.errors import (
    EntryNotReady,
    NotSent,
    SentNotJournaled,
    SubmitRefused,
)
from terminal.core.orders.outcomes import REFUSED_BEFORE_ACTING, reason_of
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.tracker import fill_event_at
from terminal.core.ports import ExchangePort, Refusal
from terminal.core.storage import JournalWriteFailed
from terminal.domain.ids import ClientOrderId
from terminal.domain.money import format_decimal
from terminal.domain.order import (
    RESTING_STATUSES,
    EventSource,
    Order,
    OrderRejected,
    OrderRequest,
    OutcomeUnknown,
)
from terminal.domain.reports import FillReport, OrderReport, missing_fill_amount
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)
_REFUSED_BEFORE_ACTING = REFUSED_BEFORE_ACTING
_RESTING = RESTING_STATUSES
_reason = reason_of


class PlaceCore(OrderCore, Protocol):
    """What placing uses of the order service beyond the commands' common port."""

    @property
    def policy(self) -> OrderPolicy: ...
    def cancel_requested(self, client_order_id: ClientOrderId) -> bool: ...


class PlaceCommands:
    """Check, then place new orders (`OrderService.check` / `submit` delegate here)."""

    def __init__(self, service: PlaceCore) -> None:
        self._svc = service
        self._recent: dict[tuple[object, ...], float] = {}  # fingerprint -> monotonic time sent

    def check(
        self, request: OrderRequest, confirmed: frozenset[str] = frozenset()
    ) -> list[Refusal]:
        """Every refusal the ticket meets now (gate + double submit); nothing is sent."""
        blocked = self._svc.gate.submissions_blocked(request.session, request.symbol)
        if blocked:
            return [Refusal("emergency_stop", blocked)]
        request = self._normalise(request)
        refusals = [
            r
            for r in self._svc.gate.check(request, self._svc.context_for(request, confirmed))
            if not (r.overridable and r.rule in confirmed)
        ]
        duplicate = self._double_submit(request, confirmed)
        if duplicate is not None:
            refusals.append(duplicate)
        return refusals

    def _normalise(self, request: OrderRequest) -> OrderRequest:
        """The ticket as sent: its session (venue, mode, account, market) names the
        connected session that sends it, so the gate checks the mode that is true."""
        return request

    def _double_submit(self, request: OrderRequest, confirmed: frozenset[str]) -> Refusal | None:
        if "double_submit" in confirmed:
            return None
        now = time.monotonic()
        window = self._svc.policy.double_submit_window_s
        self._recent = {k: t for k, t in self._recent.items() if now - t < window}
        sent = self._recent.get(request.fingerprint())
        if sent is None:
            return None
        return Refusal(
            "double_submit",
            f"An identical order ({request.side.value} {format_decimal(request.amount)} "
            f"{request.symbol}"
            f"{' @ ' + format_decimal(request.price) if request.price is not None else ''})"
            " was sent "
            f"{now - sent:.1f} s ago. Confirm to send it again.",
            overridable=True,
        )

    # ---- submit ------------------------------------------------------------------------
    async def submit(
        self,
        request: OrderRequest,
        *,
        confirmed: frozenset[str] = frozenset(),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """Send a new order; returns it in the state the venue's reply produced.

        Raises SubmitRefused / EntryNotReady / NotConnected before anything is written
        or sent. A rejection by the venue is not raised: the order comes back REJECTED
        with its reason. An unknown outcome comes back UNKNOWN and settles in the
        background (`wait_settled`).
        """
        # Synchronous until the intent is built: the gate speaks before any await.
        blocked = self._svc.gate.submissions_blocked(request.session, request.symbol)
        if blocked:
            raise SubmitRefused([Refusal("emergency_stop", blocked)])
        reason = self._svc.entry_block_reason(request.session)
        if reason is not None:
            raise EntryNotReady(request.session, reason)
        session = self._svc.require_session(request.session)
        request = self._normalise(request)
        refusals = [
            r
            for r in self._svc.gate.check(request, self._svc.context_for(request, confirmed))
            if not (r.overridable and r.rule in confirmed)
        ]
        duplicate = self._double_submit(request, confirmed)
        if duplicate is not None:
            refusals.append(duplicate)
        if client_order_id is not None:
            if not client_order_id.is_valid_for(request.venue):
                refusals.append(
                    Refusal(
                        "client_order_id",
                        f"client order id {client_order_id!r} is not valid on {request.venue}",
                    )
                )
            elif self._svc.tracker.cached(client_order_id) is not None:
                refusals.append(
                    Refusal("client_order_id", f"client order id {client_order_id} is already used")
                )
        if refusals:
            raise SubmitRefused(refusals)
        order = self._svc.tracker.track(Order.from_request(request, client_order_id))
        self._recent[request.fingerprint()] = time.monotonic()

        # Write-ahead: the intent is durable before the venue hears of it.
        try:
            if client_order_id is not None and await self._svc.journal.get_order(client_order_id):
                raise SubmitRefused(
                    [
                        Refusal(
                            "client_order_id",
                            f"client order id {client_order_id} is already in the journal",
                        )
                    ]
                )
            await self._svc.journal.record_intent(order)
        except BaseException as exc:
            self._recent.pop(request.fingerprint(), None)
            self._svc.tracker.forget(order)
            if isinstance(exc, JournalWriteFailed):
                raise NotSent("order", exc.reason) from exc
            raise
        self._svc.order_changed.emit(order.copy())
        try:
            await self._send_new(session, order)
        except JournalWriteFailed as exc:  # the venue has it; never report it as failed
            log.info("order %s sent, then the journal failed: %s", order.client_order_id, exc)
            self._svc.order_changed.emit(order.copy())  # show what the venue said, unjournaled
            raise SentNotJournaled(order.copy(), exc.reason) from exc
        return order.copy()

    async def _send_new(self, session: ExchangePort, order: Order) -> None:
        """Send a journaled intent and apply what the venue answered."""
        try:
            report = await session.create_order(order)
        except _REFUSED_BEFORE_ACTING as exc:
            await self._svc.tracker.apply(
                order, [OrderRejected(reason=_reason(exc), source=EventSource.REST)]
            )
        except asyncio.CancelledError:
            # Left PENDING_SUBMIT in the journal: reconciliation settles it next time.
            raise
        except Exception as exc:  # OutcomeUnknownError, TransientError, anything unforeseen
            if not isinstance(exc, (OutcomeUnknownError, VenueError)):
                log.exception("create_order for %s failed unexpectedly", order.client_order_id)
            await self._svc.tracker.apply(
                order, [OutcomeUnknown(reason=_reason(exc), source=EventSource.LOCAL)]
            )
            self._svc.tracker.notice(
                "warning",
                f"Order {order.client_order_id}: outcome unknown "
                f"({_reason(exc)}); querying {order.venue} by client id.",
            )
            self._svc._start_settle(order)
        else:
            await self.absorb_report(order, report, EventSource.REST)
        await self.after_ack(order)

    async def after_ack(self, order: Order) -> None:
        """An order that became live while entry was stopped, or that the user wanted
        cancelled while it was in flight, is cancelled at once."""
        if order.status not in _RESTING:
            return
        blocked = self._svc.gate.submissions_blocked(order.session, order.symbol)
        if blocked or self._svc.cancel_requested(order.client_order_id):
            why = f"submissions blocked ({blocked})" if blocked else "cancel requested in flight"
            log.warning("order %s acknowledged after %s: cancelling", order.client_order_id, why)
            try:
                await self._svc.cancel(order.client_order_id)
            except Exception:
                log.exception("cancel after acknowledgement failed for %s", order.client_order_id)

    async def absorb_report(self, order: Order, report: OrderReport, source: EventSource) -> None:
        await self._svc.tracker.apply_report(order, report, source)
        if missing_fill_amount(order, report) > 0:
            await self.catch_up_fills(order)

    async def catch_up_fills(self, order: Order) -> int:
        """Fetch the venue's trades for the order's symbol and apply this order's missing
        ones (a report said more is filled than the fills it listed). Returns how many."""
        session = self._svc.session(order.session)
        if session is None or not order.venue_order_id:
            return 0
        since = int(order.created_at.timestamp() * 1000) - 60_000
        try:
            trades = await session.fetch_my_trades(order.symbol, since_ms=since)
        except VenueError as exc:
            log.warning("fetching trades for %s failed: %s", order.client_order_id, exc)
            return 0
        mine = [
            t
            for t in trades
            if t.venue_order_id == order.venue_order_id and t.trade_id not in order.trade_ids
        ]
        if mine:
            await self._svc.tracker.apply(
                order, [fill_event_at(t, EventSource.QUERY) for t in mine]
            )
        return len(mine)

    # ---- venue messages (user stream) ----------------------------------------------
    async def on_order_report(
        self, key: SessionKey, report: OrderReport, source: EventSource = EventSource.STREAM
    ) -> Order | None:
        """A venue message about one order of session `key` (user stream); unknown open
        orders are adopted."""
        order = await self._svc.tracker.find(key, report.client_order_id, report.venue_order_id)
        if order is None:
            if report.status in _RESTING and self._svc.session(key) is not None:
                return await self._svc.tracker.adopt(key, report, source)
            for fill in report.fills:
                await self._record_orphan_fill(key, fill)
            return None
        await self.absorb_report(order, report, source)
        if self._svc.cancel_requested(order.client_order_id):
            await self.after_ack(order)
        return order.copy()

    async def on_fill(
        self, key: SessionKey, fill: FillReport, source: EventSource = EventSource.STREAM
    ) -> Order | None:
        """One trade of session `key` (user stream or a trade query)."""
        order = await self._svc.tracker.find(key, fill.client_order_id, fill.venue_order_id)
        if order is None:
            await self._record_orphan_fill(key, fill)
            return None
        if fill.trade_id not in order.trade_ids:
            await self._svc.tracker.apply(order, [fill_event_at(fill, source)])
        return order.copy()

    async def _record_orphan_fill(self, key: SessionKey, fill: FillReport) -> None:
        await self._svc.journal.record_fill(key, fill)
