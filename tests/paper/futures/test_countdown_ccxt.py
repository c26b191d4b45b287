"""countdownCancelAll (Binance USDⓈ-M's dead-man's switch) through ccxt's implicit
``fapiPrivatePostCountdownCancelAll``."""

from __future__ import annotations

import asyncio
import time

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def test_countdown_cancels_the_symbols_orders_when_not_renewed(
    futures_module: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with futures_rest(futures_module, 0) as ex:
            await ex.load_markets()
            btc = (await ex.fetch_mark_price(BTC))["indexPrice"]
            eth = (await ex.fetch_mark_price(ETH))["indexPrice"]
            mine = [
                await ex.create_order(BTC, "limit", "buy", 0.01, round(btc * 0.8, 2)),
                await ex.create_order(BTC, "limit", "sell", 0.01, round(btc * 1.2, 2)),
            ]
            stop = await ex.create_order(
                BTC, "market", "buy", 0.01, params={"triggerPrice": round(btc * 1.2, 2)}
            )
            other = await ex.create_order(ETH, "limit", "buy", 0.1, round(eth * 0.8, 2))
            reply = await ex.fapiPrivatePostCountdownCancelAll(
                {"symbol": "BTCUSDT", "countdownTime": 1500}
            )
            assert reply == {"symbol": "BTCUSDT", "countdownTime": "1500"}
            # a countdown set and then switched off (0) cancels nothing
            await ex.fapiPrivatePostCountdownCancelAll({"symbol": "ETHUSDT", "countdownTime": 1000})
            await ex.fapiPrivatePostCountdownCancelAll({"symbol": "ETHUSDT", "countdownTime": 0})
            # heartbeats within the countdown keep the orders
            t0 = time.monotonic()
            for _ in range(3):
                await asyncio.sleep(0.5)
                await ex.fapiPrivatePostCountdownCancelAll(
                    {"symbol": "BTCUSDT", "countdownTime": 1500}
                )
            assert time.monotonic() - t0 > 1.5  # longer than one countdown
            assert len(await ex.fetch_open_orders(BTC)) == 2
            # no more heartbeats: the countdown expires and cancels the symbol's orders
            deadline = time.monotonic() + 15
            while await ex.fetch_open_orders(BTC):
                assert time.monotonic() < deadline, "countdown did not cancel"
                await asyncio.sleep(0.1)
            for o in mine:
                assert (await ex.fetch_order(o["id"], BTC))["status"] == "canceled"
            assert (await ex.fetch_order(stop["id"], BTC, params={"trigger": True}))[
                "status"
            ] == "canceled"
            await asyncio.sleep(1.2)  # the switched-off ETH countdown would have expired
            assert [o["id"] for o in await ex.fetch_open_orders(ETH)] == [other["id"]]
            await ex.cancel_all_orders(ETH)

    run_async(go())
