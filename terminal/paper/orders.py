"""User orders and trades as the engine keeps them, and their Binance JSON renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .markets import MarketSpec, format_decimal

OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED", "PENDING_NEW"})
CONDITIONAL_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})


@dataclass(eq=False, slots=True)
class Order:
    """An order of one account; quantities in steps, price in ticks (0 for MARKET)."""

    symbol: str
    order_id: int
    client_id: str
    account: str
    side: str  # BUY / SELL
    type: str  # LIMIT / LIMIT_MAKER / MARKET / STOP_LOSS[_LIMIT] / TAKE_PROFIT[_LIMIT]
    tif: str  # GTC / IOC / FOK
    price: int
    orig_qty: int
    time: int
    leaves: int = 0  # quantity still resting in the book (the book decrements it)
    executed: int = 0
    cum_quote: int = 0  # tick*step units
    status: str = "NEW"
    update_time: int = 0
    quote_order_qty: Decimal = Decimal(0)
    locked_asset: str = ""
    locked: Decimal = Decimal(0)  # what is still locked for this order
    stop_price: int = 0  # ticks; 0 = none
    trailing_delta: int = 0  # BIPS; 0 = not a trailing stop
    trailing_time: int = -1  # when trailing started tracking the price
    track: int = 0  # trailing: best trade price seen since tracking started (ticks)
    working_time: int = 0  # when it went on the book; 0 = at ``time``, -1 = not yet
    order_list_id: int = -1

    @property
    def conditional(self) -> bool:
        return self.type in CONDITIONAL_TYPES

    @property
    def working(self) -> bool:
        """On the book or executed: not waiting for a trigger or for its order list."""
        return self.working_time != -1

    @property
    def market_like(self) -> bool:
        return self.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")

    def extra_json(self, m: MarketSpec) -> dict[str, object]:
        """Binance's conditional fields of order responses (stop price, trailing)."""
        out: dict[str, object] = {}
        if self.conditional:
            out["stopPrice"] = m.price_str(self.stop_price)
        if self.trailing_delta:
            out["trailingDelta"] = self.trailing_delta
            out["trailingTime"] = self.trailing_time
        return out

    @property
    def wire_working_time(self) -> int:
        return -1 if not self.working else (self.working_time or self.time)

    @property
    def is_buy(self) -> bool:
        return self.side == "BUY"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def query_json(self, m: MarketSpec) -> dict[str, object]:
        """GET /api/v3/order shape."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": self.client_id,
            "price": m.price_str(self.price),
            "origQty": m.qty_str(self.orig_qty),
            "executedQty": m.qty_str(self.executed),
            "cummulativeQuoteQty": m.notional_str(self.cum_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            "stopPrice": m.price_str(self.stop_price),
            "icebergQty": "0.00000000",
            "time": self.time,
            "updateTime": self.update_time or self.time,
            "isWorking": self.working,
            "workingTime": self.wire_working_time,
            "origQuoteOrderQty": format_decimal(self.quote_order_qty),
            "selfTradePreventionMode": "NONE",
            **(
                {"trailingDelta": self.trailing_delta, "trailingTime": self.trailing_time}
                if self.trailing_delta
                else {}
            ),
        }

    def ack_json(self, m: MarketSpec, fills: list[dict[str, object]]) -> dict[str, object]:
        """POST /api/v3/order with newOrderRespType=FULL."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": self.client_id,
            "transactTime": self.update_time or self.time,
            "price": m.price_str(self.price),
            "origQty": m.qty_str(self.orig_qty),
            "executedQty": m.qty_str(self.executed),
            "origQuoteOrderQty": format_decimal(self.quote_order_qty),
            "cummulativeQuoteQty": m.notional_str(self.cum_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            **self.extra_json(m),
            "workingTime": self.wire_working_time,
            "fills": fills,
            "selfTradePreventionMode": "NONE",
        }

    def cancel_json(self, m: MarketSpec, cancel_client_id: str) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "origClientOrderId": self.client_id,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": cancel_client_id,
            "transactTime": self.update_time,
            "price": m.price_str(self.price),
            "origQty": m.qty_str(self.orig_qty),
            "executedQty": m.qty_str(self.executed),
            "origQuoteOrderQty": format_decimal(self.quote_order_qty),
            "cummulativeQuoteQty": m.notional_str(self.cum_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            **self.extra_json(m),
            "selfTradePreventionMode": "NONE",
        }


@dataclass(slots=True)
class UserTrade:
    """One fill of one account's order (the myTrades row)."""

    symbol: str
    trade_id: int
    order_id: int
    account: str
    price: int
    qty: int
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    def json(self, m: MarketSpec, order_list_id: int = -1) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "id": self.trade_id,
            "orderId": self.order_id,
            "orderListId": order_list_id,
            "price": m.price_str(self.price),
            "qty": m.qty_str(self.qty),
            "quoteQty": m.notional_str(self.price * self.qty),
            "commission": format_decimal(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
            "isMaker": self.is_maker,
            "isBestMatch": True,
        }


@dataclass(slots=True)
class PublicTrade:
    """A trade on the public tape (simulated or user)."""

    trade_id: int
    price: int
    qty: int
    time: int
    buyer_is_maker: bool


@dataclass
class ExecEvent:
    """What the user stream turns into an executionReport."""

    order: Order
    exec_type: str  # NEW, CANCELED, TRADE, EXPIRED, REJECTED
    time: int
    last_qty: int = 0
    last_price: int = 0
    commission: Decimal = Decimal(0)
    commission_asset: str | None = None
    trade_id: int = -1
    is_maker: bool = False
    cancel_client_id: str = ""
    extra: dict[str, object] = field(default_factory=dict)
