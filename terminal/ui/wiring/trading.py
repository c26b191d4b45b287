"""Order entry, open orders, balances and order notifications through the order service.

The ticket (OrderEntryPanel) emits `submitRequested(request, confirmed)` after its
own confirmation; here it goes to `OrderService.submit`, which runs the safety gate
synchronously before anything is written or sent. Refusals come back inline on the
ticket. An amend from the open-orders table (its non-modal dialog) goes to
`OrderService.amend` the same way, its refusals shown in the dialog. Entry is disabled,
with the reason shown, while the venue is locked, the stop engaged, reconciliation
running, the book stale or the venue's breaker open: the order service's entry gate
owns that answer and emits an `EntryReadiness` when it changes (entry_readiness.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from terminal.core.futures.symbols import perpetual_of, spot_of
from terminal.core.marketstate import MarketState
from terminal.core.orders.errors import (
    EntryNotReady,
    NotConnected,
    NotSupported,
    SentNotJournaled,
    SubmitRefused,
    UnknownOrder,
)
from terminal.core.orders.service import OrderService
from terminal.core.ports import Refusal
from terminal.core.safety.state import SafetyState
from terminal.core.supervision import TaskOwner
from terminal.domain.enums import Side
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.market import MarketRules
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.bridge import CoreBridge
from terminal.ui.frame import FrameCounter
from terminal.ui.main_window import MainWindow
from terminal.ui.panels.precision import SessionPrecision, amount_text, price_text
from terminal.ui.wiring.chart_lines import bracket_groups, chart_inputs
from terminal.ui.wiring.entry_readiness import EntryReadinessWiring
from terminal.ui.wiring.market import MarketWiring
from terminal.ui.wiring.panels import Panels
from terminal.ui.wiring.protect import ProtectWiring

if TYPE_CHECKING:
    from terminal.core.orders.reconcile import ReconcileResult

log = logging.getLogger(__name__)

Notify = Callable[[str, str], None]  # level, text


class TradingWiring:
    def __init__(
        self,
        window: MainWindow,
        panels: Panels,
        bridge: CoreBridge,
        tasks: TaskOwner,
        orders: OrderService,
        safety: SafetyState,
        state: MarketState,
        market: MarketWiring,
        notify: Notify,
        *,
        notify_fills: bool = True,
        notify_rejections: bool = True,
    ) -> None:
        self.window = window
        self.panels = panels
        self.bridge = bridge
        self.tasks = tasks
        self.orders = orders
        self.safety = safety
        self.state = state
        self.market = market
        self._notify = notify
        self.notify_fills = notify_fills
        self.notify_rejections = notify_rejections
        self.session: SessionKey | None = None
        self.symbol: Symbol | None = None
        self.orders_version = 0
        self._failing: dict[Any, str] = {}  # venue -> error of its failing reconciliation
        self._known: dict[str, tuple[OrderStatus, Any]] = {}  # coid -> (status, filled)
        self.frame = TradingFrame(self)
        self.last_submit: Order | None = None
        self.last_refusals: list[Refusal] = []

        self.entry = EntryReadinessWiring(self)  # follows the order service's entry gate

        bridge.orders.forward(orders.order_changed.add)
        bridge.orders.connect(self._order_changed)
        bridge.notices.forward(orders.notices.add)
        bridge.notices.connect(self._core_notice)
        bridge.reconciliation.forward(orders.reconciled.add)
        bridge.reconciliation.connect(self._reconciled)
        panels.entry.session_picker.sessionPicked.connect(self._session_picked)

        # balances, history and notifications show numbers at the venue's precision
        self.precision = SessionPrecision(
            lambda venue: next((p for p in orders.sessions() if p.venue == venue), None)
        )
        panels.balances.set_precision(self.precision)
        panels.history.set_precision(self.precision)

        entry = panels.entry
        entry.submitRequested.connect(self.submit)
        # the service's own check (gate, precautions, double submit) before the
        # confirmation opens: an order it would refuse is never offered for confirming
        entry.set_precheck(lambda request, confirmed: orders.check(request, confirmed))
        panels.open_orders.cancelRequested.connect(self.cancel)
        panels.open_orders.cancelAllRequested.connect(self.cancel_all)
        panels.open_orders.set_orders_provider(self._open_orders_provider)
        panels.open_orders.amendRequested.connect(self.amend)
        panels.open_orders.cancelGroupRequested.connect(self.cancel_group)
        panels.open_orders.set_groups_provider(lambda: bracket_groups(orders))
        panels.open_orders.set_amend_support(self.amend_block_reason, self._rules_for)
        self._price_sources: set[int] = set()
        self.connect_price_sources()
        a = window.actions_by_id
        a["buy"].triggered.connect(lambda: self.hotkey_side(Side.BUY))
        a["sell"].triggered.connect(lambda: self.hotkey_side(Side.SELL))
        a["cancel_all"].triggered.connect(self.cancel_all_active)
        a["focus_amount"].triggered.connect(entry.focus_amount)
        a["focus_price"].triggered.connect(entry.focus_price)
        self.protect = ProtectWiring(self, panels.protect)

    def connect_price_sources(self) -> None:
        """Clicks on a price (ladder level, depth chart, chart double-click) fill the
        ticket's price. Idempotent: the depth chart and the chart are built after the
        first live book, so the frame calls this again until they exist."""
        entry = self.panels.entry
        for widget in (self.panels.book, self.panels.depth, self.panels.chart):
            signal = getattr(widget, "priceClicked", None)
            if signal is not None and id(widget) not in self._price_sources:
                signal.connect(entry.set_price)
                self._price_sources.add(id(widget))

    @property
    def price_sources_complete(self) -> bool:
        return len(self._price_sources) == 3

    # ------------------------------------------------------------------ context
    def _session_picked(self, key: SessionKey) -> None:
        """The ticket's Send-to choice: that session of the venue takes the ticket (its
        balances, rules and entry state), the market shown stays the same."""
        if self.symbol is not None and key != self.session:
            self.activate(key, self.symbol)

    def _offer_sessions(self) -> None:
        """The ticket's Send-to list: the connected sessions of the active venue."""
        if self.session is None:
            return
        keys = [p.key for p in self.orders.sessions() if p.key.venue == self.session.venue]
        self.panels.entry.session_picker.set_sessions(keys, self.session)

    def activate(self, session: SessionKey, symbol: Symbol) -> None:
        port = self.orders.session(session)
        if session.market is not MarketType.SPOT and port is not None:
            # the window shows the venue's spot market; the ticket trades its perpetual
            symbol = perpetual_of(symbol, port.markets) or symbol
        elif ":" in symbol:  # back from a perpetual to the spot pair the window shows
            symbol = Symbol(spot_of(symbol))
        self.session = session
        self.symbol = symbol
        p = self.panels
        p.entry.set_account(session.venue, session.mode, session.account, session.market)
        rules = port.markets.get(symbol) if port is not None else None
        p.entry.set_market(rules)
        if self.protect is not None:
            self.protect.activate(session, rules)
        if session.market is MarketType.SPOT:
            for widget in (p.book, p.depth, p.tape, p.chart):
                if widget is not None:
                    widget.set_market(rules)
        p.open_orders.set_active(session.venue, symbol)
        self.frame.reset()
        self.orders_version += 1
        self.entry.activate(session)

    # ------------------------------------------------------------------ orders
    def _open_orders_provider(self) -> tuple[int, list[Order]]:
        return self.orders_version, self.orders.open_orders()

    def _order_changed(self, order: Order) -> None:
        self.orders_version += 1
        self._maybe_notify(order)

    def _maybe_notify(self, order: Order) -> None:
        key = str(order.client_order_id)
        before = self._known.get(key)
        self._known[key] = (order.status, order.filled)
        rules = self._rules_for(order)  # the venue's precision decides the digits
        if (
            order.status is OrderStatus.REJECTED
            and self.notify_rejections
            and (before is None or before[0] is not OrderStatus.REJECTED)
        ):
            self._notify(
                "error",
                f"Order rejected: {order.side.value} {amount_text(rules, order.amount)} "
                f"{order.symbol} on {order.venue}: {order.reason or 'no reason given'}",
            )
        elif self.notify_fills and order.filled > (before[1] if before else 0):
            done = "filled" if order.status is OrderStatus.FILLED else "partially filled"
            avg = order.average_price
            self._notify(
                "fill",
                f"{order.side.value.upper()} {amount_text(rules, order.filled)}/"
                f"{amount_text(rules, order.amount)} {order.symbol} {done}"
                + (f" @ {price_text(rules, avg)}" if avg else ""),
            )
        if order.is_final:
            self._known.pop(key, None)

    def _core_notice(self, notice: tuple[str, str]) -> None:
        level, text = notice
        self._notify(level, text)

    def _reconciled(self, result: ReconcileResult) -> None:
        """Tell the user only what matters: failures and orders whose state changed."""
        self.orders_version += 1
        venue = result.venue
        error = result.error
        if error:
            # retried with backoff until it passes: one notice per new error, not per try
            if self._failing.get(venue) != error:
                self._failing[venue] = error
                self._notify("error", f"{result.summary()}; retrying until it succeeds")
            return
        if self._failing.pop(venue, None) is not None:
            self._notify("info", f"{venue}: reconciliation succeeded; order entry reopens")
        if (
            result.settled
            or result.adopted
            or result.unknown
            or result.fills_applied
            or result.fills_recorded
        ):
            self._notify(
                "warning" if result.unknown else "info", f"Reconciliation: {result.summary()}"
            )

    # ------------------------------------------------------------------ actions
    def submit(self, request: OrderRequest, confirmed: Any = frozenset()) -> None:
        self.tasks.spawn(self._submit(request, frozenset(confirmed or ())), "submit")

    async def _submit(self, request: OrderRequest, confirmed: frozenset[str]) -> None:
        entry = self.panels.entry
        try:
            order = await self.orders.submit(request, confirmed=confirmed)
        except SubmitRefused as exc:
            self.last_refusals = list(exc.refusals)
            entry.show_refusals(list(exc.refusals))
            entry.submit_finished(False, "Not sent: " + str(exc))
            return
        except (EntryNotReady, NotConnected) as exc:
            entry.submit_finished(False, f"Not sent: {exc}")
            return
        except SentNotJournaled as exc:  # the venue has it: never shown as "not sent"
            self.last_submit = exc.order
            entry.submit_finished(True, str(exc).split(". ")[0])
            self._notify("error", str(exc)[:1].upper() + str(exc)[1:])
            self.orders_version += 1
            return
        except Exception as exc:  # journal failure and the like: visible, never silent
            log.exception("Submitting %s failed", request)
            entry.submit_finished(False, f"Not sent: {exc}")
            self._notify("error", f"Order not sent: {exc}")
            return
        self.last_submit = order
        self.last_refusals = []
        entry.show_refusals([])
        if order.status is OrderStatus.REJECTED:
            entry.submit_finished(False, f"Rejected by {order.venue}: {order.reason}")
        elif order.status is OrderStatus.UNKNOWN:
            entry.submit_finished(False, "Outcome unknown: checking with the venue…")
        else:
            entry.submit_finished(
                True,
                f"{order.side.value.capitalize()} "
                f"{amount_text(self._rules_for(order), order.amount)} "
                f"{order.symbol}: {order.status.value}",
            )
        self.orders_version += 1

    def cancel(self, client_order_id: str) -> None:
        self.tasks.spawn(self._cancel(ClientOrderId(client_order_id)), "cancel")

    async def _cancel(self, client_order_id: ClientOrderId) -> None:
        try:
            await self.orders.cancel(client_order_id)
        except (UnknownOrder, NotConnected) as exc:
            self._notify("warning", f"Cancel {client_order_id}: {exc}")
        self.orders_version += 1

    def cancel_group(self, list_id: str) -> None:
        """Cancel an OCO or a bracket (its entry and its current pair) as one."""
        self.tasks.spawn(self._cancel_group(list_id), "cancel-group")

    async def _cancel_group(self, list_id: str) -> None:
        try:
            touched = await self.orders.cancel_list(list_id)
        except Exception as exc:  # an unknown list, a venue refusal: said, never silent
            self._notify("warning", f"Cancel group {list_id}: {exc}")
        else:
            self._notify("info", f"Cancel group {list_id}: {len(touched)} order(s)")
        self.orders_version += 1

    def amend(self, dialog: Any) -> None:
        """Run the amend an AmendDialog asks for; the answer goes back to the dialog."""
        self.tasks.spawn(self._amend(dialog), "amend")

    async def _amend(self, dialog: Any) -> None:
        coid = ClientOrderId(dialog.client_order_id)
        try:
            order = await self.orders.amend(
                coid, dialog.amount, dialog.price, confirmed=dialog.confirmed
            )
        except SubmitRefused as exc:
            dialog.show_refusals(list(exc.refusals))
            return
        except (UnknownOrder, NotConnected, NotSupported, EntryNotReady) as exc:
            dialog.amend_failed(f"Not amended: {exc}")
            self._notify("warning", f"Amend {coid}: {exc}")
            return
        except SentNotJournaled as exc:  # the venue was asked: never "not amended"
            self._notify("error", f"Amend {coid}: {exc}")
            dialog.amend_done(exc.order)
            return
        except Exception as exc:  # a venue refusal, a journal failure: visible, never silent
            log.warning("Amending %s failed: %s", coid, exc)
            dialog.amend_failed(f"Not amended: {exc}")
            self._notify("error", f"Amend {coid} failed: {exc}")
            return
        finally:
            self.orders_version += 1
        if order.status is OrderStatus.UNKNOWN:
            self._notify("warning", f"Amend {coid}: outcome unknown; checking with {order.venue}")
        dialog.amend_done(order)

    def amend_block_reason(self, order: Order) -> str | None:
        """Why `order` cannot be amended now (None: it can): the venue cannot edit, or
        the same reasons that disable the ticket for its venue."""
        port = self.orders.session(order.session)
        if port is None:
            return f"not connected to {order.session}"
        if not port.has_edit_order:
            return f"{order.venue} cannot amend orders: cancel and place a new one"
        session = self.session
        if session is not None and session == order.session:
            return self.entry_block_reason()
        reasons = self._venue_block_reasons(order.session)
        return "; ".join(reasons) if reasons else None

    def _rules_for(self, order: Order) -> MarketRules | None:
        port = self.orders.session(order.session)
        return port.markets.get(order.symbol) if port is not None else None

    def cancel_all(self, venue: str, symbol: Any = None) -> None:
        """Cancel all open orders of every connected session of `venue`."""
        keys = [p.key for p in self.orders.sessions() if p.venue == venue]
        if not keys:
            self._notify("warning", f"Cancel all: {venue} is not connected")
            return
        for key in keys:
            self.cancel_all_of(key, Symbol(symbol) if symbol else None)

    def cancel_all_of(self, key: SessionKey, symbol: Symbol | None = None) -> None:
        self.tasks.spawn(self._cancel_all(key, symbol), "cancel-all")

    def cancel_all_active(self) -> None:
        if self.session is not None:
            self.cancel_all_of(self.session, None)

    async def _cancel_all(self, key: SessionKey, symbol: Symbol | None) -> None:
        try:
            touched = await self.orders.cancel_all(key, symbol)
        except NotConnected as exc:
            self._notify("warning", f"Cancel all: {exc}")
            return
        self._notify(
            "info",
            f"Cancel all on {key}{' ' + symbol if symbol else ''}: {len(touched)} order(s)",
        )
        self.orders_version += 1

    def hotkey_side(self, side: Side) -> None:
        """Buy/Sell hotkeys: switch the ticket's side; submit (with its confirmation) if the
        ticket is complete, else put the cursor in the amount."""
        entry = self.panels.entry
        entry.set_side(side)
        if entry.can_submit():
            entry.request_submit()
        else:
            entry.focus_amount()

    # ------------------------------------------------------------------ entry gating
    def _venue_block_reasons(self, key: SessionKey) -> list[str]:
        """Why session `key` takes no orders now (asked once, for an amend of an order
        of a session the ticket is not showing)."""
        reason = self.orders.entry.readiness(key).reason
        return [reason] if reason else []

    def entry_block_reason(self) -> str | None:
        """Why the ticket is disabled now, in words (None: it may send): the latest
        readiness the entry gate delivered for the active session (entry_readiness.py)."""
        return self.entry.block_reason()


class TradingFrame:
    """Per frame: balances and chart order lines when they changed."""

    def __init__(self, wiring: TradingWiring) -> None:
        self.wiring = wiring
        self.frames = FrameCounter()
        self._balances_version = -1
        self._orders_version = -1
        self._panel_balances: dict[SessionKey, int] = {}  # session -> version shown

    def _feed_balances(self) -> None:
        """The balances panel gets every connected session's balances (it shows one
        session or all combined); a session gone is taken out."""
        w = self.wiring
        keys = {port.key for port in w.orders.sessions()}
        if w.session is not None:
            keys.add(w.session)
        for key in keys:
            version = w.state.balances_version(key)
            if self._panel_balances.get(key) != version:
                self._panel_balances[key] = version
                w.panels.balances.set_balances(key, w.state.balances(key))
        for gone in set(self._panel_balances) - keys:
            del self._panel_balances[gone]
            w.panels.balances.set_balances(gone, None)

    def reset(self) -> None:
        self._balances_version = -1
        self._orders_version = -1

    def refresh(self) -> bool:
        w = self.wiring
        if not w.price_sources_complete:  # depth and chart come after the first book
            w.connect_price_sources()
        session = w.session
        if session is not None:
            version = w.state.balances_version(session)
            if version != self._balances_version:
                self._balances_version = version
                w.panels.entry.set_balances(w.state.balances(session))
        self._feed_balances()
        w._offer_sessions()
        if w.orders_version != self._orders_version and w.panels.chart is not None:
            self._orders_version = w.orders_version
            w.panels.chart.set_orders(
                w.orders.open_orders(session) if session else [], **chart_inputs(w.orders, session)
            )
        if w.protect is not None:
            w.protect.refresh()
        return False
