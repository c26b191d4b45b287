"""The futures user-data stream (listenKey, ORDER_TRADE_UPDATE, ACCOUNT_UPDATE) and the
markPrice stream through the real ``ccxt.pro.binanceusdm``."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_pro, futures_rest

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal


async def connected(ctl: PaperControl, key: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(ctl.user_connections, key):
        assert time.monotonic() < deadline, "no user-data connection"
        await asyncio.sleep(0.05)


async def cached_orders(ex: Any, pred: Any, timeout: float = 10) -> list[Any]:
    """ccxt's order cache once ``pred`` holds for it. The stream fills the cache whether
    or not a watch_orders call is waiting, so an event that arrives between two calls
    is not missed."""
    deadline = time.monotonic() + timeout
    while not pred(list(ex.orders or [])):
        assert time.monotonic() < deadline, "timed out waiting for order updates"
        await asyncio.sleep(0.05)
    return list(ex.orders)


async def watch_until(watch: Any, pred: Any, timeout: float = 10) -> Any:
    """Call ``watch()`` until ``pred(result)`` holds; the matching result."""

    async def loop() -> Any:
        while True:
            got = await watch()
            if pred(got):
                return got

    return await asyncio.wait_for(loop(), timeout)


def test_orders_positions_balance_and_mark_price_stream(
    futures_module: PaperExchangeHandle,
) -> None:
    ctl = PaperControl(futures_module.url)
    key = futures_module.accounts[0][0]

    async def go() -> None:
        async with futures_pro(futures_module, 0) as ex:
            await ex.load_markets()
            await ex.set_leverage(10, ETH)
            first = asyncio.ensure_future(ex.watch_orders(ETH))
            await connected(ctl, key)
            await asyncio.sleep(0.2)
            lim = await ex.create_order(ETH, "limit", "buy", 0.1, 1000)  # rests far below
            seen = await asyncio.wait_for(first, 10)
            assert [(o["id"], o["status"]) for o in seen] == [(lim["id"], "open")]
            raw = seen[0]["info"]
            assert raw["x"] == "NEW" and raw["ps"] == "BOTH" and raw["ot"] == "LIMIT"
            await ex.cancel_order(lim["id"], ETH)
            canceled = await cached_orders(
                ex, lambda os: any(o["status"] == "canceled" for o in os)
            )
            assert [o["id"] for o in canceled if o["status"] == "canceled"] == [lim["id"]]
            # a market order: NEW then TRADE events, a position and a balance update
            positions = asyncio.ensure_future(
                watch_until(
                    ex.watch_positions,
                    lambda ps: any(p["symbol"] == ETH and p["contracts"] for p in ps),
                )
            )
            balance = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.3)
            mkt = await ex.create_order(ETH, "market", "sell", 0.2)
            filled = await cached_orders(
                ex, lambda os: any(o["id"] == mkt["id"] and o["status"] == "closed" for o in os)
            )
            last = next(o for o in filled if o["id"] == mkt["id"])
            assert last["filled"] == 0.2 and last["info"]["x"] == "TRADE"
            assert last["fee"]["currency"] == "USDT" and last["fee"]["cost"] > 0
            (pos,) = [p for p in await asyncio.wait_for(positions, 10) if p["symbol"] == ETH]
            assert pos["side"] == "short" and pos["contracts"] == 0.2
            rest = (await ex.fetch_positions([ETH]))[0]
            assert pos["entryPrice"] == rest["entryPrice"]
            bal = await asyncio.wait_for(balance, 10)
            acct = await ex.fapiPrivateV3GetAccount()
            assert bal["USDT"]["total"] == float(acct["totalWalletBalance"])
            trades = await ex.fetch_my_trades(ETH)
            fees = sum((D(t["info"]["commission"]) for t in trades), D(0))
            assert fees == 100000 - D(acct["totalWalletBalance"])
            # markPrice stream: the same mark as the REST premium index (market paused)
            await asyncio.to_thread(ctl.pause)
            try:
                await asyncio.to_thread(
                    ctl.post, "/futures/premium", {"symbol": "ETHUSDT", "premium": "0.003"}
                )
                rest_mark = await ex.fetch_mark_price(ETH)
                mark = await watch_until(
                    lambda: ex.watch_mark_price(ETH),
                    lambda t: t["markPrice"] == rest_mark["markPrice"],
                )
                assert mark["indexPrice"] == rest_mark["indexPrice"]
                assert D(mark["info"]["p"]) == D(mark["info"]["i"]) * D("1.003")
                assert mark["info"]["T"] == rest_mark["info"]["nextFundingTime"]
            finally:
                await asyncio.to_thread(
                    ctl.post, "/futures/premium", {"symbol": "ETHUSDT", "premium": "0"}
                )
                await asyncio.to_thread(ctl.resume)
            going_flat = asyncio.ensure_future(
                watch_until(
                    ex.watch_positions,
                    lambda ps: any(p["symbol"] == ETH and not p["contracts"] for p in ps),
                )
            )
            await asyncio.sleep(0.2)
            close = await ex.create_order(ETH, "market", "buy", 0.2, params={"reduceOnly": True})
            flat = await asyncio.wait_for(going_flat, 10)
            assert flat and close["status"] == "closed"

    run_async(go())


def test_listen_key_lifecycle(futures_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with futures_rest(futures_module, 1) as ex:
            a = (await ex.fapiPrivatePostListenKey())["listenKey"]
            b = (await ex.fapiPrivatePostListenKey())["listenKey"]
            assert a == b and len(a) > 20  # an active key is returned again, as Binance does
            assert (await ex.fapiPrivatePutListenKey())["listenKey"] == a
            await ex.fapiPrivateDeleteListenKey()
            assert (await ex.fapiPrivatePostListenKey())["listenKey"] != a

    run_async(go())
