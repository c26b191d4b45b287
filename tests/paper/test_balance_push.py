"""Every lock, unlock and fill pushes an ``outboundAccountPosition`` on the user-data
stream, as Binance does, read back through the real ccxt.pro client's ``watch_balance``.

Without the push, a resting order locks funds on the exchange while the client keeps the
old free balance until something unrelated changes it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, run_async

D = Decimal


async def _next_balance(watch: asyncio.Future, what: str) -> dict:
    try:
        return await asyncio.wait_for(watch, 10)
    except TimeoutError:
        raise AssertionError(f"no balance update after {what} within 10 s") from None


def test_lock_unlock_and_fill_each_push_the_account_position(
    paper_exchange: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        async with paper_pro(paper_exchange) as ex:
            await ex.load_markets()
            first = await asyncio.wait_for(ex.watch_balance(), 10)  # pushed on subscribe
            usdt_free = D(str(first["USDT"]["free"]))
            assert first["USDT"]["used"] == 0
            ob = await ex.fetch_order_book("BTC/USDT", 5)
            price = D(str(ob["bids"][0][0])) * D("0.9")
            price = price.quantize(D("0.01"))
            amount = D("0.01")

            # a resting buy locks quote: the stream says so, nothing else has to happen
            watch = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.1)
            order = await ex.create_order("BTC/USDT", "limit", "buy", float(amount), float(price))
            bal = await _next_balance(watch, "placing a resting buy")
            raw = bal["info"]
            assert raw["e"] == "outboundAccountPosition"
            rows = {r["a"]: r for r in raw["B"]}
            assert D(rows["USDT"]["l"]) == price * amount
            assert D(rows["USDT"]["f"]) == usdt_free - price * amount
            assert D(str(bal["USDT"]["used"])) == price * amount

            # the cancel unlocks it again
            watch = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.1)
            await ex.cancel_order(order["id"], "BTC/USDT")
            bal = await _next_balance(watch, "cancelling it")
            rows = {r["a"]: r for r in bal["info"]["B"]}
            assert D(rows["USDT"]["l"]) == 0 and D(rows["USDT"]["f"]) == usdt_free

            # a resting sell locks base; the simulated market filling it moves both assets
            btc_free = D(str(bal["BTC"]["free"]))
            ask = D(str((await ex.fetch_order_book("BTC/USDT", 5))["asks"][0][0]))
            sell_price = (ask * D("1.02")).quantize(D("0.01"))
            watch = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.1)
            await ex.create_order("BTC/USDT", "limit", "sell", 0.001, float(sell_price))
            bal = await _next_balance(watch, "placing a resting sell")
            assert D(str(bal["BTC"]["used"])) == D("0.001")
            assert D(str(bal["BTC"]["free"])) == btc_free - D("0.001")
            watch = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.1)
            await asyncio.to_thread(
                paper_exchange.control.force_trade, "BTC/USDT", "BUY", str(sell_price)
            )
            deadline = asyncio.get_running_loop().time() + 10
            while True:  # the fill may come as more than one push
                bal = await _next_balance(watch, "the fill")
                if bal["BTC"]["used"] == 0 and D(str(bal["USDT"]["free"])) > usdt_free:
                    break
                assert asyncio.get_running_loop().time() < deadline, bal
                watch = asyncio.ensure_future(ex.watch_balance())
            assert D(str(bal["BTC"]["free"])) == btc_free - D("0.001")

    run_async(go(), 60)
