"""The /fapi REST endpoints of the paper exchange (USDⓈ-M futures, as ccxt's binance
client calls them with ``defaultType`` 'future'/'swap' or as ``binanceusdm``)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ..errors import BAD_KEY, ApiError
from ..http_util import int_param, json_response
from ..reply_faults import fail_reply_if_asked
from . import algos, lifecycle, wire
from .forders import FOrder

if TYPE_CHECKING:
    from .host import FuturesRestHost
    from .venue import FuturesVenue

Handler = Callable[[web.Request], Awaitable[web.Response]]
ALL_CANCELED = {"code": 200, "msg": "The operation of cancel all open order is done."}


def _rows(rows: list[FOrder], p: dict[str, str], key: str) -> list[FOrder]:
    limit = int_param(p, "limit", 500, 1, 1000) or 500
    start, end = int_param(p, "startTime"), int_param(p, "endTime")
    from_id = int_param(p, key)
    rows = sorted(rows, key=lambda o: o.algo_id or o.order_id)
    if from_id is not None:
        rows = [o for o in rows if (o.algo_id or o.order_id) >= from_id]
    if start is not None or end is not None:
        rows = [
            o for o in rows if (start is None or o.time >= start) and (end is None or o.time <= end)
        ]
    return rows[-limit:]


def setup(app: web.Application, srv: FuturesRestHost) -> None:
    r = app.router

    def venue() -> FuturesVenue:
        return srv.futures

    def signed(request: web.Request) -> str:
        return srv.auth.verify(
            request.headers.get("X-MBX-APIKEY"),
            request["raw_q"],
            request["raw_b"],
            request["params"],
            srv.now_ms(),
        )

    def keyed(request: web.Request) -> str:
        key = request.headers.get("X-MBX-APIKEY") or ""
        if key not in srv.auth.keys:
            raise ApiError(-2015, BAD_KEY, status=401)
        return key

    def get(path: str, fn: Callable[[web.Request], object]) -> None:
        async def h(request: web.Request) -> web.Response:
            return json_response(fn(request))

        r.add_get(path, h)

    def post(path: str, fn: Callable[[web.Request], object], method: str = "POST") -> None:
        async def h(request: web.Request) -> web.Response:
            return json_response(fn(request))

        r.add_route(method, path, h)

    # --- public -------------------------------------------------------------------------
    get("/fapi/v1/ping", lambda q: {})
    get("/fapi/v1/time", lambda q: {"serverTime": srv.now_ms()})

    def exchange_info(q: web.Request) -> object:
        cfg = srv.limits.config
        return {
            "timezone": "UTC",
            "serverTime": srv.now_ms(),
            "futuresType": "U_MARGINED",
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": cfg.weight_per_minute,
                },
                {
                    "rateLimitType": "ORDERS",
                    "interval": "SECOND",
                    "intervalNum": 10,
                    "limit": cfg.orders_per_10s,
                },
            ],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "0"}],
            "symbols": [c.exchange_info() for c in venue().contracts.values()],
        }

    get("/fapi/v1/exchangeInfo", exchange_info)

    def premium_index(q: web.Request) -> object:
        v, sym = venue(), q["params"].get("symbol")
        if sym:
            return wire.premium_json(v, v.contract(sym).symbol)
        return [wire.premium_json(v, s) for s in v.contracts]

    get("/fapi/v1/premiumIndex", premium_index)

    def funding_rate(q: web.Request) -> object:
        v, p = venue(), q["params"]
        syms = [v.contract(p["symbol"]).symbol] if p.get("symbol") else list(v.contracts)
        limit = int_param(p, "limit", 100, 1, 1000) or 100
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        rows = sorted(
            (
                (t, sym, rate, mark)
                for sym in syms
                for t, rate, mark in v.funding_history[sym]
                if (start is None or t >= start) and (end is None or t <= end)
            )
        )
        rows = rows[:limit] if start is not None else rows[-limit:]
        return [
            {
                "symbol": sym,
                "fundingTime": t,
                "fundingRate": wire.s(rate),
                "markPrice": wire.s(mark),
            }
            for t, sym, rate, mark in rows
        ]

    get("/fapi/v1/fundingRate", funding_rate)

    def funding_info(q: web.Request) -> object:
        hours = venue().funding_period_ms / 3_600_000
        return [
            {
                "symbol": s,
                "adjustedFundingRateCap": "0.02000000",
                "adjustedFundingRateFloor": "-0.02000000",
                "fundingIntervalHours": max(1, round(hours)),
                "disclaimer": False,
            }
            for s in venue().contracts
        ]

    get("/fapi/v1/fundingInfo", funding_info)

    def ticker_price(q: web.Request) -> object:
        v = venue()
        rows = [
            {"symbol": s, "price": wire.s(v.mark_price(s)), "time": srv.now_ms()}
            for s in v.contracts
        ]
        sym = q["params"].get("symbol")
        return next(x for x in rows if x["symbol"] == v.contract(sym).symbol) if sym else rows

    get("/fapi/v1/ticker/price", ticker_price)
    get("/fapi/v2/ticker/price", ticker_price)

    # --- account and settings -----------------------------------------------------------
    def acct(q: web.Request) -> tuple[FuturesVenue, str]:
        return venue(), signed(q)

    def account(version: int) -> Callable[[web.Request], object]:
        def fn(q: web.Request) -> object:
            v, key = acct(q)
            return wire.account_json(v, v.account(key), version)

        return fn

    get("/fapi/v2/account", account(2))
    get("/fapi/v3/account", account(3))

    def balance(q: web.Request) -> object:
        v, key = acct(q)
        return wire.balance_json(v, v.account(key))

    get("/fapi/v2/balance", balance)
    get("/fapi/v3/balance", balance)

    def position_risk(version: int) -> Callable[[web.Request], object]:
        def fn(q: web.Request) -> object:
            v, key = acct(q)
            sym = q["params"].get("symbol")
            return wire.position_risk_json(
                v, v.account(key), v.contract(sym).symbol if sym else None, version
            )

        return fn

    get("/fapi/v2/positionRisk", position_risk(2))
    get("/fapi/v3/positionRisk", position_risk(3))

    def brackets(q: web.Request) -> object:
        v, _key = acct(q)
        sym = q["params"].get("symbol")
        rows = [
            {"symbol": c.symbol, "brackets": [b.json() for b in c.brackets]}
            for c in v.contracts.values()
            if not sym or c.symbol == sym
        ]
        if sym and not rows:
            v.contract(sym)
        return rows[0] if sym else rows

    get("/fapi/v1/leverageBracket", brackets)

    def symbol_config(q: web.Request) -> object:
        v, key = acct(q)
        a, sym = v.account(key), q["params"].get("symbol")
        return [
            {
                "symbol": s,
                "marginType": "ISOLATED" if a.config(s).isolated else "CROSSED",
                "isAutoAddMargin": "false",
                "leverage": a.config(s).leverage,
                "maxNotionalValue": str(int(c.max_notional_at(a.config(s).leverage))),
            }
            for s, c in v.contracts.items()
            if not sym or s == v.contract(sym).symbol
        ]

    get("/fapi/v1/symbolConfig", symbol_config)

    def account_config(q: web.Request) -> object:
        v, key = acct(q)
        a = v.account(key)
        return {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": False,
            "dualSidePosition": a.dual_side,
            "updateTime": 0,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
        }

    get("/fapi/v1/accountConfig", account_config)

    def commission(q: web.Request) -> object:
        v, _key = acct(q)
        return {
            "symbol": v.contract(q["params"].get("symbol")).symbol,
            "makerCommissionRate": f"{v.maker_fee:f}",
            "takerCommissionRate": f"{v.taker_fee:f}",
        }

    get("/fapi/v1/commissionRate", commission)

    def leverage(q: web.Request) -> object:
        v, key = acct(q)
        return v.set_leverage(key, q["params"].get("symbol"), q["params"].get("leverage"))

    post("/fapi/v1/leverage", leverage)

    def margin_type(q: web.Request) -> object:
        v, key = acct(q)
        v.set_margin_type(key, q["params"].get("symbol"), q["params"].get("marginType"))
        return {"code": 200, "msg": "success"}

    post("/fapi/v1/marginType", margin_type)

    def dual(q: web.Request) -> object:
        v, key = acct(q)
        if q.method == "GET":
            return {"dualSidePosition": v.account(key).dual_side}
        v.set_dual(key, q["params"].get("dualSidePosition"))
        return {"code": 200, "msg": "success"}

    get("/fapi/v1/positionSide/dual", dual)
    post("/fapi/v1/positionSide/dual", dual)

    def income(q: web.Request) -> object:
        v, key = acct(q)
        p = q["params"]
        a = v.account(key)
        sym, kind = p.get("symbol"), p.get("incomeType")
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        limit = int_param(p, "limit", 100, 1, 1000) or 100
        rows = [
            i
            for i in a.income
            if (not sym or i.symbol == sym)
            and (not kind or i.income_type == kind)
            and (start is None or i.time >= start)
            and (end is None or i.time <= end)
        ]
        rows = rows[:limit] if start is not None else rows[-limit:]
        return [i.json() for i in rows]

    get("/fapi/v1/income", income)

    # --- orders -------------------------------------------------------------------------
    async def new_order(q: web.Request) -> web.Response:
        v, key = acct(q)
        srv.limits.charge_order(key, srv.now_ms())
        body = v.place(key, q["params"]).json()
        await fail_reply_if_asked(srv, q)
        return json_response(body)

    r.add_post("/fapi/v1/order", new_order)

    def get_order(q: web.Request) -> object:
        v, key = acct(q)
        return v.find(key, q["params"]).json()

    get("/fapi/v1/order", get_order)

    def cancel_order(q: web.Request) -> object:
        v, key = acct(q)
        return v.cancel(key, q["params"]).json()

    post("/fapi/v1/order", cancel_order, "DELETE")

    def open_orders(q: web.Request) -> object:
        v, key = acct(q)
        sym = q["params"].get("symbol")
        return [o.json() for o in v.open_orders(key, v.contract(sym).symbol if sym else None)]

    get("/fapi/v1/openOrders", open_orders)

    def all_orders(q: web.Request) -> object:
        v, key = acct(q)
        sym = v.contract(q["params"].get("symbol")).symbol
        v.account(key)
        rows = [o for o in v.orders[key].values() if o.symbol == sym]
        return [o.json() for o in _rows(rows, q["params"], "orderId")]

    get("/fapi/v1/allOrders", all_orders)

    def cancel_all(q: web.Request) -> object:
        v, key = acct(q)
        v.cancel_all(key, q["params"].get("symbol"))
        return ALL_CANCELED

    post("/fapi/v1/allOpenOrders", cancel_all, "DELETE")

    def user_trades(q: web.Request) -> object:
        v, key = acct(q)
        p = q["params"]
        sym = v.contract(p.get("symbol")).symbol
        v.account(key)
        oid, from_id = int_param(p, "orderId"), int_param(p, "fromId")
        start, end = int_param(p, "startTime"), int_param(p, "endTime")
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        rows = [
            t
            for t in v.trades[key]
            if t["symbol"] == sym
            and (oid is None or t["orderId"] == oid)
            and (from_id is None or int(str(t["id"])) >= from_id)
            and (start is None or int(str(t["time"])) >= start)
            and (end is None or int(str(t["time"])) <= end)
        ]
        return rows[:limit] if from_id is not None or start is not None else rows[-limit:]

    get("/fapi/v1/userTrades", user_trades)

    def countdown(q: web.Request) -> object:
        v, key = acct(q)
        p = q["params"]
        ms = int_param(p, "countdownTime")
        if ms is None:
            raise ApiError(
                -1102,
                "Mandatory parameter 'countdownTime' was not sent, was empty/null, or malformed.",
            )
        sym = v.contract(p.get("symbol")).symbol
        lifecycle.set_countdown(v, key, sym, ms)
        return {"symbol": sym, "countdownTime": str(ms)}

    post("/fapi/v1/countdownCancelAll", countdown)

    # --- conditional (algo) orders ------------------------------------------------------
    async def new_algo(q: web.Request) -> web.Response:
        v, key = acct(q)
        p = q["params"]
        if (p.get("algoType") or "").upper() != "CONDITIONAL":
            raise ApiError(
                -1102, "Mandatory parameter 'algoType' was not sent, was empty/null, or malformed."
            )
        srv.limits.charge_order(key, srv.now_ms())
        body = algos.place_algo(v, key, p).algo_json()
        await fail_reply_if_asked(srv, q)
        return json_response(body)

    r.add_post("/fapi/v1/algoOrder", new_algo)

    def get_algo(q: web.Request) -> object:
        v, key = acct(q)
        return algos.find_algo(v, key, q["params"]).algo_json()

    get("/fapi/v1/algoOrder", get_algo)

    def cancel_algo(q: web.Request) -> object:
        v, key = acct(q)
        o = algos.cancel_algo(v, key, q["params"])
        return {"algoId": o.algo_id, "clientAlgoId": o.client_id, "code": "200", "msg": "success"}

    post("/fapi/v1/algoOrder", cancel_algo, "DELETE")

    def open_algos(q: web.Request) -> object:
        v, key = acct(q)
        sym = q["params"].get("symbol")
        return [o.algo_json() for o in v.open_algos(key, v.contract(sym).symbol if sym else None)]

    get("/fapi/v1/openAlgoOrders", open_algos)

    def all_algos(q: web.Request) -> object:
        v, key = acct(q)
        sym = v.contract(q["params"].get("symbol")).symbol
        v.account(key)
        rows = [o for o in v.algos[key].values() if o.symbol == sym]
        return [o.algo_json() for o in _rows(rows, q["params"], "algoId")]

    get("/fapi/v1/allAlgoOrders", all_algos)

    def cancel_all_algos(q: web.Request) -> object:
        v, key = acct(q)
        algos.cancel_all_algos(v, key, q["params"].get("symbol"))
        return ALL_CANCELED

    post("/fapi/v1/algoOpenOrders", cancel_all_algos, "DELETE")

    # --- user-data stream key -----------------------------------------------------------
    def listen_key(q: web.Request) -> object:
        key = keyed(q)
        if q.method == "DELETE":
            srv.futures_stream.drop_key(key)
            return {}
        return {"listenKey": srv.futures_stream.listen_key(key, secrets.token_urlsafe(48))}

    post("/fapi/v1/listenKey", listen_key)
    post("/fapi/v1/listenKey", listen_key, "PUT")
    post("/fapi/v1/listenKey", listen_key, "DELETE")
