"""Signed REST endpoints of order lists: POST /api/v3/orderList/oco, /oto, /otoco,
DELETE /api/v3/orderList, GET /api/v3/orderList, /openOrderList and /allOrderList."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .errors import ApiError
from .http_util import int_param, json_response
from .orderlist import OrderList
from .orderlists import NO_SUCH_LIST
from .orders import Order

if TYPE_CHECKING:
    from .host import EngineHost

ACK_FIELDS = ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")
LIST_SIZES = {"oco": 2, "oto": 2, "otoco": 3}
# every parameter each endpoint's page documents (read, even where the paper exchange
# does not act on it); anything else is answered -1104 as on Binance
_COMMON = {
    "symbol",
    "listClientOrderId",
    "newOrderRespType",
    "selfTradePreventionMode",
    "recvWindow",
    "timestamp",
    "signature",
}
_ORDER = (
    "Type",
    "ClientOrderId",
    "IcebergQty",
    "Price",
    "StopPrice",
    "TrailingDelta",
    "TimeInForce",
    "StrategyId",
    "StrategyType",
    "PegPriceType",
    "PegOffsetType",
    "PegOffsetValue",
)


def _names(*prefixes: str) -> set[str]:
    return {p + f for p in prefixes for f in _ORDER}


KNOWN_PARAMS = {
    "oco": _COMMON | {"side", "quantity"} | _names("above", "below"),
    "oto": _COMMON
    | _names("working", "pending")
    | {"workingSide", "workingQuantity", "pendingSide", "pendingQuantity"},
    "otoco": _COMMON
    | _names("working", "pendingAbove", "pendingBelow")
    | {"workingSide", "workingQuantity", "pendingSide", "pendingQuantity"},
}


def check_all_read(p: dict[str, str], known: set[str]) -> None:
    read = sum(1 for k in p if k in known)
    if read < len(p):
        raise ApiError(
            -1104,
            f"Not all sent parameters were read; read '{read}' parameter(s) "
            f"but was sent '{len(p)}'.",
        )


DAY_MS = 24 * 3600 * 1000


def order_report(
    srv: EngineHost, o: Order, fills: list[dict[str, object]], resp_type: str
) -> dict[str, object]:
    """One order of a list reply in the shape ``newOrderRespType`` asks for."""
    body = o.ack_json(srv.engine.specs[o.symbol], fills)
    if resp_type == "ACK":
        return {k: body[k] for k in ACK_FIELDS}
    if resp_type != "FULL":
        body.pop("fills", None)
    return body


def cancel_json(srv: EngineHost, x: Order | OrderList, cid: str) -> dict[str, object]:
    """A cancel reply: an order's, or an order list's with a report per order (how
    DELETE /api/v3/openOrders and DELETE /api/v3/orderList answer for lists)."""
    if isinstance(x, Order):
        return x.cancel_json(srv.engine.specs[x.symbol], cid)
    m = srv.engine.specs[x.symbol]
    body = x.json()
    body["orderReports"] = [o.cancel_json(m, cid) for o in srv.engine.lists.orders_of(x)]
    return body


def setup(
    app: web.Application,
    srv: EngineHost,
    account_of: Callable[[web.Request], str],
    charge_order: Callable[[str, int], dict[str, str]],
) -> None:
    r = app.router

    def place(kind: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            acct = account_of(request)
            p = request["params"]
            check_all_read(p, KNOWN_PARAMS[kind])
            headers = charge_order(acct, LIST_SIZES[kind])
            resp_type = p.get("newOrderRespType") or "RESULT"
            if resp_type not in ("ACK", "RESULT", "FULL"):
                raise ApiError(
                    -1100,
                    "Illegal characters found in parameter "
                    "'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.",
                )
            lst, orders = srv.engine.lists.place(acct, kind.upper(), p)
            body = lst.json()
            body["transactionTime"] = lst.time
            body["listStatusType"], body["listOrderStatus"] = "EXEC_STARTED", "EXECUTING"
            body["orderReports"] = [order_report(srv, o, f, resp_type) for o, f in orders]
            return json_response(body, headers=headers)

        return handler

    async def cancel_list(request: web.Request) -> web.Response:
        acct = account_of(request)
        lst, cid = srv.engine.lists.cancel_request(acct, request["params"])
        return json_response(cancel_json(srv, lst, cid))

    async def get_list(request: web.Request) -> web.Response:
        acct = account_of(request)
        p = request["params"]
        lst = srv.engine.lists.find(
            acct, p.get("orderListId"), p.get("origClientOrderId"), "origClientOrderId"
        )
        if lst is None:
            raise ApiError(-2013, NO_SUCH_LIST)
        return json_response(lst.json())

    def mine(acct: str) -> list[OrderList]:
        return sorted(srv.engine.lists.lists.get(acct, {}).values(), key=lambda x: x.list_id)

    async def open_lists(request: web.Request) -> web.Response:
        acct = account_of(request)
        return json_response([x.json() for x in mine(acct) if not x.done])

    async def all_lists(request: web.Request) -> web.Response:
        acct = account_of(request)
        p = request["params"]
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        from_id = int_param(p, "fromId")
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        # "If supplied, neither startTime or endTime can be provided"; at most 24 h apart
        if from_id is not None and (start is not None or end is not None):
            raise ApiError(-1128, "Combination of optional parameters invalid.")
        if start is not None and end is not None and end - start > DAY_MS:
            raise ApiError(-1127, "More than 24 hours between startTime and endTime.")
        rows = mine(acct)
        if from_id is not None:
            rows = [x for x in rows if x.list_id >= from_id][:limit]
        elif start is not None or end is not None:
            rows = [
                x
                for x in rows
                if (start is None or x.time >= start) and (end is None or x.time <= end)
            ][:limit]
        else:
            rows = rows[-limit:]
        return json_response([x.json() for x in rows])

    for kind in LIST_SIZES:
        r.add_post(f"/api/v3/orderList/{kind}", place(kind))
    r.add_delete("/api/v3/orderList", cancel_list)
    r.add_get("/api/v3/orderList", get_list)
    r.add_get("/api/v3/openOrderList", open_lists)
    r.add_get("/api/v3/allOrderList", all_lists)
