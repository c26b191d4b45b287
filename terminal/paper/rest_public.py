"""Public REST endpoints under /api/v3 (market data and exchange metadata)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from .candles import TF_MS, kline_row
from .errors import ApiError, bad_symbol, missing_param
from .http_util import int_param, json_response

if TYPE_CHECKING:
    from .host import PublicHost


def _symbols_param(srv: PublicHost, params: dict[str, str]) -> list[str] | None:
    """``symbol=X`` or ``symbols=["A","B"]`` (JSON array); None means all."""
    if params.get("symbol"):
        return [srv.engine.spec(params["symbol"]).symbol]
    if params.get("symbols"):
        try:
            names = orjson.loads(params["symbols"])
        except orjson.JSONDecodeError:
            raise ApiError(
                -1100,
                "Illegal characters found in parameter 'symbols'; legal "
                'range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
            ) from None
        if not isinstance(names, list):
            raise bad_symbol()
        return [srv.engine.spec(str(n)).symbol for n in names]
    return None


def setup(app: web.Application, srv: PublicHost) -> None:
    r = app.router

    async def ping(request: web.Request) -> web.Response:
        return json_response({})

    async def time_(request: web.Request) -> web.Response:
        return json_response({"serverTime": srv.now_ms()})

    async def exchange_info(request: web.Request) -> web.Response:
        params = request["params"]
        syms = _symbols_param(srv, params)
        cfg = srv.limits.config
        return json_response(
            {
                "timezone": "UTC",
                "serverTime": srv.now_ms(),
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
                    {
                        "rateLimitType": "ORDERS",
                        "interval": "DAY",
                        "intervalNum": 1,
                        "limit": cfg.orders_per_day,
                    },
                    {
                        "rateLimitType": "RAW_REQUESTS",
                        "interval": "MINUTE",
                        "intervalNum": 5,
                        "limit": 61000,
                    },
                ],
                "exchangeFilters": [],
                "symbols": [
                    m.exchange_info()
                    for s, m in srv.engine.specs.items()
                    if syms is None or s in syms
                ],
            }
        )

    async def depth(request: web.Request) -> web.Response:
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        limit = int_param(p, "limit", 100, 1, 5000) or 100
        book = srv.engine.books[m.symbol]
        bids, asks = book.depth(limit)
        ps, qs = m.price_str, m.qty_str
        return json_response(
            {
                "lastUpdateId": book.update_id,
                "bids": [[ps(t), qs(q)] for t, q in bids],
                "asks": [[ps(t), qs(q)] for t, q in asks],
            }
        )

    async def trades(request: web.Request) -> web.Response:
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        tape = list(srv.engine.tape[m.symbol])[-limit:]
        return json_response(
            [
                {
                    "id": t.trade_id,
                    "price": m.price_str(t.price),
                    "qty": m.qty_str(t.qty),
                    "quoteQty": m.notional_str(t.price * t.qty),
                    "time": t.time,
                    "isBuyerMaker": t.buyer_is_maker,
                    "isBestMatch": True,
                }
                for t in tape
            ]
        )

    async def agg_trades(request: web.Request) -> web.Response:
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        start = int_param(p, "startTime")
        end = int_param(p, "endTime")
        from_id = int_param(p, "fromId")
        tape = list(srv.engine.tape[m.symbol])
        if from_id is not None:
            tape = [t for t in tape if t.trade_id >= from_id][:limit]
        elif start is not None or end is not None:
            tape = [
                t
                for t in tape
                if (start is None or t.time >= start) and (end is None or t.time <= end)
            ][:limit]
        else:
            tape = tape[-limit:]
        return json_response(
            [
                {
                    "a": t.trade_id,
                    "p": m.price_str(t.price),
                    "q": m.qty_str(t.qty),
                    "f": t.trade_id,
                    "l": t.trade_id,
                    "T": t.time,
                    "m": t.buyer_is_maker,
                    "M": True,
                }
                for t in tape
            ]
        )

    async def klines(request: web.Request) -> web.Response:
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        interval = p.get("interval")
        if not interval:
            raise missing_param("interval")
        if interval not in TF_MS:
            raise ApiError(-1120, "Invalid interval.")
        limit = int_param(p, "limit", 500, 1, 1000) or 500
        series = srv.md.series[m.symbol][interval]
        rows = series.select(limit, int_param(p, "startTime"), int_param(p, "endTime"))
        return json_response([kline_row(m, r, series.ms) for r in rows])

    async def avg_price(request: web.Request) -> web.Response:
        p = request["params"]
        m = srv.engine.spec(p.get("symbol"))
        rows = srv.md.series[m.symbol]["1m"].rows[-5:]
        vol = sum(r[5] for r in rows)
        qv = sum(r[6] for r in rows)
        price = (
            (m.notional_dec(qv) / m.qty_dec(vol)).quantize(m.tick)
            if vol
            else m.price_dec(srv.engine.reference_price(m.symbol))
        )
        return json_response(
            {
                "mins": 5,
                "price": f"{price:f}",
                "closeTime": rows[-1][0] + 59_999 if rows else srv.now_ms(),
            }
        )

    async def ticker_24hr(request: web.Request) -> web.Response:
        p = request["params"]
        syms = _symbols_param(srv, p)
        if p.get("symbol"):
            return json_response(srv.md.stats(syms[0]))  # type: ignore[index]
        return json_response([srv.md.stats(s) for s in (syms or list(srv.engine.specs))])

    async def ticker_price(request: web.Request) -> web.Response:
        p = request["params"]
        syms = _symbols_param(srv, p)

        def one(s: str) -> dict[str, str]:
            m = srv.engine.specs[s]
            return {"symbol": s, "price": m.price_str(srv.engine.reference_price(s))}

        if p.get("symbol"):
            return json_response(one(syms[0]))  # type: ignore[index]
        return json_response([one(s) for s in (syms or list(srv.engine.specs))])

    async def book_ticker(request: web.Request) -> web.Response:
        p = request["params"]
        syms = _symbols_param(srv, p)

        def one(s: str) -> dict[str, str]:
            m = srv.engine.specs[s]
            book = srv.engine.books[s]
            b, a = book.bids.best(), book.asks.best()
            return {
                "symbol": s,
                "bidPrice": m.price_str(b or 0),
                "bidQty": m.qty_str(book.bids.qty(b) if b else 0),
                "askPrice": m.price_str(a or 0),
                "askQty": m.qty_str(book.asks.qty(a) if a else 0),
            }

        if p.get("symbol"):
            return json_response(one(syms[0]))  # type: ignore[index]
        return json_response([one(s) for s in (syms or list(srv.engine.specs))])

    r.add_get("/api/v3/ping", ping)
    r.add_get("/api/v3/time", time_)
    r.add_get("/api/v3/exchangeInfo", exchange_info)
    r.add_get("/api/v3/depth", depth)
    r.add_get("/api/v3/trades", trades)
    r.add_get("/api/v3/historicalTrades", trades)
    r.add_get("/api/v3/aggTrades", agg_trades)
    r.add_get("/api/v3/klines", klines)
    r.add_get("/api/v3/uiKlines", klines)
    r.add_get("/api/v3/avgPrice", avg_price)
    r.add_get("/api/v3/ticker/24hr", ticker_24hr)
    r.add_get("/api/v3/ticker/price", ticker_price)
    r.add_get("/api/v3/ticker/bookTicker", book_ticker)
