"""Conditional orders (STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT, with a
stop price and/or a trailing delta) waiting for their trigger on the LAST TRADE price.

A waiting order is open (status NEW, funds locked) but not on the book. Every trade price
of a symbol that has waiting orders is queued by the engine; ``run`` walks the queue in
trade order, fires what it crosses, and the fired orders execute as MARKET (stop-loss and
take-profit) or LIMIT (the ``_LIMIT`` types) orders in the same engine step.

Trailing stops follow Binance's trailing-stop FAQ: without a stop price the order tracks
from the last trade at placement; with one it starts tracking at the first trade that
meets the stop condition. A sell tracks the highest trade price and fires after a drop of
``trailingDelta`` BIPS from it; a buy tracks the lowest and fires after a rise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ApiError, filter_failure
from .markets import MAX_ALGO_ORDERS
from .newparams import stop_condition_met
from .orders import ExecEvent, Order

if TYPE_CHECKING:
    from .engine_ports import TriggerEngine

WOULD_TRIGGER = "Order would trigger immediately."
BIPS = 10_000


class Triggers:
    def __init__(self, engine: TriggerEngine) -> None:
        self.engine = engine
        self.waiting: dict[str, dict[tuple[str, int], Order]] = {}
        self.prices: dict[str, list[int]] = {}

    # --- placement ----------------------------------------------------------------------
    def check_new(self, order: Order, list_leg: bool = False) -> None:
        """-2010 when the stop price is already met by the last trade price (order-list
        legs are checked by their list's price rules instead), and the
        MAX_NUM_ALGO_ORDERS filter."""
        eng = self.engine
        last = eng.reference_price(order.symbol)
        if (
            not list_leg
            and order.stop_price
            and last
            and stop_condition_met(order.type, order.is_buy, order.stop_price, last)
        ):
            raise ApiError(-2010, WOULD_TRIGGER)
        self.check_algo_count(order.account, order.symbol, 1)

    def check_algo_count(self, account: str, symbol: str, adding: int) -> None:
        n = sum(
            1
            for o in self.engine.open.get(account, {}).values()
            if o.symbol == symbol and o.conditional
        )
        if n + adding > MAX_ALGO_ORDERS:
            raise filter_failure("MAX_NUM_ALGO_ORDERS")

    def watch(self, order: Order, restoring: bool = False) -> None:
        """Start waiting for the trigger. A trailing order without a stop price tracks from
        the last trade price now."""
        if order.trailing_delta and not order.stop_price and not order.track and not restoring:
            order.track = self.engine.reference_price(order.symbol)
            order.trailing_time = self.engine.clock()
        self.waiting.setdefault(order.symbol, {})[(order.symbol, order.order_id)] = order

    def watch_now(self, order: Order) -> None:
        """Start waiting and judge the current last price at once (an order-list leg placed
        after its working order filled may already be past its stop)."""
        self.watch(order)
        last = self.engine.last_price.get(order.symbol)
        if last:
            self.prices.setdefault(order.symbol, []).append(last)

    def unwatch(self, order: Order) -> None:
        orders = self.waiting.get(order.symbol)
        if orders is not None:
            orders.pop((order.symbol, order.order_id), None)
            if not orders:
                del self.waiting[order.symbol]

    # --- market ---------------------------------------------------------------------------
    def saw_price(self, symbol: str, ticks: int) -> None:
        """Called by the engine for every trade (cheap when nothing waits on the symbol)."""
        if symbol in self.waiting:
            self.prices.setdefault(symbol, []).append(ticks)

    def run(self) -> bool:
        """Judge the queued trade prices; fire what they trigger. True if anything fired."""
        if not self.prices:
            return False
        prices, self.prices = self.prices, {}
        fired: list[Order] = []
        for symbol, ticks in prices.items():
            orders = self.waiting.get(symbol)
            if not orders:
                continue
            for t in ticks:
                for key, o in sorted(orders.items(), key=lambda kv: kv[1].order_id):
                    if self._hit(o, t):
                        del orders[key]
                        fired.append(o)
                if not orders:
                    break
            if not orders:
                self.waiting.pop(symbol, None)
        for o in fired:
            if o.is_open:  # a sibling fired earlier in this pass may have ended it
                self.fire(o)
        return bool(fired)

    def _hit(self, o: Order, t: int) -> bool:
        if not o.trailing_delta:
            return stop_condition_met(o.type, o.is_buy, o.stop_price, t)
        if not o.track:  # trailing, waiting for its stop price to start tracking
            if stop_condition_met(o.type, o.is_buy, o.stop_price, t):
                o.track = t
                o.trailing_time = self.engine.clock()
                self.engine._touch(o)
            return False
        d = o.trailing_delta
        if o.is_buy:
            if t < o.track:
                o.track = t
                self.engine._touch(o)
            return t * BIPS >= o.track * (BIPS + d)
        if t > o.track:
            o.track = t
            self.engine._touch(o)
        return t * BIPS <= o.track * (BIPS - d)

    def fire(self, o: Order) -> None:
        """The trigger price traded: the order starts working (reported NEW again, now on
        the book or executing) and runs as a MARKET or LIMIT order."""
        eng = self.engine
        if o.order_list_id >= 0:
            eng.lists.leg_triggered(o)
        now = eng.clock()
        o.working_time = now
        o.update_time = now
        if o.market_like:
            eng._release(o)  # a market order spends free funds, as a plain MARKET does
            try:
                eng._check_market_funds(o.account, eng.specs[o.symbol], eng.books[o.symbol], o)
            except ApiError:
                o.status = "EXPIRED"
                eng.open[o.account].pop((o.symbol, o.order_id), None)
                eng._touch(o)
                eng._emit(o.account, ExecEvent(o, "EXPIRED", now))
                return
        eng._emit(o.account, ExecEvent(o, "NEW", now))
        eng.work(o, [])
        eng.books[o.symbol].commit()
