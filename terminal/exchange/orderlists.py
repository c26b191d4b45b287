"""Binance order lists through ccxt's implicit API methods (ccxt does not unify them).

`POST /api/v3/orderList/oco` is called as `private_post_orderlist_oco`,
`POST /api/v3/orderList/otoco` (a bracket: a limit entry whose stop and target the venue
places as an OCO once the entry has fully filled) as `private_post_orderlist_otoco`, the
cancel as `private_delete_orderlist`; each order report of the reply is parsed by ccxt's own
`parse_order` and mapped like any order. Types: a target is a `LIMIT_MAKER` above the
price in a sell and a `TAKE_PROFIT_LIMIT` below it in a buy (Binance takes no
`LIMIT_MAKER` below); the stop is `STOP_LOSS` or `STOP_LOSS_LIMIT`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol
from terminal.domain.order import Order, OrderStatus
from terminal.domain.reports import OrderReport

from .mapping import report_from_ccxt

_BINANCE_TYPE = {
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}


def _leg_params(prefix: str, order: Order) -> dict[str, Any]:
    if order.type is OrderType.LIMIT and order.post_only:
        kind = "LIMIT_MAKER"
    elif order.type in _BINANCE_TYPE:
        kind = _BINANCE_TYPE[order.type]
    else:
        raise OrderRejectedError(f"a {order.type.label} order cannot be a leg of an OCO")
    out: dict[str, Any] = {
        f"{prefix}Type": kind,
        f"{prefix}ClientOrderId": str(order.client_order_id),
    }
    if order.trigger_price is not None:
        out[f"{prefix}StopPrice"] = str(order.trigger_price)
    if order.price is not None:
        out[f"{prefix}Price"] = str(order.price)
    if order.type.is_conditional and order.type.has_limit_price:
        out[f"{prefix}TimeInForce"] = order.time_in_force.value
    return out


def oco_params(market_id: str, list_client_id: str, stop: Order, target: Order) -> dict[str, Any]:
    """The request of `POST /api/v3/orderList/oco` for a stop and a target."""
    if stop.side is not target.side or stop.amount != target.amount:
        raise OrderRejectedError("both orders of an OCO have the same side and amount")
    above, below = (target, stop) if stop.side is Side.SELL else (stop, target)
    return {
        "symbol": market_id,
        "side": stop.side.value.upper(),
        "quantity": str(stop.amount),
        "listClientOrderId": list_client_id,
        "newOrderRespType": "FULL",
        **_leg_params("above", above),
        **_leg_params("below", below),
    }


def otoco_params(
    market_id: str, list_client_id: str, entry: Order, stop: Order, target: Order
) -> dict[str, Any]:
    """The request of `POST /api/v3/orderList/otoco`: the entry as the working order, the
    stop and target as the pending OCO (placed by the venue on the entry's full fill)."""
    if entry.type is not OrderType.LIMIT or entry.price is None:
        raise OrderRejectedError("the venue's bracket (OTOCO) takes a limit entry only")
    if stop.side is not target.side or stop.amount != target.amount:
        raise OrderRejectedError("both pending orders of a bracket have the same side and amount")
    working: dict[str, Any] = {
        "workingType": "LIMIT_MAKER" if entry.post_only else "LIMIT",
        "workingSide": entry.side.value.upper(),
        "workingClientOrderId": str(entry.client_order_id),
        "workingPrice": str(entry.price),
        "workingQuantity": str(entry.amount),
    }
    if not entry.post_only:
        working["workingTimeInForce"] = entry.time_in_force.value
    above, below = (target, stop) if stop.side is Side.SELL else (stop, target)
    return {
        "symbol": market_id,
        "listClientOrderId": list_client_id,
        "newOrderRespType": "FULL",
        **working,
        "pendingSide": stop.side.value.upper(),
        "pendingQuantity": str(stop.amount),
        **_leg_params("pendingAbove", above),
        **_leg_params("pendingBelow", below),
    }


def list_reports(
    client: Any, reply: Any, symbol: str, secrets: tuple[str, ...], default_status: OrderStatus
) -> list[OrderReport]:
    """Each order report of an order-list reply, parsed by ccxt and mapped."""
    if not isinstance(reply, Mapping):
        return []
    market = client.market(symbol)
    out = []
    for raw in reply.get("orderReports") or ():
        parsed = client.parse_order(raw, market)
        out.append(
            report_from_ccxt(
                parsed,
                secrets=secrets,
                default_status=default_status,
                default_symbol=symbol,
                placement=True,
            )
        )
    return out


class OrderListCalls:
    """The order-list calls of a venue session (mixed into `VenueSession`, whose call
    wrappers, market check and capabilities they use)."""

    venue: Any
    rest: Any
    _secrets: tuple[str, ...]
    market: Any
    capabilities: Any
    _order_call: Any
    _cancel_call: Any

    async def create_oco(
        self, list_client_id: str, stop: Order, target: Order
    ) -> tuple[str | None, list[OrderReport]]:
        """Place a stop and a target as one native OCO list (Binance's order-list
        endpoint through ccxt's implicit method). Returns the venue's list id and the
        reports of both orders. Never retried."""
        self.market(stop.symbol)
        if not self.capabilities(stop.symbol).native_oco:
            raise OrderRejectedError(
                self.capabilities(stop.symbol).why_not("oco") or "no native OCO", venue=self.venue
            )
        market_id = self.rest.market(str(stop.symbol))["id"]
        params = oco_params(market_id, list_client_id, stop, target)
        reply = await self._order_call(self.rest.private_post_orderlist_oco, params)
        list_id = reply.get("orderListId") if isinstance(reply, Mapping) else None
        return (
            None if list_id is None else str(list_id),
            list_reports(self.rest, reply, str(stop.symbol), self._secrets, OrderStatus.OPEN),
        )

    async def create_otoco(
        self, list_client_id: str, entry: Order, stop: Order, target: Order
    ) -> tuple[str | None, list[OrderReport]]:
        """Place a bracket as one native OTOCO list: the limit entry works now, the stop
        and target wait on the venue (`PENDING_NEW`) until the entry has fully filled.
        Returns the venue's list id and the reports of the three orders. Never retried."""
        self.market(entry.symbol)
        caps = self.capabilities(entry.symbol)
        if not caps.native_bracket:
            raise OrderRejectedError(
                caps.why_not("bracket") or "no native bracket", venue=self.venue
            )
        market_id = self.rest.market(str(entry.symbol))["id"]
        params = otoco_params(market_id, list_client_id, entry, stop, target)
        reply = await self._order_call(self.rest.private_post_orderlist_otoco, params)
        list_id = reply.get("orderListId") if isinstance(reply, Mapping) else None
        return (
            None if list_id is None else str(list_id),
            list_reports(self.rest, reply, str(entry.symbol), self._secrets, OrderStatus.OPEN),
        )

    async def cancel_order_list(
        self, symbol: Symbol, venue_list_id: str | None, list_client_id: str | None = None
    ) -> list[OrderReport]:
        """Cancel a native order list (every open order of it) by its venue id, else its
        client id; returns the cancel reports of its orders."""
        self.market(symbol)
        params: dict[str, Any] = {"symbol": self.rest.market(str(symbol))["id"]}
        if venue_list_id is not None:
            params["orderListId"] = venue_list_id
        elif list_client_id is not None:
            params["listClientOrderId"] = list_client_id
        else:
            raise OrderRejectedError("the order list has no id yet", venue=self.venue)
        reply = await self._cancel_call(self.rest.private_delete_orderlist, params)
        return list_reports(self.rest, reply, str(symbol), self._secrets, OrderStatus.CANCELED)
