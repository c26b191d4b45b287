"""An Order -> the arguments of ccxt's unified `create_order` (type, price, params).

Conditional orders go through ccxt's unified parameters: a stop sends `stopLossPrice`,
a take-profit `takeProfitPrice`, each on a ccxt `market` or `limit` type; a trailing
stop sends `trailingPercent` with `stopLossOrTakeProfit` (and its activation price as
`trailingTriggerPrice`). On Binance spot ccxt turns these into STOP_LOSS,
STOP_LOSS_LIMIT, TAKE_PROFIT and TAKE_PROFIT_LIMIT with `stopPrice` / `trailingDelta`.
"""

from __future__ import annotations

from typing import Any

from terminal.core.errors import OrderRejectedError
from terminal.domain.money import format_decimal
from terminal.domain.order import Order


def order_params(order: Order, venue: str) -> tuple[str, str | None, dict[str, Any]]:
    params: dict[str, Any] = {"clientOrderId": str(order.client_order_id)}
    price: str | None = None
    kind = order.type
    if kind.has_limit_price:
        if order.price is None:
            raise OrderRejectedError(f"a {kind.label} order needs a limit price", venue=venue)
        price = str(order.price)
        if order.post_only and not kind.is_conditional:
            params["postOnly"] = True
        else:
            params["timeInForce"] = order.time_in_force.value
    if kind.is_conditional:
        trigger = order.trigger_price
        if order.trailing_percent is not None:
            params["trailingPercent"] = format_decimal(order.trailing_percent)
            params["stopLossOrTakeProfit"] = "stopLoss" if kind.is_stop else "takeProfit"
            if trigger is not None:
                params["trailingTriggerPrice"] = str(trigger)
        elif trigger is None:
            raise OrderRejectedError(f"a {kind.label} order needs a trigger price", venue=venue)
        else:
            params["stopLossPrice" if kind.is_stop else "takeProfitPrice"] = str(trigger)
    return ("limit" if kind.has_limit_price else "market"), price, params
