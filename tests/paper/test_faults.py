"""Every injected fault, observed through the real ccxt client."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import ccxt
import orjson
import pytest

from terminal.paper.control_client import ControlError
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, paper_rest, run_async


@pytest.fixture(autouse=True)
def _clear_faults(paper_module: PaperExchangeHandle):
    yield
    paper_module.control.clear_faults()
    paper_module.control.set_limits(weight_per_minute=6000, orders_per_10s=50, ban_after=0, unban=1)


def test_drop_all_websockets_then_rewatch(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with paper_pro(paper_module, account=None) as ex:
            await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            pending = asyncio.ensure_future(ex.watch_order_book("BTC/USDT"))
            await asyncio.sleep(0)  # the watch is in flight when the socket dies
            dropped = await asyncio.to_thread(paper_module.control.drop_ws, "market")
            assert dropped >= 1
            with pytest.raises(ccxt.NetworkError):
                while True:  # a diff may still land first; then the closure surfaces
                    await asyncio.wait_for(pending, 5)
                    pending = asyncio.ensure_future(ex.watch_order_book("BTC/USDT"))
            ob = await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            assert ob["nonce"] > 0

    run_async(go(), 40)


def test_drop_one_connection(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        async with (
            paper_pro(paper_module, account=None) as a,
            paper_pro(paper_module, account=None) as b,
        ):
            await asyncio.wait_for(a.watch_trades("SOL/USDT"), 15)
            await asyncio.wait_for(b.watch_order_book("SOL/USDT"), 15)
            conns = await asyncio.to_thread(paper_module.control.connections)
            trade_conn = next(c["id"] for c in conns if "solusdt@trade" in c["topics"])
            pending = asyncio.ensure_future(a.watch_trades("SOL/USDT"))
            await asyncio.sleep(0)
            assert await asyncio.to_thread(paper_module.control.drop_ws, "all", trade_conn) == 1
            with pytest.raises(ccxt.NetworkError):
                for _ in range(50):  # a pending watch learns of the closure
                    await asyncio.wait_for(pending, 10)
                    pending = asyncio.ensure_future(a.watch_trades("SOL/USDT"))
            for _ in range(3):  # the other connection is untouched
                await asyncio.wait_for(b.watch_order_book("SOL/USDT"), 5)

    run_async(go(), 60)


def test_stall_keeps_socket_open_then_resumes(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_pro(paper_module, account=None) as ex:
            await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 10)
            await asyncio.to_thread(ctl.stall_ws, True, "market")
            await asyncio.sleep(0.3)  # let frames already written drain
            with pytest.raises(asyncio.TimeoutError):
                while True:
                    await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 1.5)
            conns = await asyncio.to_thread(ctl.connections)
            assert any(c["stalled"] for c in conns)  # still connected, just silent
            await asyncio.to_thread(ctl.stall_ws, False, "market")
            # frames skipped while stalled leave a gap: ccxt notices, a rewatch recovers
            with contextlib.suppress(ccxt.ChecksumError):
                await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 5)
            ob = await asyncio.wait_for(ex.watch_order_book("ETH/USDT"), 10)
            assert ob["nonce"] > 0

    run_async(go(), 60)


def test_latency_rest_and_ws(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module, account=None) as ex:
            t = time.monotonic()
            await ex.fetch_time()
            fast = time.monotonic() - t
            await asyncio.to_thread(ctl.latency, 400, 300)
            t = time.monotonic()
            await ex.fetch_time()
            assert time.monotonic() - t >= 0.4 > fast
        async with aiohttp.ClientSession() as s, s.ws_connect(paper_module.ws_url + "/3") as ws:
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}')
            lags = []
            while len(lags) < 5:
                msg = orjson.loads((await ws.receive(5)).data)
                if msg.get("e") == "depthUpdate":
                    lags.append(time.time() * 1000 - msg["E"])
            assert min(lags) >= 250

    run_async(go(), 40)


def test_rest_error_answers(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module, account=None) as ex:
            await ex.load_markets()
            await asyncio.to_thread(ctl.rest_errors, 503, 2)
            for _ in range(2):
                with pytest.raises(ccxt.ExchangeNotAvailable):
                    await ex.fetch_ticker("BTC/USDT")
            assert (await ex.fetch_ticker("BTC/USDT"))["last"] > 0
            await asyncio.to_thread(ctl.rest_errors, 429, 1, 0.0, "", 7)
            with pytest.raises(ccxt.DDoSProtection):
                await ex.fetch_ticker("BTC/USDT")
            assert ex.last_response_headers["Retry-After"] == "7"
            await asyncio.to_thread(ctl.rest_errors, 418, 1)
            with pytest.raises(ccxt.DDoSProtection):
                await ex.fetch_ticker("BTC/USDT")
            await asyncio.to_thread(ctl.rest_errors, 500, None, 1.0, "/api/v3/depth")
            with pytest.raises(ccxt.NetworkError):
                await ex.fetch_order_book("BTC/USDT")
            assert (await ex.fetch_ticker("BTC/USDT"))["last"] > 0  # other paths unaffected
            await asyncio.to_thread(ctl.post, "/faults/rest_errors", {"clear": True})
            await ex.fetch_order_book("BTC/USDT")

    run_async(go(), 40)


@pytest.mark.parametrize("mode", ["5xx", "close", "timeout"])
def test_order_executed_but_reply_fails(paper_module: PaperExchangeHandle, mode: str) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module, timeout=1500) as ex:
            await ex.load_markets()
            bid = (await ex.fetch_order_book("BTC/USDT", 5))["bids"][0][0]
            cid = f"unknown-{mode}"
            await asyncio.to_thread(ctl.order_unknown, mode, 1, 3.0)
            with pytest.raises(ccxt.NetworkError):
                await ex.create_order(
                    "BTC/USDT", "limit", "buy", 0.001, round(bid * 0.9, 2), {"clientOrderId": cid}
                )
            # the outcome was unknown to the client, but the order IS there
            o = await ex.fetch_order(None, "BTC/USDT", {"clientOrderId": cid})
            assert o["status"] == "open" and o["clientOrderId"] == cid
            await ex.cancel_order(o["id"], "BTC/USDT")

    run_async(go(), 40)


def test_malformed_and_truncated_frames(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        # a garbage frame replaces a depth diff: ccxt ignores it, then sees the gap
        async with paper_pro(paper_module, account=None) as ex:
            for _ in range(3):  # past the diffs the snapshot already covered
                await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            await asyncio.to_thread(ctl.malformed, "malformed", 1, "market")
            with pytest.raises(ccxt.ChecksumError):
                for _ in range(100):
                    await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 5)
            assert (await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10))["nonce"]
        # a truncated JSON frame kills ccxt 4.5.90's receive loop: the feed goes silent
        # with the socket open (only a staleness watchdog notices)
        async with paper_pro(paper_module, account=None) as ex:
            await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 10)
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "market")
            with pytest.raises(asyncio.TimeoutError):
                for _ in range(100):
                    await asyncio.wait_for(ex.watch_order_book("BTC/USDT"), 2)
        async with aiohttp.ClientSession() as s, s.ws_connect(paper_module.ws_url + "/9") as ws:
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@depth"],"id":1}')
            assert orjson.loads((await ws.receive(5)).data) == {"result": None, "id": 1}
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "market")
            # diffs already on their way when the fault was armed arrive intact first;
            # then exactly one truncated frame, then depth diffs again
            frames = [(await ws.receive(5)).data for _ in range(12)]
            bad = []
            for i, data in enumerate(frames):
                try:
                    assert orjson.loads(data)["e"] == "depthUpdate"
                except orjson.JSONDecodeError:
                    bad.append(i)
            assert len(bad) == 1 and bad[0] < len(frames) - 1, bad

    run_async(go(), 60)


def test_weight_and_order_limits_surface_as_ddos_protection(
    paper_module: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module) as ex:
            await ex.load_markets()
            await ex.fetch_time()
            used = int(ex.last_response_headers["X-MBX-USED-WEIGHT-1M"])
            await ex.fetch_order_book("BTC/USDT", 5)
            assert int(ex.last_response_headers["X-MBX-USED-WEIGHT-1M"]) >= used + 5
            await asyncio.to_thread(ctl.set_limits, orders_per_10s=2)
            bid = (await ex.fetch_order_book("BTC/USDT", 5))["bids"][0][0]
            with pytest.raises(ccxt.DDoSProtection) as e:
                for _ in range(3):
                    await ex.create_order("BTC/USDT", "limit", "buy", 0.001, round(bid * 0.9, 2))
            assert "-1015" in str(e.value)
            assert int(ex.last_response_headers["Retry-After"]) >= 1
            await asyncio.to_thread(ctl.set_limits, orders_per_10s=50, weight_per_minute=1)
            with pytest.raises(ccxt.DDoSProtection) as e:
                await ex.fetch_order_book("BTC/USDT", 5)
            assert "-1003" in str(e.value) and "Retry-After" in ex.last_response_headers
            await asyncio.to_thread(ctl.set_limits, ban_after=1)
            with pytest.raises(ccxt.DDoSProtection):
                await ex.fetch_time()
            with pytest.raises(ccxt.DDoSProtection) as e:  # the repeat earns a 418 ban
                await ex.fetch_time()
            assert "418" in str(e.value)
            await asyncio.to_thread(ctl.set_limits, weight_per_minute=6000, ban_after=0, unban=1)
            with contextlib.suppress(ccxt.OrderNotFound):  # none if every order was refused
                await ex.cancel_all_orders("BTC/USDT")

    run_async(go(), 40)


def test_restart_keeps_state_and_port(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        async with paper_rest(paper_module) as ex, paper_pro(paper_module) as pro:
            await ex.load_markets()
            bid = (await ex.fetch_order_book("ETH/USDT", 5))["bids"][0][0]
            o = await ex.create_order(
                "ETH/USDT",
                "limit",
                "buy",
                0.05,
                round(bid * 0.9, 2),
                {"clientOrderId": "survives-restart"},
            )
            bal = await ex.fetch_balance()
            await asyncio.wait_for(pro.watch_order_book("ETH/USDT"), 10)
            pid = (await asyncio.to_thread(ctl.health))["pid"]
            await asyncio.to_thread(ctl.restart, 500)
            with pytest.raises(ccxt.NetworkError):
                for _ in range(100):
                    await asyncio.wait_for(pro.watch_order_book("ETH/USDT"), 5)
            deadline = time.monotonic() + 15
            while True:
                try:
                    health = await asyncio.to_thread(ctl.health)
                    break
                except (OSError, ControlError):
                    assert time.monotonic() < deadline, "server did not come back"
                    await asyncio.sleep(0.1)
            assert health["port"] == paper_module.port and health["pid"] == pid
            await asyncio.sleep(0.2)
            got = await ex.fetch_order(None, "ETH/USDT", {"clientOrderId": "survives-restart"})
            assert got["id"] == o["id"] and got["status"] == "open"
            bal2 = await ex.fetch_balance()
            assert bal2["USDT"]["used"] == pytest.approx(bal["USDT"]["used"])
            assert bal2["USDT"]["free"] == pytest.approx(bal["USDT"]["free"])
            assert (await asyncio.wait_for(pro.watch_order_book("ETH/USDT"), 10))["nonce"]
            await ex.cancel_order(o["id"], "ETH/USDT")

    run_async(go(), 60)


def test_faults_refused_unless_enabled(paper_exchange_shared: PaperExchangeHandle) -> None:
    with pytest.raises(ControlError, match="403"):
        paper_exchange_shared.control.drop_ws()
    assert paper_exchange_shared.control.health()["faults"] is False
