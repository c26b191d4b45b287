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
    OutcomeUnknownError,
    VenueError,
)
from terminal.core.orders.bracket import BracketKeeper
from terminal.core.orders.cancels import CancelCommands
from terminal.core.orders.entry import EntryGate
from terminal.core.orders.errors import (
    EntryNotReady,
    NotConnected,
    NotSent,
    SentNotJournaled,
    SubmitRefused,
)
from terminal.core.orders.gate import BasicGate
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.links import TerminalLinks
from terminal.core.orders.outcomes import REFUSED_BEFORE_ACTING, reason_of
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.recovery import ReconcileRecovery
from terminal.core.orders.settle import OutcomeSettler
from terminal.core.orders.stale import stale_orders
from terminal.core.orders.tracker import OrderTracker, fill_event_at
from terminal.core.ports import ExchangePort, GateContext, Refusal, SubmitGate
from terminal.core.storage import JournalWriteFailed
from terminal.domain.ids import ClientOrderId, Symbol
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

ContextProvider = Callable[[OrderRequest], GateContext]
_REFUSED_BEFORE_ACTING = REFUSED_BEFORE_ACTING
_RESTING = RESTING_STATUSES


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
        # the connection and reconciliation reason alone (the health panel shows it)
        self.entry_changed: Callbacks[tuple[SessionKey, str | None]] = Callbacks("entry")
        # every reason a session takes no orders, one typed event per change (entry.py)
        self.entry = EntryGate()
        self.tracker = OrderTracker(journal, self.order_changed, self.notices)
        self._sessions: dict[SessionKey, ExchangePort] = {}
        self._recent: dict[tuple[object, ...], float] = {}  # fingerprint -> monotonic time sent
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconcile_locks: dict[SessionKey, asyncio.Lock] = {}
        self._closed = False
        self.settler = OutcomeSettler(self)  # unknown outcomes, settled by query
        self.cancels = CancelCommands(self, self.settler)
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
        reason = f"reconciling orders with {session.key}"
        self.entry.attached(session.key, reason)
        self.entry_changed.emit((session.key, reason))

    def detach(self, key: SessionKey) -> None:
        self._sessions.pop(key, None)
        self.recovery.cancel(key)
        self.entry.detached(key)
        self.entry_changed.emit((key, self.entry.block_reason(key)))

    def session(self, key: SessionKey) -> ExchangePort | None:
        return self._sessions.get(key)

    def sessions(self) -> list[ExchangePort]:
        return list(self._sessions.values())

    def entry_ready(self, key: SessionKey) -> bool:
        return self.entry_block_reason(key) is None

    def entry_block_reason(self, key: SessionKey) -> str | None:
        """Why the order service takes no orders on session `key` now (not connected,
        reconciling, reconciliation failed), synchronously: submit asks it before any
        await. Views follow `entry.changed` instead (every reason, as events)."""
        return self.entry.block_reason(key)

    def set_entry_block(self, key: SessionKey, reason: str | None) -> None:
        self.entry.set_block(key, reason)
        self.entry_changed.emit((key, reason))

    def require_session(self, key: SessionKey) -> ExchangePort:
        """The attached session `key`; NotConnected when there is none."""
        return self._require_session(key)

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
        if blocked or self.cancels.requested(order.client_order_id):
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

    # ---- unknown outcomes (terminal.core.orders.settle) --------------------------------
    def _start_settle(self, order: Order) -> asyncio.Task[Any]:
        return self.settler.start(order)

    def _register_settle(self, client_order_id: ClientOrderId, task: asyncio.Task[Any]) -> None:
        self.settler.register(client_order_id, task)

    async def wait_settled(
        self, client_order_id: ClientOrderId, timeout: float = 30.0
    ) -> Order | None:
        """Wait (bounded) for a running settle of that order; the order afterwards."""
        return await self.settler.wait_settled(client_order_id, timeout)

    async def settle(
        self, client_order_id: ClientOrderId, source: EventSource = EventSource.QUERY
    ) -> Order:
        """Settle an order whose outcome is unknown by queries (`OutcomeSettler.settle`)."""
        return await self.settler.settle(client_order_id, source)

    # ---- cancel (terminal.core.orders.cancels) ------------------------------------------
    async def cancel(self, client_order_id: ClientOrderId) -> Order:
        """Cancel one order (allowed even while entry is closed or stopped)."""
        return await self.cancels.cancel_one(client_order_id)

    def cancel_wanted(self, order: Order) -> bool:
        return self.cancels.wanted(order)

    def cancel_requested(self, client_order_id: ClientOrderId) -> bool:
        return self.cancels.requested(client_order_id)

    def cancel_in_flight(self, client_order_id: ClientOrderId) -> bool:
        return self.cancels.in_flight(client_order_id)

    async def resend_cancel(self, order: Order) -> Order:
        return await self.cancels.resend(order)

    async def cancel_all(self, key: SessionKey, symbol: Symbol | None = None) -> list[Order]:
        """Cancel every open order of session `key` (`CancelCommands.cancel_all`)."""
        return await self.cancels.cancel_all(key, symbol)

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
        if self.cancels.requested(order.client_order_id):
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


_reason = reason_of
