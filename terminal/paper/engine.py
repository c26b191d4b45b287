"""Matching engine: price-time priority per symbol, balances, fees and order lifecycle
(the fills and their settlement are in `matching`).

User orders rest in the same :class:`Book` as the simulated liquidity, so the simulated
takers trade through them. Everything here is synchronous and single-threaded (it runs on
the server's event loop); listeners turn the results into stream frames and DB rows.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal

from .book import Book
from .errors import (
    DUPLICATE_ORDER,
    ORDER_NOT_EXIST,
    UNKNOWN_ORDER,
    WOULD_TAKE,
    ApiError,
    bad_symbol,
    missing_param,
)
from .ledger import Ledger
from .markets import MarketSpec, assets_of
from .matching import FeeSchedule, Matching
from .newparams import NewOrder, check_new_order
from .orderlist import OrderList
from .orderlists import OrderLists
from .orders import ExecEvent, Order, PublicTrade, UserTrade
from .triggers import Triggers

Clock = Callable[[], int]


class Engine(Matching):
    """Books, orders and balances of every account on the paper exchange."""

    def __init__(
        self, markets: list[MarketSpec], clock: Clock, fees: FeeSchedule | None = None
    ) -> None:
        self.specs: dict[str, MarketSpec] = {m.symbol: m for m in markets}
        self.books: dict[str, Book] = {m.symbol: Book(m.symbol) for m in markets}
        self.clock = clock
        self.fees = fees or FeeSchedule()
        # a market's own fee schedule where it differs from `fees` (venues charge per market)
        self.market_fees: dict[str, FeeSchedule] = {}
        self.ledger = Ledger(assets_of(markets))
        # every lock, unlock, fill and deposit reaches the balance listeners through this
        self.ledger.on_change = self._balance_changed
        self.orders: dict[str, dict[tuple[str, int], Order]] = {}
        self.open: dict[str, dict[tuple[str, int], Order]] = {}
        self.trades: dict[str, list[UserTrade]] = {}
        self.next_order_id: dict[str, int] = {s: 1 for s in self.specs}
        self.next_trade_id: dict[str, int] = {s: 1 for s in self.specs}
        self.tape: dict[str, deque[PublicTrade]] = {s: deque(maxlen=1000) for s in self.specs}
        self.last_price: dict[str, int] = {}
        # listeners
        self.on_trade: list[Callable[[str, PublicTrade], None]] = []
        self.on_exec: list[Callable[[str, ExecEvent], None]] = []
        self.on_balance: list[Callable[[str, set[str]], None]] = []
        self.on_list: list[Callable[[str, OrderList], None]] = []
        # conditional orders waiting for their trigger, and order lists
        self.triggers = Triggers(self)
        self.lists = OrderLists(self)
        self._settling = False
        # persistence bookkeeping
        self.dirty_orders: dict[int, Order] = {}
        self.new_trades: list[UserTrade] = []

    # --- accounts -----------------------------------------------------------------------
    def add_account(self, account: str, balances: Mapping[str, Decimal]) -> None:
        self.ledger.ensure(account)
        for asset, amount in balances.items():
            self.ledger.set(account, asset, amount)
        self.orders.setdefault(account, {})
        self.open.setdefault(account, {})
        self.trades.setdefault(account, [])

    def spec(self, symbol: str | None) -> MarketSpec:
        if not symbol:
            raise missing_param("symbol")
        m = self.specs.get(symbol)
        if m is None:
            raise bad_symbol()
        return m

    def restore_order(self, order: Order) -> None:
        """Re-insert a persisted order (and its book presence if open) at start-up."""
        self.orders.setdefault(order.account, {})[(order.symbol, order.order_id)] = order
        self.next_order_id[order.symbol] = max(self.next_order_id[order.symbol], order.order_id + 1)
        if order.is_open:
            self.open.setdefault(order.account, {})[(order.symbol, order.order_id)] = order
            if not order.working:
                if order.status != "PENDING_NEW":
                    self.triggers.watch(order, restoring=True)
                return
            order.leaves = order.orig_qty - order.executed
            self.books[order.symbol].side(order.is_buy).add_user(order.price, order)

    # --- order entry --------------------------------------------------------------------
    def place(self, account: str, p: Mapping[str, str]) -> tuple[Order, list[dict[str, object]]]:
        """POST /api/v3/order. Returns the order and its FULL-response fills."""
        out = self._place_checked(account, p, self.check_new_order(p))
        self.settle()
        return out

    def check_new_order(self, p: Mapping[str, str]) -> NewOrder:
        """Parameter and filter checks of a new order (no state is touched): Binance runs
        them before anything else, also before the cancel of a cancel-replace."""
        return check_new_order(self.spec, self.reference_price, p)

    def _place_checked(
        self, account: str, p: Mapping[str, str], n: NewOrder
    ) -> tuple[Order, list[dict[str, object]]]:
        cid = p.get("newClientOrderId") or ("paper_" + secrets.token_hex(10))
        order = self.new_order(account, n, cid)
        self.admission_check(order)
        self.lock_or_check_funds(order)
        self.commit_order(order)
        fills: list[dict[str, object]] = []
        if order.conditional:
            self.triggers.watch(order)
        else:
            self.work(order, fills)
        self.books[order.symbol].commit()
        return order, fills

    def new_order(
        self, account: str, n: NewOrder, cid: str, list_id: int = -1, offset: int = 0
    ) -> Order:
        """The order object of a checked request (nothing is consumed or locked yet)."""
        m = n.market
        for o in self.open.get(account, {}).values():
            if o.client_id == cid and o.symbol == m.symbol:
                raise ApiError(-2010, DUPLICATE_ORDER)
        now = self.clock()
        return Order(
            m.symbol,
            self.next_order_id[m.symbol] + offset,
            cid,
            account,
            n.side,
            n.type,
            n.tif,
            n.price,
            n.qty,
            now,
            update_time=now,
            quote_order_qty=n.quote_qty,
            stop_price=n.stop_price,
            trailing_delta=n.trailing_delta,
            order_list_id=list_id,
            working_time=-1 if n.conditional else 0,
        )

    def admission_check(self, order: Order, list_leg: bool = False) -> None:
        """The matching engine's refusals of a new order: a maker order that would take, a
        stop that would trigger at once (order-list legs have their own price rules)."""
        if order.type == "LIMIT_MAKER" and self.books[order.symbol].crosses(
            order.is_buy, order.price
        ):
            raise ApiError(-2010, WOULD_TAKE)
        if order.conditional:
            self.triggers.check_new(order, list_leg)

    def lock_need(self, order: Order) -> tuple[str, Decimal]:
        """What a resting or waiting order locks: the base quantity of a sell, the quote
        cost of a buy (at its limit price, or at the stop price for a stop-market)."""
        m = self.specs[order.symbol]
        if not order.is_buy:
            return m.base, m.qty_dec(order.orig_qty)
        price = order.price or order.stop_price or self.reference_price(order.symbol)
        return m.quote, m.notional_dec(price * order.orig_qty)

    def lock_or_check_funds(self, order: Order) -> None:
        if order.market_like and not order.conditional:
            self._check_market_funds(
                order.account, self.specs[order.symbol], self.books[order.symbol], order
            )
            return
        asset, amount = self.lock_need(order)
        self.ledger.lock(order.account, asset, amount)
        order.locked_asset, order.locked = asset, amount

    def commit_order(self, order: Order, emit: bool = True) -> None:
        """Consume the order id, keep the order (open while waiting for a trigger) and
        report it NEW."""
        self.next_order_id[order.symbol] = max(self.next_order_id[order.symbol], order.order_id + 1)
        self._remember(order)
        self._touch(order)
        if order.is_open and not order.working:
            self.open[order.account][(order.symbol, order.order_id)] = order
        if emit:
            self._emit(order.account, ExecEvent(order, "NEW", order.time))

    def work(self, order: Order, fills: list[dict[str, object]]) -> None:
        """Execute a working order against the book: market orders (and triggered
        stop/take-profit markets) sweep, limit orders take what crosses and rest (GTC) or
        expire (IOC, FOK)."""
        m, book, account = self.specs[order.symbol], self.books[order.symbol], order.account
        now = self.clock()
        key = (order.symbol, order.order_id)
        is_buy, price, tif = order.is_buy, order.price, order.tif
        if order.market_like:
            self._take(order, m, book, None, fills)
            order.status = "FILLED" if order.executed and order.status != "EXPIRED" else "EXPIRED"
            if order.quote_order_qty:
                order.orig_qty = order.executed
            if order.status == "EXPIRED":
                self._emit(account, ExecEvent(order, "EXPIRED", now))
        elif (
            tif == "FOK"
            and book.available(is_buy, price, order.orig_qty - order.executed)
            < order.orig_qty - order.executed
        ):
            order.status = "EXPIRED"
            self._emit(account, ExecEvent(order, "EXPIRED", now))
        else:
            if book.crosses(is_buy, price):
                self._take(order, m, book, price, fills)
            remaining = order.orig_qty - order.executed
            if remaining and tif == "GTC":
                order.leaves = remaining
                book.side(is_buy).add_user(price, order)
                self.open[account][key] = order
            elif remaining:
                order.status = "EXPIRED"
                self._emit(account, ExecEvent(order, "EXPIRED", now))
        if not order.is_open:
            self.open[account].pop(key, None)
            self._release(order)
        self._touch(order)

    def settle(self) -> None:
        """Everything that follows trades within the same engine step: stops whose trigger
        price traded fire, order lists cancel their other leg or place their pending
        orders. Bounded; re-entrant calls return at once."""
        if self._settling:
            return
        self._settling = True
        try:
            for _ in range(10_000):
                if not (self.lists.process() | self.triggers.run()):
                    break
        finally:
            self._settling = False

    def reference_price(self, symbol: str) -> int:
        last = self.last_price.get(symbol)
        if last:
            return last
        book = self.books[symbol]
        b, a = book.bids.best(), book.asks.best()
        if b and a:
            return (b + a) // 2
        return b or a or 0

    # --- cancel and queries -------------------------------------------------------------
    def find(
        self, account: str, symbol: str, order_id: str | None, client_id: str | None
    ) -> Order | None:
        orders = self.orders.get(account, {})
        if order_id:
            try:
                return orders.get((symbol, int(order_id)))
            except ValueError:
                raise ApiError(
                    -1100,
                    "Illegal characters found in parameter 'orderId'; legal "
                    "range is '^[0-9]{1,20}$'.",
                ) from None
        if client_id:
            best: Order | None = None
            for o in orders.values():
                if (
                    o.symbol == symbol
                    and o.client_id == client_id
                    and (best is None or o.order_id > best.order_id)
                ):
                    best = o
            return best
        raise ApiError(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
        )

    def query(self, account: str, p: Mapping[str, str]) -> Order:
        m = self.spec(p.get("symbol"))
        o = self.find(account, m.symbol, p.get("orderId"), p.get("origClientOrderId"))
        if o is None:
            raise ApiError(-2013, ORDER_NOT_EXIST)
        return o

    def cancel(self, account: str, p: Mapping[str, str]) -> tuple[Order, str]:
        m = self.spec(p.get("symbol"))
        o = self.find(account, m.symbol, p.get("orderId"), p.get("origClientOrderId"))
        if o is None or not o.is_open:
            raise ApiError(-2011, UNKNOWN_ORDER)
        new_cid = p.get("newClientOrderId") or ("cancel_" + secrets.token_hex(10))
        if o.order_list_id >= 0:  # canceling one order of a list cancels the whole list
            self.lists.cancel(self.lists.get(account, o.order_list_id), new_cid)
        else:
            self._cancel(o, new_cid)
        self.books[m.symbol].commit()
        self.settle()
        return o, new_cid

    def _cancel(self, o: Order, new_cid: str, status: str = "CANCELED") -> None:
        """Take an open order off the book (or off the trigger watch) as CANCELED, or as
        EXPIRED when its order list ends it."""
        if o.working:
            self.books[o.symbol].side(o.is_buy).remove_user(o.price, o)
        else:
            self.triggers.unwatch(o)
        o.leaves = 0
        o.status = status
        o.update_time = self.clock()
        self.open[o.account].pop((o.symbol, o.order_id), None)
        self._release(o)
        self._touch(o)
        self._emit(
            o.account,
            ExecEvent(
                o, status, o.update_time, cancel_client_id=new_cid if status == "CANCELED" else ""
            ),
        )

    def cancel_all(self, account: str, p: Mapping[str, str]) -> list[tuple[Order | OrderList, str]]:
        m = self.spec(p.get("symbol"))
        victims = [o for o in self.open.get(account, {}).values() if o.symbol == m.symbol]
        if not victims:
            raise ApiError(-2011, UNKNOWN_ORDER)
        out: list[tuple[Order | OrderList, str]] = []
        for o in sorted(victims, key=lambda o: o.order_id):
            if not o.is_open:  # already ended with its order list
                continue
            cid = "cancel_" + secrets.token_hex(10)
            if o.order_list_id >= 0:  # the whole list goes, reported as one list object
                lst = self.lists.get(account, o.order_list_id)
                self.lists.cancel(lst, cid)
                out.append((lst, cid))
            else:
                self._cancel(o, cid)
                out.append((o, cid))
        self.books[m.symbol].commit()
        self.settle()
        return out

    def open_orders(self, account: str, symbol: str | None) -> list[Order]:
        if symbol is not None:
            self.spec(symbol)
        return sorted(
            (
                o
                for o in self.open.get(account, {}).values()
                if symbol is None or o.symbol == symbol
            ),
            key=lambda o: (o.symbol, o.order_id),
        )

    # --- plumbing -----------------------------------------------------------------------
    def _remember(self, o: Order) -> None:
        self.orders.setdefault(o.account, {})[(o.symbol, o.order_id)] = o

    def _touch(self, o: Order) -> None:
        self.dirty_orders[id(o)] = o
        if o.order_list_id >= 0:
            self.lists.touched(o)

    def _emit(self, account: str, ev: ExecEvent) -> None:
        for cb in self.on_exec:
            cb(account, ev)

    def _balance_changed(self, account: str, asset: str) -> None:
        for cb in self.on_balance:
            cb(account, {asset})
