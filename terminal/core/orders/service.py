"""The order service: a façade over the order path's parts, per connected session.

Each job is its own module: the pre-trade check and placing (place.py), cancels
(cancels.py), amends (amend.py), unknown outcomes settled by query (settle.py), order
lists, brackets and links (lists.py, bracket.py, links.py), reconciliation
(reconcile.py, recovery.py), stale orders (stale.py) and whether a session takes
orders (entry.py). The parts get the service typed by a narrow Protocol (deps.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from terminal.core.callbacks import Callbacks
from terminal.core.errors import VenueError
from terminal.core.orders.bracket import BracketKeeper
from terminal.core.orders.cancels import CancelCommands
from terminal.core.orders.entry import EntryGate, EntryReadiness
from terminal.core.orders.errors import NotConnected
from terminal.core.orders.gate import BasicGate
from terminal.core.orders.journal import OrderJournal
from terminal.core.orders.links import TerminalLinks
from terminal.core.orders.place import PlaceCommands
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.recovery import ReconcileRecovery
from terminal.core.orders.settle import OutcomeSettler
from terminal.core.orders.stale import stale_orders, sweep_stale
from terminal.core.orders.tasks import ServiceTasks
from terminal.core.orders.tracker import OrderTracker
from terminal.core.ports import ExchangePort, GateContext, Refusal, SubmitGate
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.order import (
    EventSource,
    Order,
    OrderRequest,
)
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)

ContextProvider = Callable[[OrderRequest], GateContext]


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
        # the connection and reconciliation reason alone (the health panel shows it), as
        # the same typed event as `entry.changed` (which adds the window's conditions)
        self.entry_changed: Callbacks[EntryReadiness] = Callbacks("entry")
        # every reason a session takes no orders, one typed event per change (entry.py)
        self.entry = EntryGate()
        self.tracker = OrderTracker(journal, self.order_changed, self.notices)
        self._tasks = ServiceTasks(self.tracker.notice)
        self._sessions: dict[SessionKey, ExchangePort] = {}
        self._reconcile_locks: dict[SessionKey, asyncio.Lock] = {}
        self._closed = False
        self.placing = PlaceCommands(self)  # the check, then new orders
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
        self.entry_changed.emit(EntryReadiness(session.key, False, reason))

    def detach(self, key: SessionKey) -> None:
        self._sessions.pop(key, None)
        self.recovery.cancel(key)
        self.entry.detached(key)
        self._entry_changed(key, self.entry.block_reason(key))

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
        self._entry_changed(key, reason)

    def _entry_changed(self, key: SessionKey, reason: str | None) -> None:
        self.entry_changed.emit(EntryReadiness(key, reason is None, reason))

    def require_session(self, key: SessionKey) -> ExchangePort:
        """The attached session `key`; NotConnected when there is none."""
        session = self._sessions.get(key)
        if session is None:
            raise NotConnected(f"{key} is not connected")
        return session

    # ---- the gate's context (synchronous) ------------------------------------------
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

    # ---- check and place (terminal.core.orders.place) ------------------------------
    def check(
        self, request: OrderRequest, confirmed: frozenset[str] = frozenset()
    ) -> list[Refusal]:
        """Every refusal the ticket meets now (gate + double submit); nothing is sent."""
        return self.placing.check(request, confirmed)

    def _normalise(self, request: OrderRequest) -> OrderRequest:
        return self.placing._normalise(request)

    async def submit(
        self,
        request: OrderRequest,
        *,
        confirmed: frozenset[str] = frozenset(),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """Send a new order (`PlaceCommands.submit`): refused before anything is written
        or sent, else returned in the state the venue's reply produced."""
        return await self.placing.submit(
            request, confirmed=confirmed, client_order_id=client_order_id
        )

    async def _send_new(self, session: ExchangePort, order: Order) -> None:
        await self.placing._send_new(session, order)

    async def after_ack(self, order: Order) -> None:
        await self.placing.after_ack(order)

    async def absorb_report(self, order: Order, report: OrderReport, source: EventSource) -> None:
        await self.placing.absorb_report(order, report, source)

    async def catch_up_fills(self, order: Order) -> int:
        return await self.placing.catch_up_fills(order)

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
        """A venue message about one order of session `key` (`PlaceCommands`)."""
        return await self.placing.on_order_report(key, report, source)

    async def on_fill(
        self, key: SessionKey, fill: FillReport, source: EventSource = EventSource.STREAM
    ) -> Order | None:
        """One trade of session `key` (user stream or a trade query)."""
        return await self.placing.on_fill(key, fill, source)

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

        session = self.require_session(key)
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
        return await sweep_stale(self, self._now())

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
        return self._tasks.spawn(coro, name)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Cancel the service's tasks and wait for them (bounded)."""
        self._closed = True
        await self._tasks.aclose(timeout)
