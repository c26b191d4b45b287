"""WebSocket streams through the real ccxt.pro client, plus the raw subscribe protocol."""

from __future__ import annotations

import asyncio
import itertools
import time

import aiohttp
import ccxt
import orjson
import pytest

from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, paper_rest, run_async
from tests.paper.helpers import checkpoint, until


def test_public_watchers(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with paper_pro(paper_module, account=None) as ex:
            ob = await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            n0 = ob["nonce"]
            ob = await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            assert ob["nonce"] > n0 and len(ob["bids"]) >= 200
            assert ob["bids"][0][0] < ob["asks"][0][0]
            trades = await asyncio.wait_for(ex.watch_trades("SOL/USDT"), 15)
            assert trades and trades[0]["symbol"] == "SOL/USDT"
            candles = await asyncio.wait_for(ex.watch_ohlcv("ETH/USDT", "1m"), 15)
            assert candles[-1][0] % 60_000 == 0 and candles[-1][4] > 0
            t = await asyncio.wait_for(ex.watch_ticker("BTC/USDT", {"name": "ticker"}), 15)
            assert t["bid"] and t["ask"] and t["last"]
            mini = await asyncio.wait_for(ex.watch_ticker("ETH/BTC"), 15)
            assert mini["last"] and mini["symbol"] == "ETH/BTC"
            ts = await asyncio.wait_for(ex.watch_tickers(["BTC/USDT", "ETH/USDT"]), 15)
            assert set(ts) <= {"BTC/USDT", "ETH/USDT"} and ts
            at = await asyncio.wait_for(
                ex.watch_trades("ETH/USDT", params={"name": "aggTrade"}), 15
            )
            assert at

    run_async(go(), 60)


def test_raw_subscribe_ack_dedupe_unsubscribe(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with aiohttp.ClientSession() as s:
            async with s.ws_connect(paper_module.ws_url + "/7") as ws:
                sub = {"method": "SUBSCRIBE", "params": ["ethusdt@depth@100ms"], "id": 1}
                await ws.send_str(orjson.dumps(sub).decode())
                first = orjson.loads((await ws.receive(5)).data)
                assert first == {"result": None, "id": 1}
                sub["id"] = 2
                await ws.send_str(orjson.dumps(sub).decode())
                # count diffs until the second ack; then each update id must appear once
                seen: list[int] = []
                acked = False
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and len(seen) < 15:
                    msg = orjson.loads((await ws.receive(5)).data)
                    if msg.get("id") == 2:
                        acked = msg["result"] is None
                    elif msg.get("e") == "depthUpdate":
                        seen.append(msg["u"])
                assert acked and len(seen) == len(set(seen)) >= 10
                assert all(b > a for a, b in itertools.pairwise(seen))
                await ws.send_str(orjson.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}).decode())
                await ws.send_str(
                    orjson.dumps(
                        {"method": "UNSUBSCRIBE", "params": ["ethusdt@depth@100ms"], "id": 4}
                    ).decode()
                )
                got_list = got_unsub = False
                while not got_unsub:
                    msg = orjson.loads((await ws.receive(5)).data)
                    if msg.get("id") == 3:
                        got_list = msg["result"] == ["ethusdt@depth@100ms"]
                    got_unsub = msg.get("id") == 4
                assert got_list
                with pytest.raises(asyncio.TimeoutError):  # nothing more after unsubscribing
                    while True:
                        m = await ws.receive(0.6)
                        assert orjson.loads(m.data).get("e") != "depthUpdate"
                await ws.send_str('{"method":"SUBSCRIBE","params":["nope@trade"],"id":5}')
                err = orjson.loads((await ws.receive(5)).data)
                assert err["id"] == 5 and err["error"]["code"] == 2
            async with s.ws_connect(paper_module.ws_url, autoping=False) as raw:
                await raw.ping(b"hi")  # the server answers pings
                pong = await raw.receive(5)
                assert pong.type == aiohttp.WSMsgType.PONG and pong.data == b"hi"

    run_async(go(), 30)


def test_resting_order_filled_by_simulated_market(paper_module: PaperExchangeHandle) -> None:
    """Nothing forced: a buy one tick above the best bid fills from simulated takers."""

    async def go() -> None:
        async with paper_pro(paper_module, account=1) as ex:
            await ex.load_markets()
            bal = await asyncio.wait_for(ex.watch_balance(), 10)  # pushed after subscribing
            assert bal["USDT"]["free"] > 0
            watch = asyncio.ensure_future(ex.watch_orders("BTC/USDT"))
            await asyncio.sleep(0.3)
            ob = await ex.fetch_order_book("BTC/USDT", 5)
            price = round(ob["bids"][0][0] + 0.01, 2)  # inside the spread: first in line
            assert price < ob["asks"][0][0]
            o = await ex.create_order("BTC/USDT", "limit", "buy", 0.0002, price)
            t0 = time.monotonic()
            seen: dict[str, str] = {}
            deadline = time.monotonic() + 40
            while seen.get(o["id"]) != "closed":
                assert time.monotonic() < deadline, f"not filled in 40 s: {seen}"
                orders = await asyncio.wait_for(watch, deadline - time.monotonic())
                for x in orders:
                    seen[x["id"]] = x["status"]
                watch = asyncio.ensure_future(ex.watch_orders("BTC/USDT"))
            print(f"filled by the simulated market after {time.monotonic() - t0:.1f} s")
            watch.cancel()
            trades = await ex.fetch_my_trades("BTC/USDT")
            fills = [t for t in trades if t["order"] == o["id"]]
            assert fills and sum(t["amount"] for t in fills) == pytest.approx(0.0002)
            assert all(t["takerOrMaker"] == "maker" for t in fills)
            fetched = await ex.fetch_order(o["id"], "BTC/USDT")
            assert fetched["status"] == "closed" and fetched["filled"] == pytest.approx(0.0002)

    run_async(go(), 60)


def test_watch_my_trades_and_orders_with_forced_trade(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with paper_pro(paper_module, account=1) as ex:
            await ex.load_markets()
            mt = asyncio.ensure_future(ex.watch_my_trades("ETH/BTC"))
            wo = asyncio.ensure_future(ex.watch_orders("ETH/BTC"))
            await asyncio.sleep(0.3)
            ob = await ex.fetch_order_book("ETH/BTC", 5)
            price = ob["asks"][0][0] + 0.00010
            o = await ex.create_order("ETH/BTC", "limit", "sell", 0.01, price)
            first = await asyncio.wait_for(wo, 10)
            assert first[-1]["id"] == o["id"] and first[-1]["status"] == "open"
            wo = asyncio.ensure_future(ex.watch_orders("ETH/BTC"))
            bw = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.2)
            await asyncio.to_thread(
                paper_module.control.force_trade, "ETH/BTC", "BUY", f"{price + 0.00005:.5f}"
            )
            trades = await asyncio.wait_for(mt, 10)
            assert trades[-1]["order"] == o["id"] and trades[-1]["amount"] == pytest.approx(0.01)
            assert trades[-1]["fee"]["currency"] == "BTC"
            rest = [t for t in await ex.fetch_my_trades("ETH/BTC") if t["order"] == o["id"]]
            assert rest and rest[0]["id"] == trades[-1]["id"]
            orders = await asyncio.wait_for(wo, 10)
            assert [x["status"] for x in orders if x["id"] == o["id"]][-1] == "closed"
            bal = await asyncio.wait_for(bw, 10)
            assert bal["ETH"]["used"] == 0
            # a deposit arrives as balanceUpdate (+ outboundAccountPosition)
            bw = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.2)
            before = bal["SOL"]["free"]
            await asyncio.to_thread(paper_module.control.deposit, "test-key-2", "SOL", "1.5")
            bal = await asyncio.wait_for(bw, 10)
            assert bal["SOL"]["free"] == pytest.approx(before + 1.5)

    run_async(go(), 60)


def test_order_book_matches_server_at_checkpoints(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_pro(paper_module, account=None) as ex:
            stop = asyncio.Event()

            async def pump() -> None:
                while not stop.is_set():
                    await ex.watch_order_book("BTC/USDT")

            task = asyncio.ensure_future(pump())
            try:
                await until(
                    lambda: "BTC/USDT" in ex.orderbooks and ex.orderbooks["BTC/USDT"]["nonce"],
                    10,
                    "first book",
                )
                start = time.monotonic()
                checks = 0
                while time.monotonic() - start < 28:
                    await asyncio.sleep(4.5)
                    assert await checkpoint(ex, ctl, "BTC/USDT") > 400
                    checks += 1
                assert checks >= 5
            finally:
                stop.set()
                await asyncio.to_thread(ctl.resume)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    run_async(go(), 60)


def test_depth_gap_raises_checksum_error_and_rewatch_recovers(
    paper_module: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_pro(paper_module, account=None) as ex:
            await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 10)
            await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 10)
            await asyncio.to_thread(ctl.depth_gap, "ETH/USDT")
            with pytest.raises(ccxt.ChecksumError):
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 5)
            ob = await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 10)
            assert ob["nonce"] > 0
            stop = asyncio.Event()

            async def pump() -> None:
                while not stop.is_set():
                    await ex.watch_order_book("ETH/USDT")

            task = asyncio.ensure_future(pump())
            try:
                await checkpoint(ex, ctl, "ETH/USDT")
            finally:
                stop.set()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    run_async(go(), 60)


def test_rest_snapshot_never_older_than_sent_diffs(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with aiohttp.ClientSession() as s, s.ws_connect(paper_module.ws_url + "/1") as ws:
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}')
            last_u = 0
            for _ in range(20):
                msg = orjson.loads((await ws.receive(5)).data)
                if msg.get("e") == "depthUpdate":
                    last_u = msg["u"]
                    async with s.get(
                        paper_module.url + "/api/v3/depth",
                        params={"symbol": "BTCUSDT", "limit": "5"},
                    ) as r:
                        snap = await r.json()
                    assert snap["lastUpdateId"] >= last_u
            assert last_u
        async with paper_rest(paper_module, account=None) as ex:
            assert (await ex.fetch_order_book("BTC/USDT"))["nonce"] >= last_u

    run_async(go(), 30)
