"""Signed REST endpoints: account, order entry/cancel/query, open/all orders, my trades."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import reply_faults, rest_lists
from .cancel_replace import cancel_replace as cancel_replace_order
from .http_util import int_param, json_response

if TYPE_CHECKING:
    from .host import SignedHost


def setup(app: web.Application, srv: SignedHost) -> None:
    r = app.router

    def account_of(request: web.Request) -> str:
        return srv.auth.verify(
            request.headers.get("X-MBX-APIKEY"),
            request["raw_q"],
            request["raw_b"],
            request["params"],
            srv.now_ms(),
        )

    async def account(request: web.Request) -> web.Response:
        acct = account_of(request)
        eng = srv.engine
        fees = eng.fees
        bps = int(fees.maker * 10_000)
        tbps = int(fees.taker * 10_000)
        bal = eng.ledger.snapshot(acct)
        return json_response(
            {
                "makerCommission": bps,
                "takerCommission": tbps,
                "buyerCommission": 0,
                "sellerCommission": 0,
                "commissionRates": {
                    "maker": f"{fees.maker:.8f}",
                    "taker": f"{fees.taker:.8f}",
                    "buyer": "0.00000000",
                    "seller": "0.00000000",
                },
                "canTrade": True,
                "canWithdraw": False,
                "canDeposit": False,
                "brokered": False,
                "requireSelfTradePrevention": False,
                "preventSor": False,
                "updateTime": srv.now_ms(),
                "accountType": "SPOT",
                "balances": [
                    {"asset": a, "free": f"{f:.8f}", "locked": f"{lk:.8f}"}
                    for a, (f, lk) in bal.items()
                ],
                "permissions": ["SPOT"],
                "uid": abs(hash(acct)) % 10**9,
            }
        )

    def charge_order(acct: str, orders: int = 1) -> dict[str, str]:
        """Count orders against the account's limits (429 past them); the headers Binance
        answers order requests with."""
        for _ in range(orders):
            count = srv.limits.charge_order(acct, srv.now_ms())
        return {
            "X-MBX-ORDER-COUNT-10S": str(count),
            "X-MBX-ORDER-COUNT-1D": str(srv.limits.orders_day.get(acct, (0, 0))[1]),
        }

    async def fail_reply_if_asked(request: web.Request) -> None:
        await reply_faults.fail_reply_if_asked(srv, request)

    async def new_order(request: web.Request) -> web.Response:
        acct = account_of(request)
        headers = charge_order(acct)
        p = request["params"]
        order, fills = srv.engine.place(acct, p)
        m = srv.engine.specs[order.symbol]
        await fail_reply_if_asked(request)
        # Binance: MARKET and LIMIT answer FULL by default, every other type ACK
        resp_type = p.get("newOrderRespType") or ("ACK" if order.conditional else "FULL")
        body: dict[str, object] = order.ack_json(m, fills)
        if resp_type == "ACK":
            body = {
                k: body[k]
                for k in ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")
            }
        elif resp_type == "RESULT":
            body.pop("fills", None)
        return json_response(body, headers=headers)

    async def cancel_replace(request: web.Request) -> web.Response:
        """POST /api/v3/order/cancelReplace (ccxt's binance ``edit_order`` on spot).

        200 when both halves succeed; 409 with code -2021 when exactly one did; 400 with
        -2022 when neither did (or the new order was not attempted). The error replies
        carry both halves under ``data``, as Binance does. The new order counts toward
        the order rate limit even when it is not attempted."""
        acct = account_of(request)
        headers = charge_order(acct)
        p = request["params"]
        res = cancel_replace_order(srv.engine, acct, p)
        await fail_reply_if_asked(request)
        cancel_body: dict[str, object]
        if res.canceled is not None:
            cancel_body = res.canceled.cancel_json(
                srv.engine.specs[res.canceled.symbol], res.cancel_client_id
            )
        else:
            assert res.cancel_error is not None
            cancel_body = res.cancel_error.body()
        new_body: dict[str, object] | None = None
        if res.new_order is not None:
            o = res.new_order
            new_body = o.ack_json(srv.engine.specs[o.symbol], res.fills)
            resp_type = p.get("newOrderRespType") or ("ACK" if o.conditional else "FULL")
            if resp_type == "ACK":
                new_body = {
                    k: new_body[k]
                    for k in ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")
                }
            elif resp_type == "RESULT":
                new_body.pop("fills", None)
        elif res.new_error is not None:
            new_body = res.new_error.body()
        data = {
            "cancelResult": "SUCCESS" if res.canceled is not None else "FAILURE",
            "newOrderResult": (
                "SUCCESS"
                if res.new_order is not None
                else "FAILURE"
                if res.new_attempted
                else "NOT_ATTEMPTED"
            ),
            "cancelResponse": cancel_body,
            "newOrderResponse": new_body,
        }
        if res.canceled is not None and res.new_order is not None:
            return json_response(data, headers=headers)
        if res.canceled is not None or res.new_order is not None:
            return json_response(
                {"code": -2021, "msg": "Order cancel-replace partially failed.", "data": data},
                status=409,
                headers=headers,
            )
        return json_response(
            {"code": -2022, "msg": "Order cancel-replace failed.", "data": data},
            status=400,
            headers=headers,
        )

    async def test_order(request: web.Request) -> web.Response:
        account_of(request)
        return json_response({})

    async def get_order(request: web.Request) -> web.Response:
        acct = account_of(request)
        o = srv.engine.query(acct, request["params"])
        return json_response(o.query_json(srv.engine.specs[o.symbol]))

    async def cancel_order(request: web.Request) -> web.Response:
        acct = account_of(request)
        o, cid = srv.engine.cancel(acct, request["params"])
        return json_response(o.cancel_json(srv.engine.specs[o.symbol], cid))

    async def open_orders(request: web.Request) -> web.Response:
        acct = account_of(request)
        sym = request["params"].get("symbol") or None
        return json_response(
            [o.query_json(srv.engine.specs[o.symbol]) for o in srv.engine.open_orders(acct, sym)]
        )

    async def cancel_open(request: web.Request) -> web.Response:
        acct = account_of(request)
        out = srv.engine.cancel_all(acct, request["params"])
        return json_response([rest_lists.cancel_json(srv, x, cid) for x, cid in out])

    async def all_orders(request: web.Request) -> web.Response:
        acct = account_of(request)
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        from_id = int_param(p, "orderId")
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        rows = sorted(
            (o for (s, _), o in srv.engine.orders.get(acct, {}).items() if s == m.symbol),
            key=lambda o: o.order_id,
        )
        if from_id is not None:
            rows = [o for o in rows if o.order_id >= from_id][:limit]
        elif start is not None or end is not None:
            rows = [
                o
                for o in rows
                if (start is None or o.time >= start) and (end is None or o.time <= end)
            ][:limit]
        else:
            rows = rows[-limit:]
        return json_response([o.query_json(m) for o in rows])

    async def my_trades(request: web.Request) -> web.Response:
        acct = account_of(request)
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        oid = int_param(p, "orderId")
        from_id = int_param(p, "fromId")
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        rows = [t for t in srv.engine.trades.get(acct, []) if t.symbol == m.symbol]
        if oid is not None:
            rows = [t for t in rows if t.order_id == oid]
        if from_id is not None:
            rows = [t for t in rows if t.trade_id >= from_id][:limit]
        elif start is not None or end is not None:
            rows = [
                t
                for t in rows
                if (start is None or t.time >= start) and (end is None or t.time <= end)
            ][:limit]
        else:
            rows = rows[-limit:]
        orders = srv.engine.orders.get(acct, {})
        return json_response(
            [
                t.json(m, o.order_list_id if (o := orders.get((m.symbol, t.order_id))) else -1)
                for t in rows
            ]
        )

    rest_lists.setup(app, srv, account_of, charge_order)
    r.add_get("/api/v3/account", account)
    r.add_post("/api/v3/order", new_order)
    r.add_post("/api/v3/order/test", test_order)
    r.add_post("/api/v3/order/cancelReplace", cancel_replace)
    r.add_get("/api/v3/order", get_order)
    r.add_delete("/api/v3/order", cancel_order)
    r.add_get("/api/v3/openOrders", open_orders)
    r.add_delete("/api/v3/openOrders", cancel_open)
    r.add_get("/api/v3/allOrders", all_orders)
    r.add_get("/api/v3/myTrades", my_trades)
