"""User orders and trades as the engine keeps them, and their Binance JSON renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .markets import MarketSpec, format_decimal

OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})


@dataclass(eq=False, slots=True)
class Order:
    """An order of one account; quantities in steps, price in ticks (0 for MARKET)."""

    symbol: str
    order_id: int
    client_id: str
    account: str
    side: str  # BUY / SELL
    type: str  # LIMIT / LIMIT_MAKER / MARKET
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
            "orderListId": -1,
            "clientOrderId": self.client_id,
            "price": m.price_str(self.price),
            "origQty": m.qty_str(self.orig_qty),
            "executedQty": m.qty_str(self.executed),
            "cummulativeQuoteQty": m.notional_str(self.cum_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": self.time,
            "updateTime": self.update_time or self.time,
            "isWorking": True,
            "workingTime": self.time,
            "origQuoteOrderQty": format_decimal(self.quote_order_qty),
            "selfTradePreventionMode": "NONE",
        }

    def ack_json(self, m: MarketSpec, fills: list[dict[str, object]]) -> dict[str, object]:
        """POST /api/v3/order with newOrderRespType=FULL."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
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
            "workingTime": self.time,
            "fills": fills,
            "selfTradePreventionMode": "NONE",
        }

    def cancel_json(self, m: MarketSpec, cancel_client_id: str) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "origClientOrderId": self.client_id,
            "orderId": self.order_id,
            "orderListId": -1,
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

    def json(self, m: MarketSpec) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "id": self.trade_id,
            "orderId": self.order_id,
            "orderListId": -1,
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
