"""The price ladder to the order path: what each click does, armed or not.

Disarmed (the default), a click on a bid/ask or price cell fills the ticket (side and
price) and sends nothing. Armed, a bid/ask click puts side and price in the ticket
(the ticket's amount, type and time in force stay) and sends it through the ticket's
own path: its validation, its confirmation dialog (skipped only when the user ticked
"Send without confirmation" for this arming), then the order service with the gate and
the journal, exactly as the Send button does. A click on my orders cancels them; a
drag of my orders to another row amends them through the order service's amend. A
Shift+click places a stop-market order at that row's price (terminal.ui.wiring.dom_stop).

The ladder disarms by itself when the symbol, the venue session or the testnet lock
changes (checked on every frame tick).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from terminal.core.marketstate import FeedKind, MarketState
from terminal.core.orders.service import OrderService
from terminal.core.ports import Refusal
from terminal.core.safety.state import SafetyState
from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.order import Order
from terminal.ui.frame import FrameCounter
from terminal.ui.panels.precision import amount_text, price_text
from terminal.ui.widgets.dom import DomFeed
from terminal.ui.widgets.dom_rows import VolumeAtPrice
from terminal.ui.wiring.dom_stop import LadderStops
from terminal.ui.wiring.market import MarketWiring
from terminal.ui.wiring.trading import TradingWiring

log = logging.getLogger(__name__)

TRADES_WINDOW = 1000  # recent trades read per change (the feed keeps a ring)


@dataclass
class LadderAmend:
    """An amend asked by a drag, speaking the amend dialog's interface to the trading
    wiring (so a drag runs the very same amend path as Open orders > Amend…)."""

    client_order_id: str
    amount: Decimal
    price: Decimal
    report: Any  # (text, error) -> None
    rules: MarketRules | None = None  # the market's precision, for the text it reports
    confirmed: frozenset[str] = field(default_factory=frozenset)
    result: Order | None = None
    failed: str = ""

    def show_refusals(self, refusals: list[Refusal]) -> None:
        self.failed = "Not amended: " + "; ".join(r.message for r in refusals)
        self.report(self.failed, True)

    def amend_failed(self, message: str) -> None:
        self.failed = message
        self.report(message, True)

    def amend_done(self, order: Order) -> None:
        self.result = order
        self.report(
            f"Amended: {order.side.value} {amount_text(self.rules, order.amount)} @ "
            f"{price_text(self.rules, order.price, '-')}",
            False,
        )


class DomWiring:
    def __init__(
        self,
        panel: Any,
        entry: Any,
        state: MarketState,
        orders: OrderService,
        safety: SafetyState,
        market: MarketWiring,
        trading: TradingWiring,
    ) -> None:
        self.panel = panel
        self.entry = entry
        self.state = state
        self.orders = orders
        self.safety = safety
        self.market = market
        self.trading = trading
        self.volume = VolumeAtPrice()
        self.frames = FrameCounter()
        self._context: Any = None
        self._trades_version = -1
        self._awaiting_send = False
        self.last_amend: LadderAmend | None = None
        self.stops = LadderStops(orders, trading, panel.say, panel)
        view = panel.view
        panel.armToggled.connect(self.set_armed)
        view.limitClicked.connect(self.limit_clicked)
        view.stopClicked.connect(self.stop_clicked)
        view.priceClicked.connect(self.price_clicked)
        view.ordersClicked.connect(self.orders_clicked)
        view.ordersDragged.connect(self.orders_dragged)

    # ------------------------------------------------------------------ arming
    def set_armed(self, armed: bool) -> None:
        if not armed:
            self.panel.set_armed(False, "by you")
            return
        reason = self.trading.entry_block_reason()
        if reason:
            self.panel.set_armed(False)
            self.panel.say(f"Not armed: order entry disabled: {reason}", True)
            return
        self.panel.set_armed(True)
        self.panel.say("")

    def _context_now(self) -> Any:
        active = self.market.active
        return (
            self.trading.session,
            active.symbol if active else None,
            self.safety.lock.snapshot(),
        )

    # ------------------------------------------------------------------ clicks
    def limit_clicked(self, side: Side, price_text: str) -> None:
        entry = self.entry
        entry.set_side(side)
        entry.set_price(price_text)
        if not self.panel.armed:
            self.panel.say(f"Ticket: {side.value} @ {price_text} (disarmed: nothing sent)")
            return
        reason = self.trading.entry_block_reason()
        if reason:
            self.panel.say(f"Not sent: order entry disabled: {reason}", True)
            return
        if entry.state.request is None:
            problems = "; ".join(entry.state.problems) or "the ticket is incomplete"
            self.panel.say(f"Not sent: {problems}", True)
            return
        what = f"{side.value} {entry.state.amount} @ {price_text}"
        if self.panel.skip_confirm:
            if entry.send_without_confirm():
                self._awaiting_send = True
                self.panel.say(f"Sending {what}…")
            else:
                self.panel.say(
                    f"Not sent: {entry.blocked_reason or 'the ticket cannot send now'}", True
                )
            return
        entry.request_submit()
        if entry.confirmation is not None:
            self._awaiting_send = True
            self.panel.say(f"Confirm {what} in the dialog")
        else:
            self.panel.say("Not sent: the ticket cannot send now (see the ticket)", True)

    def stop_clicked(self, side: Side, price_text: str) -> None:
        """A stop-market at the row's price as its trigger (see dom_stop)."""
        if not self.panel.armed:
            self.entry.set_price(price_text)
            self.panel.say(
                "Arm the ladder to place a stop with Shift+click (disarmed: nothing sent)"
            )
            return
        reason = self.trading.entry_block_reason()
        if reason:
            self.panel.say(f"Not sent: order entry disabled: {reason}", True)
            return
        view = self.panel.view
        request = self.stops.request(
            Decimal(price_text), view.last_price(), self.entry.state.amount, view.rules
        )
        if request is not None:
            self.stops.place(request, view.rules, self.panel.skip_confirm)

    def price_clicked(self, price_text: str) -> None:
        self.entry.set_price(price_text)
        self.panel.say(f"Ticket price: {price_text}")

    def _orders_at(self, price_text: str) -> list[Order]:
        view = self.panel.view
        ladder = view.ladder()
        index = ladder.row_of(Decimal(price_text))
        row = ladder.rows[index] if index is not None else None
        if row is None or row.orders is None:
            return []
        ids = set(row.orders.client_order_ids)
        return [o for o in self.orders.open_orders() if str(o.client_order_id) in ids]

    def orders_clicked(self, price_text: str) -> None:
        mine = self._orders_at(price_text)
        if not self.panel.armed:
            self.entry.set_price(price_text)
            self.panel.say(
                f"{len(mine)} order(s) at {price_text}: arm the ladder to cancel "
                "with a click (or use Open orders)"
            )
            return
        for order in mine:
            self.trading.cancel(str(order.client_order_id))
        self.panel.say(f"Cancelling {len(mine)} order(s) at {price_text}")

    def orders_dragged(self, from_text: str, to_text: str) -> None:
        mine = self._orders_at(from_text)
        if not self.panel.armed:
            self.panel.say(
                "Arm the ladder to move orders by dragging (or use Open orders > Amend…)", True
            )
            return
        if not mine:
            return
        price = Decimal(to_text)
        for order in mine:
            reason = self.trading.amend_block_reason(order)
            if reason:
                self.panel.say(f"Not amended: {reason}", True)
                continue
            rules = self.trading.precision.rules(str(order.venue), str(order.symbol))
            request = LadderAmend(
                str(order.client_order_id), order.amount, price, self.panel.say, rules
            )
            self.last_amend = request
            self.trading.amend(request)
        self.panel.say(f"Moving {len(mine)} order(s) from {from_text} to {to_text}…")

    # ------------------------------------------------------------------ frame
    def _point(self) -> None:
        """Follow the active market: rules, provider, a fresh volume profile."""
        active, session = self.market.active, self.trading.session
        self.volume.clear()
        self._trades_version = -1
        port = self.orders.session(session) if session is not None else None
        rules = port.markets.get(active.symbol) if port is not None and active else None
        self.panel.set_market(rules)
        if active is None:
            self.panel.set_provider(None)
            return
        st, book_key = self.state, active.key(FeedKind.BOOK)
        ticker_key = active.key(FeedKind.TICKER)
        session_now = active.session
        cache: list[Any] = [object(), None]

        def provider() -> tuple[Any, Any]:
            version = (
                st.item_version(book_key),
                st.item_version(ticker_key),
                self.volume.version,
                self.trading.orders_version,
            )
            if version != cache[0]:
                ticker = st.ticker(ticker_key)
                cache[0] = version
                cache[1] = DomFeed(
                    st.book_view(book_key, 1000),
                    tuple(self.orders.open_orders()),
                    dict(self.volume.volume),
                    ticker.last if ticker is not None else None,
                    session_now,
                )
            return cache[0], cache[1]

        self.panel.set_provider(provider)
        self.panel.set_placeholder(f"Connecting to {active.symbol}…")

    def refresh(self) -> bool:
        context = self._context_now()
        if context != self._context:
            first = self._context is None
            old, self._context = self._context, context
            if self.panel.armed and not first:
                what = (
                    "symbol changed"
                    if old[1] != context[1]
                    else "venue session changed"
                    if old[0] != context[0]
                    else "testnet lock changed"
                )
                self.panel.set_armed(False, what)
                self.panel.say(f"Disarmed: {what}")
            if first or old[:2] != context[:2]:
                self._point()
        active = self.market.active
        if active is not None:
            key = active.key(FeedKind.TRADES)
            version = self.state.item_version(key)
            if version != self._trades_version:
                self._trades_version = version
                self.volume.add(self.state.recent_trades(key, TRADES_WINDOW, newest_first=False))
        if self._awaiting_send and not self.entry.pending and self.entry.confirmation is None:
            self._awaiting_send = False
            text = self.entry.status_label.text()
            self.panel.say(text, text.startswith(("Not sent", "Rejected", "Outcome")))
        return False
