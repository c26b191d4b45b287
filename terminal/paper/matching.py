"""The matching half of the engine: run a taker order against the book and settle each
fill between its two parties (user orders or the simulated market): balances, fees, the
public tape, user trades and execution reports."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .book import Book, Resting
from .errors import insufficient_balance
from .ledger import FEES, MARKET, Ledger
from .markets import MarketSpec
from .orders import ExecEvent, Order, PublicTrade, UserTrade
from .triggers import Triggers

EIGHT = Decimal("1e-8")


@dataclass
class FeeSchedule:
    maker: Decimal = Decimal("0.001")
    taker: Decimal = Decimal("0.001")


class Matching:
    """Fills and their settlement (mixed into `Engine`, which owns the state below)."""

    specs: dict[str, MarketSpec]
    books: dict[str, Book]
    clock: Callable[[], int]
    fees: FeeSchedule
    market_fees: dict[str, FeeSchedule]
    ledger: Ledger
    open: dict[str, dict[tuple[str, int], Order]]
    trades: dict[str, list[UserTrade]]
    next_trade_id: dict[str, int]
    tape: dict[str, deque[PublicTrade]]
    last_price: dict[str, int]
    on_trade: list[Callable[[str, PublicTrade], None]]
    triggers: Triggers
    new_trades: list[UserTrade]
    settle: Callable[[], None]
    _touch: Callable[[Order], None]
    _emit: Callable[[str, ExecEvent], None]

    def _check_market_funds(self, account: str, m: MarketSpec, book: Book, order: Order) -> None:
        free = self.ledger.get(account, m.quote if order.is_buy else m.base)[0]
        if order.is_buy:
            if order.quote_order_qty:
                need = order.quote_order_qty
            else:
                _, cost = book.cost_of(True, order.orig_qty)
                need = m.notional_dec(cost)
        else:
            need = m.qty_dec(order.orig_qty)
        if need > free:
            raise insufficient_balance()

    def _take(
        self,
        order: Order,
        m: MarketSpec,
        book: Book,
        limit: int | None,
        fills: list[dict[str, object]],
    ) -> None:
        """Run a user taker order against the book."""
        budget = None
        qty: int | None = order.orig_qty - order.executed
        if order.type == "MARKET" and order.quote_order_qty:
            units = order.quote_order_qty.scaleb(m.price_decimals + m.qty_decimals)
            budget, qty = int(units), None
        for maker, t, q in book.match(order.is_buy, limit, qty, budget):
            trade_id, fee, fee_asset = self._fill(m, t, q, taker=order, maker=maker)
            fills.append(
                {
                    "price": m.price_str(t),
                    "qty": m.qty_str(q),
                    "commission": f"{fee:f}",
                    "commissionAsset": fee_asset,
                    "tradeId": trade_id,
                }
            )
        if order.market_like and qty is not None and order.executed < order.orig_qty:
            order.status = "EXPIRED"
        if order.market_like and budget is not None and not order.executed:
            order.status = "EXPIRED"

    def sim_take(self, symbol: str, is_buy: bool, qty: int, limit: int | None = None) -> int:
        """A simulated taker (market order of the crowd). Returns the filled steps."""
        m = self.specs[symbol]
        book = self.books[symbol]
        filled = 0
        for maker, t, q in book.match(is_buy, limit, qty):
            self._fill(m, t, q, taker=None, maker=maker, taker_is_buy=is_buy)
            filled += q
        book.commit()
        self.settle()
        return filled

    def _fill(
        self,
        m: MarketSpec,
        t: int,
        q: int,
        taker: Order | None,
        maker: Resting | None,
        taker_is_buy: bool | None = None,
    ) -> tuple[int, Decimal, str]:
        """Settle one fill between two parties (user orders or the simulated market)."""
        now = self.clock()
        tid = self.next_trade_id[m.symbol]
        self.next_trade_id[m.symbol] = tid + 1
        is_buy = taker.is_buy if taker is not None else bool(taker_is_buy)
        self.last_price[m.symbol] = t
        self.triggers.saw_price(m.symbol, t)
        trade = PublicTrade(tid, t, q, now, buyer_is_maker=not is_buy)
        self.tape[m.symbol].append(trade)
        taker_fee: tuple[Decimal, str] = (Decimal(0), m.quote)
        for order, is_maker in ((maker, True), (taker, False)):
            if not isinstance(order, Order):
                self._settle_market(m, t, q, buyer=(is_buy != is_maker))
                continue
            fee, fee_asset = self._settle_user(m, order, t, q, is_maker, tid, now)
            if not is_maker:
                taker_fee = (fee, fee_asset)
        for cb in self.on_trade:
            cb(m.symbol, trade)
        return tid, taker_fee[0], taker_fee[1]

    def _settle_market(self, m: MarketSpec, t: int, q: int, buyer: bool) -> None:
        base, quote = m.qty_dec(q), m.notional_dec(t * q)
        led = self.ledger
        if buyer:
            led.credit(MARKET, m.base, base)
            led.debit_free(MARKET, m.quote, quote)
        else:
            led.debit_free(MARKET, m.base, base)
            led.credit(MARKET, m.quote, quote)

    def _settle_user(
        self, m: MarketSpec, o: Order, t: int, q: int, is_maker: bool, tid: int, now: int
    ) -> tuple[Decimal, str]:
        led = self.ledger
        base, quote = m.qty_dec(q), m.notional_dec(t * q)
        fees = self.market_fees.get(m.symbol, self.fees)
        rate = fees.maker if is_maker else fees.taker
        if o.is_buy:
            pay_asset, pay, recv_asset, recv = m.quote, quote, m.base, base
        else:
            pay_asset, pay, recv_asset, recv = m.base, base, m.quote, quote
        fee = (recv * rate).quantize(EIGHT, rounding=ROUND_HALF_UP)
        if o.locked_asset:
            led.debit_locked(o.account, pay_asset, pay)
            o.locked -= pay
        else:
            led.debit_free(o.account, pay_asset, pay)
        led.credit(o.account, recv_asset, recv - fee)
        led.credit(FEES, recv_asset, fee)
        o.executed += q
        o.cum_quote += t * q
        o.update_time = now
        if o.type != "MARKET" or not o.quote_order_qty:
            o.status = "FILLED" if o.executed >= o.orig_qty else "PARTIALLY_FILLED"
        else:
            o.status = "PARTIALLY_FILLED"
        if is_maker and o.status == "FILLED":
            self.open[o.account].pop((o.symbol, o.order_id), None)
            self._release(o)
        ut = UserTrade(
            o.symbol, tid, o.order_id, o.account, t, q, fee, recv_asset, now, o.is_buy, is_maker
        )
        self.trades.setdefault(o.account, []).append(ut)
        self.new_trades.append(ut)
        self._touch(o)
        self._emit(
            o.account,
            ExecEvent(
                o,
                "TRADE",
                now,
                last_qty=q,
                last_price=t,
                commission=fee,
                commission_asset=recv_asset,
                trade_id=tid,
                is_maker=is_maker,
            ),
        )
        return fee, recv_asset

    def _release(self, o: Order) -> None:
        if o.locked_asset and o.locked:
            self.ledger.unlock(o.account, o.locked_asset, o.locked)
            o.locked = Decimal(0)
