"""The local venue of a paper-on-live session: the paper exchange's matching engine fed
with the live venue's book and trades.

* The engine's book mirrors the live book (as simulated liquidity): a market order walks
  it and fills at the live prices; a limit order that crosses it takes what it crosses.
* A resting limit order joins its level behind the live quantity resting there when it
  was placed (the engine's `sim_ahead`): that is its queue position.
* A live trade fills resting orders only where the venue traded THROUGH them: every
  order strictly better than the trade's price fills in full (the venue traded past it),
  an order AT the trade's price fills only after the volume ahead of it has traded there.
  Book updates never move the queue: a level that shrinks keeps at least the quantity
  still ahead of our orders.
* Balances, fees (the market's rates as ccxt reports them), filters and order state are
  the engine's; with a data directory they persist like the paper exchange's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from terminal.core.errors import OrderNotFoundError, OrderRejectedError
from terminal.domain.enums import Side
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balance, Balances, BookLevel, Trade
from terminal.domain.order import Order
from terminal.domain.reports import FillReport, OrderReport
from terminal.paper.engine import Engine
from terminal.paper.errors import ApiError
from terminal.paper.markets import MarketSpec
from terminal.paper.orders import ExecEvent
from terminal.paper.orders import Order as EngineOrder
from terminal.paper.store import Store

from .markets import fees_of, spec_of
from .reports import engine_params, fill_report, order_report

log = logging.getLogger(__name__)

ACCOUNT = "paper-on-live"
NOT_FOUND = (-2011, -2013)


class LocalVenue:
    """Orders, balances and matching of one paper-on-live session (synchronous)."""

    def __init__(
        self,
        venue: str,
        rules: Mapping[Symbol, MarketRules],
        clock_ms: Callable[[], int],
        *,
        balances: Mapping[str, Decimal] | None = None,
        reset: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        self.venue = venue
        self.rules = dict(rules)
        specs = [s for s in (spec_of(r) for r in self.rules.values()) if s is not None]
        self.engine = Engine(specs, clock_ms)
        for spec in specs:
            self.engine.market_fees[spec.symbol] = fees_of(self.rules[Symbol(spec.symbol)])
        starting = dict(balances or {})
        self.store = Store(data_dir) if data_dir is not None else None
        if self.store is not None:
            if reset:
                self.store.reset()
            if reset or not self.store.accounts():
                self.store.add_account(ACCOUNT, "", starting, True)
            self.store.load_into(self.engine)
        else:
            self.engine.add_account(ACCOUNT, starting)
        self.on_order: list[Callable[[OrderReport], None]] = []
        self.on_fill: list[Callable[[FillReport], None]] = []
        self.on_balances: list[Callable[[Balances], None]] = []
        self.engine.on_exec.append(self._exec)
        self._balances_changed = False
        self.engine.on_balance.append(self._balance_moved)

    # ---- the live market -------------------------------------------------------------
    def spec(self, symbol: str) -> MarketSpec:
        spec = self.engine.specs.get(str(symbol))
        if spec is None:
            raise OrderRejectedError(
                f"{self.venue} paper on live cannot trade {symbol}: its tick or step has more "
                "than eight decimals",
                venue=self.venue,
            )
        return spec

    def sync_book(self, symbol: str, bids: Sequence[BookLevel], asks: Sequence[BookLevel]) -> None:
        """Mirror the live book as the engine's simulated liquidity. At a level where our
        orders rest, the quantity never drops below what is still ahead of them."""
        spec = self.engine.specs.get(str(symbol))
        if spec is None:
            return
        book = self.engine.books[spec.symbol]
        for side, levels in ((book.bids, bids), (book.asks, asks)):
            fresh: dict[int, int] = {}
            for level in levels:
                ticks = level.price.scaleb(spec.price_decimals)
                if ticks != ticks.to_integral_value() or level.amount <= 0:
                    continue  # off the grid: not a price this market takes
                steps = int(level.amount.scaleb(spec.qty_decimals).to_integral_value(ROUND_DOWN))
                if steps > 0:
                    fresh[int(ticks)] = steps
            for t in [t for t in side.sim if t not in fresh]:
                fresh[t] = 0
            for t, q in fresh.items():
                ul = side.users.get(t)
                side.set_sim(t, max(q, ul.sim_ahead) if ul is not None else q)
        book.commit()
        self._publish_balances()

    def live_trades(self, symbol: str, trades: Sequence[Trade]) -> None:
        """Fill resting orders from the venue's trades (see the module's rules)."""
        spec = self.engine.specs.get(str(symbol))
        if spec is None:
            return
        for trade in trades:
            self._live_trade(spec, trade)
        self._publish_balances()
        self.save()

    def _live_trade(self, spec: MarketSpec, trade: Trade) -> None:
        ticks = trade.price.scaleb(spec.price_decimals)
        steps = int(trade.amount.scaleb(spec.qty_decimals).to_integral_value(ROUND_DOWN))
        if ticks != ticks.to_integral_value() or ticks <= 0 or steps <= 0:
            return
        price = int(ticks)
        book = self.engine.books[spec.symbol]
        taker_buys = trade.side is Side.BUY
        if trade.side is None:  # the venue did not say: the side of the book it printed on
            best_ask = book.asks.best()
            taker_buys = best_ask is not None and price >= best_ask
        makers = book.side(not taker_buys)  # the side the trade took from
        better = [t for t in makers.ticks if (t > price if makers.is_bid else t < price)]
        through = 0
        for t in better:  # traded through: nothing there is ahead of our orders any more
            ul = makers.users.get(t)
            through += ul.total if ul is not None else 0
            makers.set_sim(t, 0)
        filled = self.engine.sim_take(spec.symbol, taker_buys, through + steps, price)
        if not filled:  # nothing local at that price: stops still see the trade
            self.engine.last_price[spec.symbol] = price
            self.engine.triggers.saw_price(spec.symbol, price)
            self.engine.settle()

    # ---- orders ------------------------------------------------------------------------
    def place(self, order: Order) -> OrderReport:
        spec = self.spec(order.symbol)
        self._check_rules(order)
        try:
            placed, _fills = self.engine.place(ACCOUNT, engine_params(order, self.venue))
        except ApiError as exc:
            raise self._error(exc) from None
        finally:
            self._publish_balances()
            self.save()
        return order_report(placed, spec, self._fills_of(placed))

    def _check_rules(self, order: Order) -> None:
        """The venue's own filters (a tick or step that is not a power of ten included)."""
        rules = self.rules.get(order.symbol)
        if rules is None:
            return
        price = order.price if order.type.has_limit_price else None
        broken = rules.validate(order.side, order.type, order.amount, price)
        if broken:
            raise OrderRejectedError(
                f"{self.venue} (paper on live): {broken[0].message}", venue=self.venue
            )

    def cancel(self, client_order_id: ClientOrderId, symbol: str) -> OrderReport:
        spec = self.spec(symbol)
        params = {"symbol": spec.symbol, "origClientOrderId": str(client_order_id)}
        try:
            canceled, _cid = self.engine.cancel(ACCOUNT, params)
        except ApiError as exc:
            raise self._error(exc) from None
        finally:
            self._publish_balances()
            self.save()
        return order_report(canceled, spec)

    def cancel_all(self, symbol: str) -> list[OrderReport]:
        spec = self.spec(symbol)
        out = []
        for o in self.engine.open_orders(ACCOUNT, spec.symbol):
            if o.is_open:
                out.append(self.cancel(ClientOrderId(o.client_id), symbol))
        return out

    def query(self, client_order_id: ClientOrderId, symbol: str) -> OrderReport:
        spec = self.spec(symbol)
        found = self.engine.find(ACCOUNT, spec.symbol, None, str(client_order_id))
        if found is None:
            raise OrderNotFoundError(
                f"{self.venue} (paper on live) has no order {client_order_id}", venue=self.venue
            )
        return order_report(found, spec, self._fills_of(found))

    def open_orders(self, symbol: str | None = None) -> list[OrderReport]:
        sym = self.spec(symbol).symbol if symbol else None
        return [
            order_report(o, self.engine.specs[o.symbol])
            for o in self.engine.open_orders(ACCOUNT, sym)
        ]

    def fills(self, symbol: str, since_ms: int | None = None) -> list[FillReport]:
        spec = self.spec(symbol)
        ids = {
            o.order_id: o.client_id
            for (s, _), o in self.engine.orders.get(ACCOUNT, {}).items()
            if s == spec.symbol
        }
        return [
            fill_report(t, spec, ids.get(t.order_id, ""))
            for t in self.engine.trades.get(ACCOUNT, [])
            if t.symbol == spec.symbol and (since_ms is None or t.time >= since_ms)
        ]

    def balances(self) -> Balances:
        snap = self.engine.ledger.snapshot(ACCOUNT)
        return Balances(
            {a: Balance(a, f, lk) for a, (f, lk) in snap.items() if f or lk},
            timestamp_ms=self.engine.clock(),
        )

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self.engine)

    def close(self) -> None:
        if self.store is not None:
            self.save()
            self.store.close()
            self.store = None

    # ---- events ------------------------------------------------------------------------
    def _error(self, exc: ApiError) -> Exception:
        if exc.code in NOT_FOUND:
            return OrderNotFoundError(f"{self.venue} (paper on live): {exc.msg}", venue=self.venue)
        return OrderRejectedError(f"{self.venue} (paper on live): {exc.msg}", venue=self.venue)

    def _fills_of(self, o: EngineOrder) -> tuple[FillReport, ...]:
        spec = self.engine.specs[o.symbol]
        return tuple(
            fill_report(t, spec, o.client_id)
            for t in self.engine.trades.get(ACCOUNT, [])
            if t.symbol == o.symbol and t.order_id == o.order_id
        )

    def _exec(self, account: str, ev: ExecEvent) -> None:
        if account != ACCOUNT:
            return
        spec = self.engine.specs[ev.order.symbol]
        fill = None
        if ev.exec_type == "TRADE":
            trades = self.engine.trades.get(ACCOUNT, [])
            if trades and trades[-1].trade_id == ev.trade_id:
                fill = fill_report(trades[-1], spec, ev.order.client_id)
        report = order_report(ev.order, spec)
        for fn in list(self.on_order):
            fn(report)
        if fill is not None:
            for fill_fn in list(self.on_fill):
                fill_fn(fill)

    def _balance_moved(self, account: str, _assets: set[str]) -> None:
        if account == ACCOUNT:
            self._balances_changed = True

    def _publish_balances(self) -> None:
        if not self._balances_changed:
            return
        self._balances_changed = False
        balances = self.balances()
        for fn in list(self.on_balances):
            fn(balances)
