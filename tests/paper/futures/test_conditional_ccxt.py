"""Conditional futures orders (Binance's algo-order service), reduce-only and
closePosition through the real ccxt ``binanceusdm``, fired by moving the market."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import ccxt
import pytest

from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest

BTC, SOL = "BTC/USDT:USDT", "SOL/USDT:USDT"


async def eventually(
    probe: Callable[[], Awaitable[Any]], pred: Callable[[Any], bool], what: str, timeout: float = 10
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = await probe()
        if pred(got):
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {got}"
        await asyncio.sleep(0.05)


async def move(ctl: PaperControl, symbol: str, side: str, price: float) -> None:
    """Move the (paused) market's mid, which is the contract's index and contract price."""
    await asyncio.to_thread(ctl.force_trade, symbol, side, f"{price:.2f}")


def test_stop_market_and_take_profit_close_position(futures_module: PaperExchangeHandle) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 0) as ex:
            await ex.load_markets()
            await ex.set_leverage(10, BTC)
            await asyncio.to_thread(ctl.pause)
            try:
                await ex.create_order(BTC, "market", "buy", 0.02)
                m = (await ex.fetch_mark_price(BTC))["indexPrice"]
                with pytest.raises(ccxt.ExchangeError, match="-2021"):
                    await ex.create_order(
                        BTC,
                        "market",
                        "sell",
                        0.01,
                        params={"stopLossPrice": round(m * 1.01, 2), "reduceOnly": True},
                    )
                sl = await ex.create_order(
                    BTC,
                    "market",
                    "sell",
                    0.01,
                    params={"stopLossPrice": round(m * 0.99, 2), "reduceOnly": True},
                )
                tp = await ex.create_order(
                    BTC,
                    "market",
                    "sell",
                    None,
                    params={"takeProfitPrice": round(m * 1.01, 2), "closePosition": True},
                )
                assert sl["info"]["orderType"] == "STOP_MARKET" and sl["status"] == "open"
                assert tp["info"]["orderType"] == "TAKE_PROFIT_MARKET"
                assert tp["info"]["closePosition"] is True
                waiting = await ex.fetch_open_orders(BTC, params={"trigger": True})
                assert {o["id"] for o in waiting} == {sl["id"], tp["id"]}
                assert await ex.fetch_open_orders(BTC) == []  # nothing in the book yet
                await move(ctl, "BTC/USDT", "SELL", m * 0.985)
                pos = await eventually(
                    ex.fetch_positions,
                    lambda ps: ps and ps[0]["contracts"] == 0.01,
                    "the stop to halve the position",
                )
                fired = await ex.fetch_order(sl["id"], BTC, params={"trigger": True})
                assert fired["status"] == "closed"
                placed = await ex.fetch_order(fired["info"]["actualOrderId"], BTC)
                assert placed["info"]["origType"] == "STOP_MARKET"
                assert placed["status"] == "closed" and placed["filled"] == 0.01
                assert placed["reduceOnly"] is True and pos[0]["side"] == "long"
                await move(ctl, "BTC/USDT", "BUY", m * 1.015)
                await eventually(
                    ex.fetch_positions, lambda ps: ps == [], "closePosition to close the rest"
                )
                done = await ex.fetch_order(tp["id"], BTC, params={"trigger": True})
                closer = await ex.fetch_order(done["info"]["actualOrderId"], BTC)
                assert closer["filled"] == 0.01 and closer["info"]["closePosition"] is True
                assert closer["info"]["origType"] == "TAKE_PROFIT_MARKET"
                assert await ex.fetch_open_orders(BTC, params={"trigger": True}) == []
            finally:
                await asyncio.to_thread(ctl.resume)

    run_async(go())


def test_stop_limit_trailing_stop_and_cancels(futures_module: PaperExchangeHandle) -> None:
    ctl = PaperControl(futures_module.url)

    async def go() -> None:
        async with futures_rest(futures_module, 1) as ex:
            await ex.load_markets()
            await ex.set_leverage(5, SOL)
            await asyncio.to_thread(ctl.pause)
            try:
                p = (await ex.fetch_mark_price(SOL))["indexPrice"]
                # STOP (stop-limit) buy: opens a long when the price rises through 1.02 p
                stop = await ex.create_order(
                    SOL,
                    "limit",
                    "buy",
                    1,
                    round(p * 1.03, 2),
                    params={"triggerPrice": round(p * 1.02, 2)},
                )
                assert stop["info"]["orderType"] == "STOP"
                # TAKE_PROFIT (limit) buy below the market waits too; cancelled later
                tpl = await ex.create_order(
                    SOL,
                    "limit",
                    "buy",
                    1,
                    round(p * 0.9, 2),
                    params={"takeProfitPrice": round(p * 0.91, 2)},
                )
                assert tpl["info"]["orderType"] == "TAKE_PROFIT"
                await move(ctl, "SOL/USDT", "BUY", p * 1.025)
                (pos,) = await eventually(
                    ex.fetch_positions, lambda ps: bool(ps), "the stop-limit to open a long"
                )
                assert pos["side"] == "long" and pos["contracts"] == 1
                assert pos["entryPrice"] <= round(p * 1.03, 2)
                # trailing stop: active from 1.03 p, sells 1 % below the highest since
                trail = await ex.create_order(
                    SOL,
                    "market",
                    "sell",
                    1,
                    params={
                        "trailingPercent": 1,
                        "trailingTriggerPrice": round(p * 1.03, 2),
                        "reduceOnly": True,
                    },
                )
                assert trail["info"]["orderType"] == "TRAILING_STOP_MARKET"
                await move(ctl, "SOL/USDT", "BUY", p * 1.06)
                await asyncio.sleep(0.4)  # activated, highest 1.06 p: 0.5 % down holds
                await move(ctl, "SOL/USDT", "SELL", p * 1.06 * 0.995)
                await asyncio.sleep(0.4)
                assert (await ex.fetch_positions())[0]["contracts"] == 1
                await move(ctl, "SOL/USDT", "SELL", p * 1.06 * 0.985)
                await eventually(
                    ex.fetch_positions, lambda ps: ps == [], "the trailing stop to close the long"
                )
                fired = await ex.fetch_order(trail["id"], SOL, params={"trigger": True})
                assert fired["status"] == "closed"
                # what is left waiting is cancelled one by one or all at once
                assert [
                    o["id"] for o in await ex.fetch_open_orders(SOL, params={"trigger": True})
                ] == [tpl["id"]]
                canceled = await ex.cancel_order(tpl["id"], SOL, params={"trigger": True})
                assert canceled["info"]["algoId"] == int(tpl["id"])
                with pytest.raises(ccxt.OrderNotFound):
                    await ex.cancel_order(tpl["id"], SOL, params={"trigger": True})
                for k in range(2):
                    await ex.create_order(
                        SOL,
                        "market",
                        "sell",
                        1,
                        params={"stopLossPrice": round(p * (0.9 - k / 100), 2)},
                    )
                await ex.cancel_all_orders(SOL, params={"trigger": True})
                assert await ex.fetch_open_orders(SOL, params={"trigger": True}) == []
            finally:
                await asyncio.to_thread(ctl.resume)

    run_async(go())
