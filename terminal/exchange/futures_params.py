"""The perpetual-futures part of an order's ccxt params: reduce-only, close-position and,
in hedge mode, which of the two positions the order works on.

Binance USDⓈ-M takes `positionSide` LONG/SHORT in hedge mode and refuses `reduceOnly`
there (-1106): an order against its position side (SELL LONG, BUY SHORT) closes. The
other venues take ccxt's unified `hedged` flag with `reduceOnly`, from which ccxt derives
Bybit's `positionIdx`, OKX's `posSide` and Bitget's `holdSide`/`tradeSide`.
`closePosition` (a stop or target that closes whatever the position is when it fires) is
Binance's; elsewhere it is refused rather than turned into something else.
"""

from __future__ import annotations

from typing import Any

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import Side
from terminal.domain.order import Order
from terminal.domain.position import PositionSide

# ccxt classes that speak Binance USDⓈ-M (the paper exchange is one of them).
BINANCE_FAMILY = frozenset({"binance", "binanceusdm"})


def hedge_position_side(side: Side, reduces: bool) -> PositionSide:
    """The position an order works on in hedge mode: a buy opens a long or closes a
    short, a sell opens a short or closes a long."""
    return PositionSide.LONG if (side is Side.BUY) != reduces else PositionSide.SHORT


def futures_params(order: Order, ccxt_id: str, hedged: bool, venue: str) -> dict[str, Any]:
    """Extra params for ccxt's create_order of a perpetual order."""
    reduces = order.reduce_only or order.close_position
    params: dict[str, Any] = {}
    if order.close_position:
        if ccxt_id not in BINANCE_FAMILY:
            raise OrderRejectedError(
                f"{venue} has no close-position orders; send a reduce-only order of the "
                "position's size",
                venue=venue,
            )
        if not order.type.is_conditional or order.type.has_limit_price:
            raise OrderRejectedError(
                "close-position is for stop-market and take-profit-market orders only",
                venue=venue,
            )
        params["closePosition"] = True
    if ccxt_id in BINANCE_FAMILY:
        if hedged:
            params["positionSide"] = hedge_position_side(order.side, reduces).name
        elif order.reduce_only and not order.close_position:
            params["reduceOnly"] = True
        return params
    if hedged:
        params["hedged"] = True
    if order.reduce_only:
        params["reduceOnly"] = True
    return params
