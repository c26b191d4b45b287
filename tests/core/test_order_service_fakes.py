"""An in-memory venue implementing ExchangePort, for pure unit tests of the order service.

It is not a paper exchange: it keeps orders in a dict and lets a test script failures
(reject, outcome unknown before or after executing, not-found answers). Integration
tests use the real ccxt client against the real paper exchange instead.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from terminal.core.errors import OrderNotFoundError, OrderRejectedError, OutcomeUnknownError
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import SessionKey

BTC = Symbol("BTC/USDT")
RULES = MarketRules(
    symbol=BTC,
    base="BTC",
    quote="USDT",
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.0001"),
    min_amount=Decimal("0.0001"),
    min_notional=Decimal("5"),
)


@dataclass
class VenueOrder:
    coid: str
    vid: str
    symbol: Symbol
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    status: OrderStatus = OrderStatus.OPEN
    filled: Decimal = Decimal(0)
    fills: list[FillReport] = field(default_factory=list)


class FakeVenue:
    venue = VenueId("paper")
    mode = VenueMode.PAPER
    account = AccountLabel("default")
    key = SessionKey(venue, mode, account)

    def __init__(self) -> None:
        self.orders: dict[str, VenueOrder] = {}
        self.create_calls: Counter[str] = Counter()
        self.script: list[
            str
        ] = []  # per create: "ok", "reject", "unknown_after", "unknown_before", "fill"
        self.cancel_script: list[str] = []
        self.fetch_not_found: int = 0  # answer "not found" this many times first
        self._ids = itertools.count(1000)
        self._trades = itertools.count(1)
        self.has_cancel_all = True
        self.has_edit_order = False
        self.report_fills = True  # False: reports carry `filled` but no fill list

    @property
    def markets(self):
        return {BTC: RULES}

    # ---- helpers for tests --------------------------------------------------------
    def report(self, o: VenueOrder) -> OrderReport:
        return OrderReport(
            symbol=o.symbol,
            status=o.status,
            client_order_id=ClientOrderId(o.coid),
            venue_order_id=VenueOrderId(o.vid),
            side=o.side,
            type=o.type,
            amount=o.amount,
            price=o.price,
            filled=o.filled,
            fills=tuple(o.fills) if self.report_fills else (),
            timestamp_ms=int(time.time() * 1000),
        )

    def place_external(self, coid: str, amount: str = "0.01", price: str = "20000") -> VenueOrder:
        o = VenueOrder(
            coid,
            str(next(self._ids)),
            BTC,
            Side.BUY,
            OrderType.LIMIT,
            Decimal(amount),
            Decimal(price),
        )
        self.orders[coid] = o
        return o

    def fill(self, coid: str, amount: str, price: str = "25000") -> FillReport:
        o = self.orders[coid]
        f = FillReport(
            trade_id=TradeId(str(next(self._trades))),
            symbol=o.symbol,
            price=Decimal(price),
            amount=Decimal(amount),
            fee=Decimal("0.01"),
            fee_currency="USDT",
            timestamp_ms=int(time.time() * 1000),
            venue_order_id=VenueOrderId(o.vid),
            side=o.side,
        )
        o.fills.append(f)
        o.filled += f.amount
        o.status = OrderStatus.FILLED if o.filled == o.amount else OrderStatus.PARTIALLY_FILLED
        return f

    # ---- ExchangePort -------------------------------------------------------------
    async def create_order(self, order: Order) -> OrderReport:
        self.create_calls[order.client_order_id] += 1
        action = self.script.pop(0) if self.script else "ok"
        if action == "reject":
            raise OrderRejectedError("Account has insufficient balance for requested action.")
        if action == "unknown_before":
            raise OutcomeUnknownError("timeout")
        o = VenueOrder(
            order.client_order_id,
            str(next(self._ids)),
            order.symbol,
            order.side,
            order.type,
            order.amount,
            order.price,
        )
        self.orders[o.coid] = o
        if action == "fill" or order.type is OrderType.MARKET:
            self.fill(o.coid, str(order.amount), str(order.price or "25000"))
        if action == "unknown_after":
            raise OutcomeUnknownError("502 Bad Gateway")
        return self.report(o)

    async def cancel_order(self, order: Order) -> OrderReport | None:
        action = self.cancel_script.pop(0) if self.cancel_script else "ok"
        o = self.orders.get(order.client_order_id)
        if o is None or o.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            raise OrderNotFoundError("Unknown order sent.")
        o.status = OrderStatus.CANCELED
        if action == "unknown_after":
            raise OutcomeUnknownError("timeout")
        return self.report(o)

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]:
        out = []
        for o in self.orders.values():
            if o.symbol == symbol and o.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
                o.status = OrderStatus.CANCELED
                out.append(self.report(o))
        return out

    async def edit_order(
        self,
        order: Order,
        amount: Decimal,
        price: Decimal,
        new_client_order_id: ClientOrderId | None = None,
    ) -> OrderReport:
        o = self.orders[order.client_order_id]
        o.amount, o.price = amount, price
        return self.report(o)

    async def fetch_order(self, client_order_id: ClientOrderId, symbol: Symbol) -> OrderReport:
        if self.fetch_not_found > 0:
            self.fetch_not_found -= 1
            raise OrderNotFoundError("Order does not exist.")
        o = self.orders.get(client_order_id)
        if o is None:
            raise OrderNotFoundError("Order does not exist.")
        return self.report(o)

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]:
        return [
            self.report(o)
            for o in self.orders.values()
            if o.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
            and (symbol is None or o.symbol == symbol)
        ]

    async def fetch_my_trades(
        self, symbol: Symbol, since_ms: int | None = None
    ) -> list[FillReport]:
        return [
            f
            for o in self.orders.values()
            if o.symbol == symbol
            for f in o.fills
            if since_ms is None or (f.timestamp_ms or 0) >= since_ms
        ]

    async def fetch_balances(self) -> Balances:
        return Balances({})


def ticket(
    amount: str = "0.01",
    price: str | None = "25000",
    side: Side = Side.BUY,
    type: OrderType = OrderType.LIMIT,
    tif: TimeInForce = TimeInForce.GTC,
) -> OrderRequest:
    return OrderRequest(
        venue=VenueId("paper"),
        symbol=BTC,
        side=side,
        type=type,
        amount=Decimal(amount),
        price=None if price is None else Decimal(price),
        time_in_force=tif,
    )
