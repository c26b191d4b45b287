"""Between the terminal's orders and the paper engine's: the engine's parameters of a new
order, and the engine's orders and trades as the reports a venue adapter returns."""

from __future__ import annotations

from decimal import Decimal

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side, TimeInForce
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueOrderId
from terminal.domain.order import Order, OrderStatus
from terminal.domain.reports import FillReport, OrderReport
from terminal.paper.markets import MarketSpec
from terminal.paper.orders import Order as EngineOrder
from terminal.paper.orders import UserTrade

ENGINE_TYPES = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
DOMAIN_TYPES = {v: k for k, v in ENGINE_TYPES.items()} | {"LIMIT_MAKER": OrderType.LIMIT}
STATUSES = {
    "NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
    "PENDING_NEW": OrderStatus.PENDING_TRIGGER,
}


def plain(d: Decimal) -> str:
    """A decimal as the engine parses it: never in exponent notation."""
    return format(d, "f")


def engine_params(order: Order, venue: str) -> dict[str, str]:
    """The engine's parameters (Binance's names) of a new order."""
    kind = ENGINE_TYPES.get(order.type)
    if kind is None:
        raise OrderRejectedError(f"{order.type.label} is not offered here", venue=venue)
    if order.trailing_percent is not None:
        raise OrderRejectedError("paper on live has no trailing stops", venue=venue)
    if order.reduce_only or order.close_position:
        raise OrderRejectedError(
            "reduce-only and close-position are for perpetual futures, not spot", venue=venue
        )
    p = {
        "symbol": str(order.symbol),
        "side": "BUY" if order.side is Side.BUY else "SELL",
        "type": kind,
        "quantity": plain(order.amount),
        "newClientOrderId": str(order.client_order_id),
    }
    if order.type.has_limit_price:
        if order.price is None:
            raise OrderRejectedError("a limit order needs a price", venue=venue)
        p["price"] = plain(order.price)
        if order.post_only and order.type is OrderType.LIMIT:
            p["type"] = "LIMIT_MAKER"
        else:
            p["timeInForce"] = order.time_in_force.value
    if order.type.is_conditional:
        if order.trigger_price is None:
            raise OrderRejectedError(f"a {order.type.label} order needs a trigger", venue=venue)
        p["stopPrice"] = plain(order.trigger_price)
    return p


def venue_order_id(o: EngineOrder) -> VenueOrderId:
    """Engine order ids count per market: the market makes them unique."""
    return VenueOrderId(f"{o.symbol.replace('/', '')}-{o.order_id}")


def order_report(o: EngineOrder, m: MarketSpec, fills: tuple[FillReport, ...] = ()) -> OrderReport:
    status = STATUSES.get(o.status, OrderStatus.OPEN)
    if status is OrderStatus.OPEN and not o.working:
        status = OrderStatus.PENDING_TRIGGER  # waiting for its trigger price
    filled = m.qty_dec(o.executed)
    average = m.notional_dec(o.cum_quote) / filled if filled else None
    return OrderReport(
        symbol=Symbol(o.symbol),
        status=status,
        client_order_id=ClientOrderId(o.client_id),
        venue_order_id=venue_order_id(o),
        side=Side.BUY if o.is_buy else Side.SELL,
        type=DOMAIN_TYPES.get(o.type, OrderType.LIMIT),
        amount=m.qty_dec(o.orig_qty),
        price=m.price_dec(o.price) if o.price else None,
        filled=filled,
        average_price=average,
        time_in_force=TimeInForce(o.tif) if o.tif in ("GTC", "IOC", "FOK") else None,
        post_only=o.type == "LIMIT_MAKER",
        fills=fills,
        timestamp_ms=o.update_time or o.time,
        trigger_price=m.price_dec(o.stop_price) if o.stop_price else None,
    )


def fill_report(t: UserTrade, m: MarketSpec, client_id: str) -> FillReport:
    return FillReport(
        trade_id=TradeId(f"{t.symbol.replace('/', '')}-{t.trade_id}"),
        symbol=Symbol(t.symbol),
        price=m.price_dec(t.price),
        amount=m.qty_dec(t.qty),
        fee=t.commission,
        fee_currency=t.commission_asset,
        is_maker=t.is_maker,
        timestamp_ms=t.time,
        venue_order_id=VenueOrderId(f"{t.symbol.replace('/', '')}-{t.order_id}"),
        client_order_id=ClientOrderId(client_id),
        side=Side.BUY if t.is_buyer else Side.SELL,
    )
