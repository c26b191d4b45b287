"""Public /fapi market data of the paper exchange's perpetuals: depth, 24 h ticker, book
ticker and klines. A contract has no book or candles of its own (see ``venue``): these
are the spot market's, with each level's quantity rounded UP to whole contract steps,
which is exactly the liquidity a futures taker order gets."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from aiohttp import web

from ..candles import TF_MS, kline_row
from ..errors import ApiError
from ..http_util import int_param, json_response
from .contracts import Contract

if TYPE_CHECKING:
    from .host import FuturesMarketHost

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
SPOT_ONLY_FIELDS = ("bidPrice", "bidQty", "askPrice", "askQty", "prevClosePrice")


def contract_qty(c: Contract, spot_steps: int) -> str:
    return f"{(Decimal(spot_steps) / c.spot_factor).to_integral_value(ROUND_CEILING) * c.step:f}"


def setup(app: web.Application, srv: FuturesMarketHost) -> None:
    r = app.router

    def contract(request: web.Request) -> Contract:
        return srv.futures.contract(request["params"].get("symbol"))

    async def depth(request: web.Request) -> web.Response:
        c = contract(request)
        limit = int_param(request["params"], "limit", 500) or 500
        if limit not in DEPTH_LIMITS:
            raise ApiError(-4021, f"'{limit}' is not valid depth limit.")
        book = srv.engine.books[c.symbol]
        bids, asks = book.depth(limit)
        now = srv.now_ms()
        ps = c.spot.price_str
        return json_response(
            {
                "lastUpdateId": book.update_id,
                "E": now,
                "T": now,
                "bids": [[ps(t), contract_qty(c, q)] for t, q in bids],
                "asks": [[ps(t), contract_qty(c, q)] for t, q in asks],
            }
        )

    async def ticker_24hr(request: web.Request) -> web.Response:
        def one(s: str) -> dict[str, object]:
            row = {k: v for k, v in srv.md.stats(s).items() if k not in SPOT_ONLY_FIELDS}
            return row

        if request["params"].get("symbol"):
            return json_response(one(contract(request).symbol))
        return json_response([one(s) for s in srv.futures.contracts])

    async def book_ticker(request: web.Request) -> web.Response:
        now = srv.now_ms()

        def one(c: Contract) -> dict[str, object]:
            book = srv.engine.books[c.symbol]
            b, a = book.bids.best(), book.asks.best()
            return {
                "symbol": c.symbol,
                "bidPrice": c.spot.price_str(b or 0),
                "bidQty": contract_qty(c, book.bids.qty(b) if b else 0),
                "askPrice": c.spot.price_str(a or 0),
                "askQty": contract_qty(c, book.asks.qty(a) if a else 0),
                "time": now,
                "lastUpdateId": book.update_id,
            }

        if request["params"].get("symbol"):
            return json_response(one(contract(request)))
        return json_response([one(c) for c in srv.futures.contracts.values()])

    async def klines(request: web.Request) -> web.Response:
        c = contract(request)
        p = request["params"]
        interval = p.get("interval")
        if not interval:
            raise ApiError(
                -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."
            )
        if interval not in TF_MS:
            raise ApiError(-1120, "Invalid interval.")
        limit = int_param(p, "limit", 500, 1, 1500) or 500
        series = srv.md.series[c.symbol][interval]
        rows = series.select(limit, int_param(p, "startTime"), int_param(p, "endTime"))
        return json_response([kline_row(c.spot, row, series.ms) for row in rows])

    r.add_get("/fapi/v1/depth", depth)
    r.add_get("/fapi/v1/ticker/24hr", ticker_24hr)
    r.add_get("/fapi/v1/ticker/bookTicker", book_ticker)
    r.add_get("/fapi/v1/klines", klines)
