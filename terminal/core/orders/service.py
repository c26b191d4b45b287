"""The order service: submit, cancel, cancel-all, amend; settle unknown outcomes.

The pipeline (docs/architecture.md, "The order path"):

1. the gate runs first, synchronously, before any await (emergency stop, testnet lock,
   precautions, market rules), then double-submit protection;
2. the intent, with a fresh client order id, is committed to the journal;
3. the exchange call carries that client order id;
4. every outcome (REST reply, user-stream event, query) is applied to the Order as
   domain events and journaled as it arrives.

A timeout, 5xx or network error leaves the order UNKNOWN: it is settled by a query by
client order id (bounded retries with backoff), a stream event or reconciliation, and
never sent again (a venue may accept a reused client id once the first order closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from terminal.core.callbacks import Callbacks
from terminal.core.errors import (
    AuthenticationError,
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    VenueError,
    VenueUnavailableError,
)
from terminal.core.orders.bracket import BracketKeeper
from terminal.core.orders.errors import (
    EntryNotReady,
    NotConnected,
    NotSent,
    SentNotJournaled,
    SubmitRefused,
    UnknownOrder,
)
from terminal.core.orders.gate import BasicGate
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.links import TerminalLinks
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.recovery import ReconcileRecovery
from terminal.core.orders.stale import stale_orders
from terminal.core.orders.tracker import OrderTracker, fill_event_at
from terminal.core.ports import ExchangePort, GateContext, Refusal, SubmitGate
from terminal.core.storage import JournalWriteFailed
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.money import format_decimal
from terminal.domain.order import (
    RESTING_STATUSES,
    CancelRejected,
    CancelRequested,
    EventSource,
    Order,
    OrderCanceled,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OutcomeUnknown,
)
from terminal.domain.reports import FillReport, OrderReport, missing_fill_amount
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)

ContextProvider = Callable[[OrderRequest], GateContext]
# Errors that mean the venue (or our own limiter) refused before acting.
_REFUSED_BEFORE_ACTING = (
    OrderRejectedError,
    RateLimitedError,
    VenueUnavailableError,
    AuthenticationError,
)
_RESTING = RESTING_STATUSES
# The reason of an order whose cancel got no answer starts with this: after a restart it
# still says that the user asked for the cancel (reconciliation sends it again when the
# venue lists the order open).
CANCEL_OUTCOME_UNKNOWN = "cancel: "


class OrderService:
    """Owns every order sent through this terminal, per connected venue session.

    `journal` is the write-ahead record; `gate` the synchronous pre-trade check;
    `context_provider(request)` gathers what the gate looks at (market rules, reference
    price, balances) without I/O. Sessions are attached as venues connect; order entry
    on a venue opens only after its reconciliation (`reconcile`) has finished.
    """

    def __init__(
        self,
        journal: OrderJournal,
        *,
        gate: SubmitGate | None = None,
        context_provider: ContextProvider | None = None,
        policy: OrderPolicy | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.journal = journal
        self.gate: SubmitGate = gate or BasicGate()
        self.policy = policy or OrderPolicy()
        self._context_provider = context_provider
        self._now = now or (lambda: datetime.now(UTC))
        self.order_changed: Callbacks[Order] = Callbacks("order")
        self.notices: Callbacks[tuple[str, str]] = Callbacks("notice")
        self.reconciled: Callbacks[Any] = Callbacks("reconcile")
        self.entry_changed: Callbacks[tuple[SessionKey, str | None]] = Callbacks("entry")
        self.tracker = OrderTracker(journal, self.order_changed, self.notices)
        self._sessions: dict[SessionKey, ExchangePort] = {}
        self._entry_block: dict[SessionKey, str] = {}
        self._recent: dict[tuple[object, ...], float] = {}  # fingerprint -> monotonic time sent
        self._cancel_wanted: set[ClientOrderId] = set()
        self._cancels_in_flight: set[ClientOrderId] = set()  # awaiting the venue's reply
        self._settling: dict[ClientOrderId, asyncio.Task[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconcile_locks: dict[SessionKey, asyncio.Lock] = {}
        self._closed = False
        self.recovery = ReconcileRecovery(self)  # a failed reconciliation is retried
        self.links = TerminalLinks(self)  # order pairs held by this terminal
        self.brackets = BracketKeeper(self)  # entries whose stop and target follow fills

    @property
    def closed(self) -> bool:
        """`aclose` was called: no new background work starts."""
        return self._closed

    # ---- sessions and entry ------------------------------------------------------------
    def attach(self, session: ExchangePort) -> None:
        """Use `session` for its session key. Entry stays closed until `reconcile` finishes."""
        self._sessions[session.key] = session
        self.set_entry_block(session.key, f"reconciling orders with {session.key}")

    def detach(self, key: SessionKey) -> None:
        self._sessions.pop(key, None)
        self.recovery.cancel(key)
        self.set_entry_block(key, f"{key} is not connected")

    def session(self, key: SessionKey) -> ExchangePort | None:
        return self._sessions.get(key)

    def sessions(self) -> list[ExchangePort]:
        return list(self._sessions.values())

    def entry_ready(self, key: SessionKey) -> bool:
        return self.entry_block_reason(key) is None

    def entry_block_reason(self, key: SessionKey) -> str | None:
        """Why orders cannot be entered on session `key` now (None when they can)."""
        if key not in self._sessions:
            return self._entry_block.get(key) or f"{key} is not connected"
        return self._entry_block.get(key)

    def set_entry_block(self, key: SessionKey, reason: str | None) -> None:
        if reason is None:
            self._entry_block.pop(key, None)
        else:
            self._entry_block[key] = reason
        self.entry_changed.emit((key, reason))

    def _require_session(self, key: SessionKey) -> ExchangePort:
        session = self._sessions.get(key)
        if session is None:
            raise NotConnected(f"{key} is not connected")
        return session

    # ---- the gate (synchronous) --------------------------------------------------------
    def context_for(
        self, request: OrderRequest, confirmed: frozenset[str] = frozenset()
    ) -> GateContext:
        if self._context_provider is not None:
            ctx = self._context_provider(request)
        else:
            session = self._sessions.get(request.session)
            market = session.markets.get(request.symbol) if session is not None else None
            ctx = GateContext(market=market, mode=request.mode)
        return replace(ctx, confirmed=frozenset(ctx.confirmed) | frozenset(confirmed))

    def check(
        self, request: OrderRequest, confirmed: frozenset[str] = frozenset()
    ) -> list[Refusal]:
        """Every refusal the ticket meets now (gate + double submit); nothing is sent."""
        blocked = self.gate.submissions_blocked(request.session, request.symbol)
        if blocked:
            return [Refusal("emergency_stop", blocked)]
        request = self._normalise(request)
        refusals = [
            r
            for r in self.gate.check(request, self.context_for(request, confirmed))
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
        window = self.policy.double_submit_window_s
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
        blocked = self.gate.submissions_blocked(request.session, request.symbol)
        if blocked:
            raise SubmitRefused([Refusal("emergency_stop", blocked)])
        reason = self.entry_block_reason(request.session)
        if reason is not None:
            raise EntryNotReady(request.session, reason)
        session = self._require_session(request.session)
        request = self._normalise(request)
        refusals = [
            r
            for r in self.gate.check(request, self.context_for(request, confirmed))
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
            elif self.tracker.cached(client_order_id) is not None:
                refusals.append(
                    Refusal("client_order_id", f"client order id {client_order_id} is already used")
                )
        if refusals:
            raise SubmitRefused(refusals)
        order = self.tracker.track(Order.from_request(request, client_order_id))
        self._recent[request.fingerprint()] = time.monotonic()

        # Write-ahead: the intent is durable before the venue hears of it.
        try:
            if client_order_id is not None and await self.journal.get_order(client_order_id):
                raise SubmitRefused(
                    [
                        Refusal(
                            "client_order_id",
                            f"client order id {client_order_id} is already in the journal",
                        )
                    ]
                )
            await self.journal.record_intent(order)
        except BaseException as exc:
            self._recent.pop(request.fingerprint(), None)
            self.tracker.forget(order)
            if isinstance(exc, JournalWriteFailed):
                raise NotSent("order", exc.reason) from exc
            raise
        self.order_changed.emit(order.copy())
        try:
            await self._send_new(session, order)
        except JournalWriteFailed as exc:  # the venue has it; never report it as failed
            log.info("order %s sent, then the journal failed: %s", order.client_order_id, exc)
            self.order_changed.emit(order.copy())  # show what the venue said, unjournaled
            raise SentNotJournaled(order.copy(), exc.reason) from exc
        return order.copy()

    async def _send_new(self, session: ExchangePort, order: Order) -> None:
        """Send a journaled intent and apply what the venue answered."""
        try:
            report = await session.create_order(order)
        except _REFUSED_BEFORE_ACTING as exc:
            await self.tracker.apply(
                order, [OrderRejected(reason=_reason(exc), source=EventSource.REST)]
            )
        except asyncio.CancelledError:
            # Left PENDING_SUBMIT in the journal: reconciliation settles it next time.
            raise
        except Exception as exc:  # OutcomeUnknownError, TransientError, anything unforeseen
            if not isinstance(exc, (OutcomeUnknownError, VenueError)):
                log.exception("create_order for %s failed unexpectedly", order.client_order_id)
            await self.tracker.apply(
                order, [OutcomeUnknown(reason=_reason(exc), source=EventSource.LOCAL)]
            )
            self.tracker.notice(
                "warning",
                f"Order {order.client_order_id}: outcome unknown "
                f"({_reason(exc)}); querying {order.venue} by client id.",
            )
            self._start_settle(order)
        else:
            await self.absorb_report(order, report, EventSource.REST)
        await self.after_ack(order)

    async def after_ack(self, order: Order) -> None:
        """An order that became live while entry was stopped, or that the user wanted
        cancelled while it was in flight, is cancelled at once."""
        if order.status not in _RESTING:
            return
        blocked = self.gate.submissions_blocked(order.session, order.symbol)
        if blocked or order.client_order_id in self._cancel_wanted:
            why = f"submissions blocked ({blocked})" if blocked else "cancel requested in flight"
            log.warning("order %s acknowledged after %s: cancelling", order.client_order_id, why)
            try:
                await self.cancel(order.client_order_id)
            except Exception:
                log.exception("cancel after acknowledgement failed for %s", order.client_order_id)

    async def absorb_report(self, order: Order, report: OrderReport, source: EventSource) -> None:
        await self.tracker.apply_report(order, report, source)
        if missing_fill_amount(order, report) > 0:
            await self.catch_up_fills(order)

    async def catch_up_fills(self, order: Order) -> int:
        """Fetch the venue's trades for the order's symbol and apply this order's missing
        ones (a report said more is filled than the fills it listed). Returns how many."""
        session = self._sessions.get(order.session)
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
            await self.tracker.apply(order, [fill_event_at(t, EventSource.QUERY) for t in mine])
        return len(mine)

    # ---- unknown outcomes ------------------------------------------------------------
    def _start_settle(self, order: Order) -> asyncio.Task[Any]:
        task = self._settling.get(order.client_order_id)
        if task is None or task.done():
            task = self.spawn(self.settle(order.client_order_id), f"settle-{order.client_order_id}")
            self._register_settle(order.client_order_id, task)
        return task

    def _register_settle(self, client_order_id: ClientOrderId, task: asyncio.Task[Any]) -> None:
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
        order = await self.tracker.load(client_order_id)
        return order.copy() if order else None

    async def settle(
        self, client_order_id: ClientOrderId, source: EventSource = EventSource.QUERY
    ) -> Order:
        """Ask the venue about an order whose outcome is unknown, by client order id.

        Bounded retries with backoff. After `unknown_not_found_limit` "not found"
        answers an order the venue never acknowledged is marked REJECTED (it never
        reached the venue); nothing is ever sent again from here.
        """
        order = await self.tracker.load(client_order_id)
        if order is None:
            raise UnknownOrder(client_order_id)
        p = self.policy
        delay, not_found = p.unknown_query_backoff_s, 0
        for _attempt in range(p.unknown_query_max_attempts):
            if order.status not in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT):
                break
            session = self._sessions.get(order.session)
            if session is None:
                break
            try:
                report = await session.fetch_order(order.client_order_id, order.symbol)
            except OrderNotFoundError:
                not_found += 1
                if not_found >= p.unknown_not_found_limit:
                    if order.venue_order_id is None:
                        await self.tracker.apply(
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
                        self.tracker.notice(
                            "error",
                            f"Order {order.client_order_id} "
                            f"(venue id {order.venue_order_id}) is no longer "
                            f"known to {order.venue}; left UNKNOWN.",
                        )
                    break
            except VenueError as exc:
                log.info("query of %s failed (%s); will retry", order.client_order_id, exc)
            else:
                await self.absorb_report(order, report, source)
                if order.client_order_id in self._cancel_wanted:
                    await self.after_ack(order)
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, p.unknown_query_backoff_max_s)
        return order

    # ---- cancel ------------------------------------------------------------------------
    async def cancel(self, client_order_id: ClientOrderId) -> Order:
        """Cancel one order (allowed even while entry is closed or stopped)."""
        order = await self.tracker.load(client_order_id)
        if order is None:
            raise UnknownOrder(f"no order {client_order_id} in the journal")
        if order.is_final:
            return order.copy()
        session = self._require_session(order.session)
        self._cancel_wanted.add(order.client_order_id)
        if order.status is OrderStatus.PENDING_SUBMIT:
            # In flight: the submit path cancels it as soon as it is acknowledged.
            return order.copy()
        try:
            await self.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
        except JournalWriteFailed as exc:
            raise NotSent("cancel request", exc.reason) from exc
        try:
            await self._send_cancel(session, order)
        except JournalWriteFailed as exc:
            self.order_changed.emit(order.copy())
            raise SentNotJournaled(order.copy(), exc.reason, "cancel") from exc
        return order.copy()

    def cancel_wanted(self, order: Order) -> bool:
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

    def cancel_in_flight(self, client_order_id: ClientOrderId) -> bool:
        """A cancel of that order was sent and its reply has not come yet."""
        return client_order_id in self._cancels_in_flight

    async def resend_cancel(self, order: Order) -> Order:
        """Send the cancel of `order` again: only for a cancel whose outcome was settled
        by a query that shows the order still open, and never while one is on its way
        (that one's reply settles it)."""
        session = self._require_session(order.session)
        self._cancel_wanted.add(order.client_order_id)
        if order.is_final or self.cancel_in_flight(order.client_order_id):
            return order.copy()
        if order.status in _RESTING:
            await self.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
        await self._send_cancel(session, order)
        return order.copy()

    async def _send_cancel(self, session: ExchangePort, order: Order) -> None:
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
            await self._settle_after_cancel_miss(session, order, _reason(exc))
        except _REFUSED_BEFORE_ACTING as exc:
            await self.tracker.apply(
                order, [CancelRejected(reason=_reason(exc), source=EventSource.REST)]
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, VenueError):
                log.exception("cancel_order for %s failed unexpectedly", order.client_order_id)
            await self.tracker.apply(
                order,
                [
                    OutcomeUnknown(
                        reason=CANCEL_OUTCOME_UNKNOWN + _reason(exc), source=EventSource.LOCAL
                    )
                ],
            )
            self._start_settle(order)
        else:
            if report is not None:
                await self.absorb_report(order, report, EventSource.REST)
            if not order.is_final:
                await self.tracker.apply(order, [OrderCanceled(source=EventSource.REST)])
        if order.is_final:
            self._cancel_wanted.discard(order.client_order_id)

    async def _settle_after_cancel_miss(
        self, session: ExchangePort, order: Order, reason: str
    ) -> None:
        try:
            report = await session.fetch_order(order.client_order_id, order.symbol)
        except OrderNotFoundError:
            if order.status is OrderStatus.UNKNOWN or order.venue_order_id is None:
                self._start_settle(order)
            else:
                await self.tracker.apply(
                    order, [CancelRejected(reason=reason, source=EventSource.REST)]
                )
            return
        except VenueError:
            await self.tracker.apply(
                order, [CancelRejected(reason=reason, source=EventSource.REST)]
            )
            return
        await self.absorb_report(order, report, EventSource.QUERY)
        if not order.is_final:
            await self.tracker.apply(
                order, [CancelRejected(reason=reason, source=EventSource.REST)]
            )

    async def cancel_all(self, key: SessionKey, symbol: Symbol | None = None) -> list[Order]:
        """Cancel every open order of session `key` (for one symbol, or all), including
        orders on its account this terminal did not place. Returns the touched orders."""
        session = self._require_session(key)
        venue = key.venue
        targets = {
            o.client_order_id: o
            for o in self.tracker.live(key)
            if symbol is None or o.symbol == symbol
        }
        for stored in await self.journal.open_orders(key.venue, key.account):
            if stored.session == key and (symbol is None or stored.symbol == symbol):
                order = self.tracker.track(stored)
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
                await self.tracker.apply(order, [CancelRequested(source=EventSource.LOCAL)])
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
                    found = await self.tracker.find(
                        key, report.client_order_id, report.venue_order_id
                    )
                    if found is None:
                        found = await self.tracker.adopt(key, report, EventSource.REST)
                    else:
                        await self.absorb_report(found, report, EventSource.REST)
                    if found is not None:
                        targets[found.client_order_id] = found
                # whatever the reply did not mention: ask the venue one by one
                for order in mine:
                    if not order.is_final and order.status is not OrderStatus.PENDING_SUBMIT:
                        await self._settle_after_cancel_miss(
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
                await self._send_cancel(session, order)

    # ---- order lists (terminal.core.orders.lists) -------------------------------------------
    async def place_oco(self, request: Any, *, confirmed: frozenset[str] = frozenset()) -> Any:
        """A stop and a target that cancel each other: (OrderList, [stop, target])."""
        from terminal.core.orders.lists import place_oco

        return await place_oco(self, request, confirmed=confirmed)

    async def place_bracket(self, request: Any, *, confirmed: frozenset[str] = frozenset()) -> Any:
        """An entry whose stop and target are placed as it fills: (OrderList, entry)."""
        return await self.brackets.place(request, confirmed=confirmed)

    async def cancel_list(self, list_id: str) -> list[Order]:
        """Cancel every open order of an order list or bracket."""
        from terminal.core.orders.lists import cancel_list

        return await cancel_list(self, list_id)

    # ---- amend -------------------------------------------------------------------------
    async def amend(
        self,
        client_order_id: ClientOrderId,
        amount: Decimal,
        price: Decimal | None,
        *,
        confirmed: frozenset[str] = frozenset(),
        trigger: Decimal | None = None,
    ) -> Order:
        """Change amount/price of a resting limit order (or the trigger of a waiting
        stop or take-profit) where the venue can edit (`terminal.core.orders.amend`).
        Returns the order that now rests on the venue; an unknown outcome returns the
        replacement UNKNOWN with both halves settling (`wait_settled` of either id)."""
        from terminal.core.orders.amend import amend_order

        return await amend_order(
            self, client_order_id, amount, price, confirmed=confirmed, trigger=trigger
        )

    async def settle_open(self, order: Order) -> None:
        """Refresh one order from the venue (a query by client id)."""
        session = self._sessions.get(order.session)
        if session is None:
            return
        try:
            report = await session.fetch_order(order.client_order_id, order.symbol)
        except VenueError:
            return
        await self.absorb_report(order, report, EventSource.QUERY)

    # ---- venue messages (user stream) ----------------------------------------------------
    async def on_order_report(
        self, key: SessionKey, report: OrderReport, source: EventSource = EventSource.STREAM
    ) -> Order | None:
        """A venue message about one order of session `key` (user stream); unknown open
        orders are adopted."""
        order = await self.tracker.find(key, report.client_order_id, report.venue_order_id)
        if order is None:
            if report.status in _RESTING and key in self._sessions:
                return await self.tracker.adopt(key, report, source)
            for fill in report.fills:
                await self._record_orphan_fill(key, fill)
            return None
        await self.absorb_report(order, report, source)
        if order.client_order_id in self._cancel_wanted:
            await self.after_ack(order)
        return order.copy()

    async def on_fill(
        self, key: SessionKey, fill: FillReport, source: EventSource = EventSource.STREAM
    ) -> Order | None:
        """One trade of session `key` (user stream or a trade query)."""
        order = await self.tracker.find(key, fill.client_order_id, fill.venue_order_id)
        if order is None:
            await self._record_orphan_fill(key, fill)
            return None
        if fill.trade_id not in order.trade_ids:
            await self.tracker.apply(order, [fill_event_at(fill, source)])
        return order.copy()

    async def _record_orphan_fill(self, key: SessionKey, fill: FillReport) -> None:
        await self.journal.record_fill(key, fill)

    async def on_stream_reconnect(self, key: SessionKey) -> Any:
        """The private stream (re)connected: events may be lost (ccxt #15338), so
        reconcile; order entry stays open if it already was."""
        if key not in self._sessions:
            return None
        return await self.reconcile(key, close_entry=not self.entry_ready(key))

    # ---- reconciliation ---------------------------------------------------------------
    async def reconcile(
        self, key: SessionKey, *, close_entry: bool = True, retry: bool = True
    ) -> Any:
        """Reconcile the journal with session `key`; entry opens when it succeeds.

        `close_entry=False` (after a private-stream reconnect, once entry was open):
        entry stays open meanwhile; the journal is consistent locally and the pass only
        fills in what the stream missed. A failure still closes entry and, with `retry`,
        is tried again with backoff until it succeeds (recovery.py)."""
        from terminal.core.orders.reconcile import Reconciler

        session = self._require_session(key)
        lock = self._reconcile_locks.setdefault(key, asyncio.Lock())
        async with lock:  # one at a time per session (start-up and reconnects may overlap)
            result = await Reconciler(self, session).run(close_entry=close_entry)
            if result.ok:
                await self.links.restore(key)
                await self.brackets.restore(key)
        if retry and not result.ok:
            self.recovery.failed(key, result)
        return result

    # ---- stale orders -------------------------------------------------------------------
    def open_orders(self, key: SessionKey | None = None) -> list[Order]:
        return [o.copy() for o in self.tracker.live(key)]

    def stale_orders(self, key: SessionKey | None = None) -> list[Order]:
        """Open orders older than the configured age (the open-orders panel flags them)."""
        return [
            o.copy()
            for o in stale_orders(
                self.tracker.live(key), self._now(), self.policy.stale_order_age_s
            )
        ]

    async def sweep_stale(self) -> list[Order]:
        """Cancel stale orders when auto-cancel is on; each act is journaled."""
        if not self.policy.auto_cancel_stale:
            return []
        done = []
        for order in stale_orders(self.tracker.live(), self._now(), self.policy.stale_order_age_s):
            if order.session not in self._sessions:
                continue
            await self.journal.record_safety_event(
                "stale_auto_cancel",
                {
                    "client_order_id": order.client_order_id,
                    "venue": order.venue,
                    "session": order.session.label,
                    "symbol": order.symbol,
                    "created_at": order.created_at.isoformat(),
                    "max_age_s": self.policy.stale_order_age_s,
                },
            )
            try:
                done.append(await self.cancel(order.client_order_id))
            except Exception as exc:
                log.warning("stale auto-cancel of %s failed: %s", order.client_order_id, exc)
        if done:
            self.tracker.notice("info", f"Auto-cancelled {len(done)} stale order(s).")
        return done

    async def run_stale_sweeper(self) -> None:
        """Loop for the root to own: sweep every `stale_check_interval_s` until cancelled."""
        while True:
            await asyncio.sleep(self.policy.stale_check_interval_s)
            try:
                await self.sweep_stale()
            except Exception:
                log.exception("stale sweep failed")

    # ---- tasks ---------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a task the service owns (cancelled by `aclose`; errors are logged)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("order service task %s failed", task.get_name(), exc_info=task.exception())
            self.tracker.notice("error", f"{task.get_name()} failed: {task.exception()}")

    async def aclose(self, timeout: float = 5.0) -> None:
        """Cancel the service's tasks and wait for them (bounded)."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
