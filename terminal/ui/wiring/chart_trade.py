"""Trading from the chart: its right-click menu to the ticket and the order service.

"Buy/Sell limit here" put side, Limit and the clicked price in the ticket and open the
ticket's review (its check, then its confirmation): nothing is ever sent without it.
Dropping a dragged order line amends that order (terminal.ui.wiring.chart_lines).
"Stop here" builds a stop-market with the ticket's amount, triggered at the clicked
price (a sell stop below the last price, a buy stop above), checked by the order
service and confirmed in a dialog showing the trigger (terminal.ui.wiring.dom_stop).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal.core.marketstate import FeedKind
from terminal.domain.enums import Side
from terminal.ui.panels.ticket import EntryKind
from terminal.ui.widgets.chart_menu import BUY_LIMIT, SELL_LIMIT, STOP, ChartTradeMenu
from terminal.ui.wiring.chart_lines import ChartOrderDrag
from terminal.ui.wiring.dom_stop import LadderStops


class ChartTrading:
    def __init__(
        self,
        chart: Any,
        entry: Any,
        state: Any,
        orders: Any,
        market: Any,
        trading: Any,
        window: Any,
        notify: Any,
    ) -> None:
        self.chart = chart
        self.entry = entry
        self.state = state
        self.market = market
        self.trading = trading
        self.window = window
        self._notify = notify
        self.last_message = ""
        self.menu = ChartTradeMenu(chart)
        self.menu.chosen.connect(self.choose)
        self.stops = LadderStops(orders, trading, self.say, window)
        self.drags = ChartOrderDrag(chart, orders, trading, self.say, window)

    def say(self, text: str, error: bool = False) -> None:
        self.last_message = text
        if error:
            self._notify("warning", f"Chart: {text}")
        else:
            self.window.show_status(text)

    def last_price(self) -> Decimal | None:
        active = self.market.active
        if active is None:
            return None
        ticker = self.state.ticker(active.key(FeedKind.TICKER))
        if ticker is not None and ticker.last is not None:
            return ticker.last
        view = self.state.book_view(active.key(FeedKind.BOOK), 1)
        return view.mid if view is not None else None

    def choose(self, kind: str, price_text: str) -> None:
        entry = self.entry
        reason = self.trading.entry_block_reason()
        if kind in (BUY_LIMIT, SELL_LIMIT):
            entry.set_side(Side.BUY if kind == BUY_LIMIT else Side.SELL)
            if entry.current_kind() is EntryKind.MARKET:
                entry.set_kind(EntryKind.LIMIT)
            entry.set_price(price_text)
            if reason:
                self.say(f"Not sent: order entry disabled: {reason}", True)
                return
            entry.request_submit()  # the ticket's check, then its confirmation
            if entry.confirmation is None:
                problems = "; ".join(entry.state.problems) or entry.status_label.text()
                self.say(f"Not sent: {problems or 'the ticket cannot send now'}", True)
            return
        if kind == STOP:
            if reason:
                self.say(f"Not sent: order entry disabled: {reason}", True)
                return
            rules = entry.rules
            request = self.stops.request(
                Decimal(price_text), self.last_price(), entry.state.amount, rules
            )
            if request is not None:
                self.stops.place(request, rules, skip_confirm=False)
