"""Read what a venue supports for a market from ccxt's `has` and the market info.

ccxt sends stops and take-profits through unified parameters (`stopLossPrice`,
`takeProfitPrice`, `triggerPrice`, `trailingPercent`) when its `has` says the venue
takes them. Binance also lists each symbol's `orderTypes` and its `ocoAllowed`,
`otoAllowed` and `allowTrailingStop` flags; where a market says so, that wins over the
venue-wide `has`. Order lists are not unified in ccxt: they are native only where the
ccxt class has the implicit endpoint methods and the market allows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import OrderType

# ccxt `has` keys that mean the venue takes each conditional type, and Binance's own
# type name in a spot market's `orderTypes` list.
_TYPES: dict[OrderType, tuple[tuple[str, ...], str]] = {
    OrderType.STOP_MARKET: (("createStopLossOrder", "createStopMarketOrder"), "STOP_LOSS"),
    OrderType.STOP_LIMIT: (("createStopLimitOrder",), "STOP_LOSS_LIMIT"),
    OrderType.TAKE_PROFIT_MARKET: (("createTakeProfitOrder",), "TAKE_PROFIT"),
    OrderType.TAKE_PROFIT_LIMIT: (("createTakeProfitOrder",), "TAKE_PROFIT_LIMIT"),
}
# ... and in a USDⓈ-M futures market's list (exchangeInfo of /fapi).
_CONTRACT_NAMES: dict[OrderType, str] = {
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT",
}
OCO_METHOD = "private_post_orderlist_oco"
OTOCO_METHOD = "private_post_orderlist_otoco"


def order_capabilities(
    has: Mapping[str, Any],
    market: Mapping[str, Any] | None,
    client: Any = None,
    venue: str = "the venue",
) -> OrderCapabilities:
    info = (market or {}).get("info") or {}
    listed = info.get("orderTypes") if isinstance(info, Mapping) else None
    listed_set = {str(t).upper() for t in listed} if isinstance(listed, list) else None
    symbol = (market or {}).get("symbol") or "this market"
    types = [OrderType.MARKET, OrderType.LIMIT]
    missing: dict[str, str] = {}
    contract = (market or {}).get("contract") is True
    for order_type, (keys, venue_name) in _TYPES.items():
        if contract:
            venue_name = _CONTRACT_NAMES[order_type]
        if not any(has.get(k) for k in keys):
            missing[order_type.value] = (
                f"{venue} does not take {order_type.label} orders "
                f"through ccxt (has['{keys[0]}'] is not set)"
            )
        elif listed_set is not None and venue_name not in listed_set:
            missing[order_type.value] = f"{symbol} on {venue} does not list {venue_name}"
        else:
            types.append(order_type)
    trailing = bool(has.get("createTrailingPercentOrder"))
    if not trailing:
        missing["trailing"] = f"{venue} has no native trailing stop (it is not emulated)"
    elif isinstance(info, Mapping) and info.get("allowTrailingStop") is False:
        trailing = False
        missing["trailing"] = f"{symbol} on {venue} does not allow trailing stops"
    native_oco = _list_allowed(info, "ocoAllowed", client, OCO_METHOD)
    if not native_oco:
        missing["oco"] = (
            f"{venue} holds no one-cancels-other pair for {symbol}: "
            "held by this terminal, only while it runs"
        )
    native_bracket = _list_allowed(info, "otoAllowed", client, OTOCO_METHOD) and native_oco
    if not native_bracket:
        missing["bracket"] = (
            f"{venue} places no attached stop and target for {symbol}: "
            "held by this terminal, only while it runs"
        )
    # Spot markets carry no position to reduce; ccxt's createReduceOnlyOrder is for
    # the venue's derivatives.
    reduce_only = bool(has.get("createReduceOnlyOrder")) and not (market or {}).get("spot", True)
    if not reduce_only:
        missing["reduce_only"] = "reduce-only applies to derivatives; this is a spot market"
    return OrderCapabilities(
        order_types=tuple(types),
        trailing=trailing,
        native_oco=native_oco,
        native_bracket=native_bracket,
        reduce_only=reduce_only,
        missing=missing,
    )


def _list_allowed(info: Any, flag: str, client: Any, method: str) -> bool:
    if client is None or not callable(getattr(client, method, None)):
        return False
    return isinstance(info, Mapping) and info.get(flag) is True
