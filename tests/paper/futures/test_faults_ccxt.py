"""The order-entry fault on /fapi: the order is placed, the reply fails, and a query by
client order id settles the outcome (as the terminal must do)."""

from __future__ import annotations

import asyncio

import ccxt
import pytest

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest

BTC = "BTC/USDT:USDT"


def test_order_placed_but_reply_lost_is_found_by_query(futures_module: PaperExchangeHandle) -> None:
    ctl = futures_module.control

    async def go() -> None:
        async with futures_rest(futures_module, 0) as ex:
            await ex.load_markets()
            px = (await ex.fetch_mark_price(BTC))["indexPrice"]
            await asyncio.to_thread(ctl.order_unknown, "5xx", 1)
            with pytest.raises(ccxt.NetworkError):  # -1007, RequestTimeout
                await ex.create_order(
                    BTC,
                    "limit",
                    "buy",
                    0.01,
                    round(px * 0.9, 2),
                    params={"clientOrderId": "lost-reply-1"},
                )
            got = await ex.fetch_order(None, BTC, params={"clientOrderId": "lost-reply-1"})
            assert got["status"] == "open" and got["amount"] == 0.01
            await asyncio.to_thread(ctl.order_unknown, "5xx", 1)
            with pytest.raises(ccxt.NetworkError):  # -1007, RequestTimeout
                await ex.create_order(
                    BTC,
                    "market",
                    "sell",
                    0.01,
                    params={"stopLossPrice": round(px * 0.8, 2), "clientOrderId": "lost-reply-2"},
                )
            algo = await ex.fetch_order(
                None, BTC, params={"clientOrderId": "lost-reply-2", "trigger": True}
            )
            assert algo["status"] == "open" and algo["triggerPrice"] == round(px * 0.8, 2)
            await ex.cancel_all_orders(BTC)
            await ex.cancel_all_orders(BTC, params={"trigger": True})

    run_async(go())
