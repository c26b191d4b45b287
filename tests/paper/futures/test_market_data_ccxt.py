"""Public futures market data through ccxt's ``binanceusdm``: the order book, tickers
and candles of a perpetual are those of the spot market it is priced from."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import ccxt
import pytest

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_pro, futures_rest

BTC = "BTC/USDT:USDT"
D = Decimal


def test_book_ticker_and_candles(futures_module: PaperExchangeHandle) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 0) as ex:
            await ex.load_markets()
            await asyncio.to_thread(ctl.pause)
            try:
                ob = await ex.fetch_order_book(BTC, 100)
                spot = await asyncio.to_thread(ctl.book, "BTC/USDT", 100)
                mark = await ex.fetch_mark_price(BTC)
            finally:
                await asyncio.to_thread(ctl.resume)
            assert ob["bids"][0][0] < ob["asks"][0][0] and len(ob["bids"]) == 100
            assert ob["nonce"] == spot["lastUpdateId"]
            # same prices; each level's size rounded up to whole 0.001 BTC contract steps
            for mine, theirs in ((ob["bids"], spot["bids"]), (ob["asks"], spot["asks"])):
                for (p, q), (sp, sq) in zip(mine, theirs, strict=True):
                    assert D(str(p)) == D(sp)
                    steps = D(str(q)) / D("0.001")
                    assert steps == steps.to_integral_value()
                    assert D(sq) <= D(str(q)) < D(sq) + D("0.001")
            # the index (spot mid) sits between the best bid and ask
            assert ob["bids"][0][0] <= mark["indexPrice"] <= ob["asks"][0][0]
            t = await ex.fetch_ticker(BTC)
            assert t["symbol"] == BTC and t["last"] > 0 and t["high"] >= t["low"] > 0
            bt = await ex.fetch_bids_asks([BTC])
            assert bt[BTC]["bid"] < bt[BTC]["ask"]
            candles = await ex.fetch_ohlcv(BTC, "1m", limit=50)
            assert len(candles) == 50
            assert all(c[2] >= max(c[1], c[4]) and c[3] <= min(c[1], c[4]) for c in candles)
            with pytest.raises(ccxt.ExchangeError, match="-4021"):
                await ex.fapiPublicGetDepth({"symbol": "BTCUSDT", "limit": 7})

    run_async(go())


def test_watch_order_book_follows_the_depth_stream(futures_module: PaperExchangeHandle) -> None:
    """ccxt.pro's futures order book (REST snapshot + depthUpdate diffs with ``pu``) stays
    equal, level by level, to the contract's REST depth while the market moves."""
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_pro(futures_module, 0) as ex:
            await ex.load_markets()
            await asyncio.wait_for(ex.watch_order_book(BTC), 15)
            for _ in range(3):
                for _ in range(5):  # the market moves: several diffs are applied
                    await asyncio.wait_for(ex.watch_order_book(BTC), 10)
                paused = await asyncio.to_thread(ctl.pause)
                try:
                    uid = paused["update_ids"]["BTCUSDT"]
                    deadline = time.monotonic() + 10
                    while ex.orderbooks[BTC]["nonce"] != uid:
                        assert time.monotonic() < deadline, "book did not catch up"
                        await asyncio.sleep(0.02)
                    rest = await ex.fapiPublicGetDepth({"symbol": "BTCUSDT", "limit": 1000})
                    assert rest["lastUpdateId"] == uid
                    mine = ex.orderbooks[BTC]
                    n = min(len(rest["bids"]), len(mine["bids"]), 500)
                    assert n > 100
                    assert [[float(p), float(q)] for p, q in rest["bids"][:n]] == [
                        list(x[:2]) for x in mine["bids"][:n]
                    ]
                    assert [[float(p), float(q)] for p, q in rest["asks"][:n]] == [
                        list(x[:2]) for x in mine["asks"][:n]
                    ]
                finally:
                    await asyncio.to_thread(ctl.resume)
            # a skipped update id breaks the pu chain: ccxt notices the gap
            await asyncio.to_thread(ctl.depth_gap, "BTC/USDT")
            with pytest.raises(ccxt.ChecksumError):
                for _ in range(200):
                    await asyncio.wait_for(ex.watch_order_book(BTC), 10)

    run_async(go(), 90)
