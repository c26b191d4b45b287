"""Connection faults on the private user-data stream (WebSocket API /ws-api/v3).

Every fault of the market streams applies to the user stream too: stall (one connection,
one account's, all private ones, everything), drop, WS latency, malformed and truncated
frames. A stalled connection writes nothing (events, request replies, pongs): what it
should have carried is LOST, not queued, as Binance never replays private events. The
real ccxt.pro binance client observes each of them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import ccxt
import orjson
import pytest

from terminal.paper.control_client import ControlError
from terminal.paper.embedded import PaperExchangeHandle
from tests.fixtures_paper import paper_pro, paper_rest, run_async


@pytest.fixture(autouse=True)
def _clear_faults(paper_module: PaperExchangeHandle):
    paper_module.control.clear_faults()
    yield
    paper_module.control.clear_faults()


async def user_conn_ids(ctl: Any, key: str, n: int) -> list[int]:
    """Ids of `key`'s subscribed user-data connections, once there are `n` of them."""
    deadline = time.monotonic() + 10
    while True:
        conns = [c for c in await asyncio.to_thread(ctl.user_connections, key) if c["subscribed"]]
        if len(conns) >= n:
            return sorted(c["id"] for c in conns)
        assert time.monotonic() < deadline, f"no {n} user-data subscriptions of {key}"
        await asyncio.sleep(0.05)


async def far_order(rest: Any, cid: str) -> dict[str, Any]:
    """A resting buy well under the market (no simulated taker reaches it)."""
    bid = (await rest.fetch_order_book("BTC/USDT", 5))["bids"][0][0]
    return await rest.create_order(
        "BTC/USDT", "limit", "buy", 0.001, round(bid * 0.9, 2), {"clientOrderId": cid}
    )


def conn_info(ctl: Any, cid: int) -> dict[str, Any]:
    return next(c for c in ctl.connections() if c["id"] == cid)


def test_stalled_user_stream_loses_events_and_lifting_replays_nothing(
    paper_module: PaperExchangeHandle,
) -> None:
    async def go() -> None:
        ctl = paper_module.control
        key = paper_module.accounts[0][0]
        async with (
            paper_pro(paper_module) as a,
            paper_pro(paper_module) as b,
            paper_rest(paper_module) as rest,
        ):
            await asyncio.gather(a.load_markets(), b.load_markets(), rest.load_markets())
            before = set(await user_conn_ids(ctl, key, 0))
            await asyncio.wait_for(a.watch_balance(), 10)  # a's subscription
            (a_conn,) = set(await user_conn_ids(ctl, key, len(before) + 1)) - before
            await asyncio.wait_for(b.watch_balance(), 10)
            (b_conn,) = set(await user_conn_ids(ctl, key, len(before) + 2)) - before - {a_conn}
            got = await asyncio.to_thread(ctl.stall_ws, True, "all", a_conn)
            assert got == {"stalled": 1, "conns": [a_conn]}
            wa = asyncio.ensure_future(a.watch_orders("BTC/USDT"))
            wb = asyncio.ensure_future(b.watch_orders("BTC/USDT"))
            await asyncio.sleep(0.2)
            lost = await far_order(rest, "stall-lost-1")
            # the other connection of the same account is untouched
            seen_b = await asyncio.wait_for(wb, 10)
            assert lost["id"] in [o["id"] for o in seen_b]
            # the stalled one hears nothing (and its socket stays open)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(wa), 1.5)
            info = await asyncio.to_thread(conn_info, ctl, a_conn)
            assert info["stalled"] and info["lost"] >= 1  # the executionReport
            other = await asyncio.to_thread(conn_info, ctl, b_conn)
            assert not other["stalled"] and other["lost"] == 0
            await asyncio.to_thread(ctl.stall_ws, False, "all", a_conn)
            await asyncio.sleep(0.5)
            assert not wa.done()  # lifting the stall replays nothing
            kept = await far_order(rest, "stall-kept-1")
            seen_a = await asyncio.wait_for(wa, 10)
            ids = [o["id"] for o in seen_a]
            assert kept["id"] in ids and lost["id"] not in ids
            assert lost["id"] not in [o["id"] for o in a.orders]  # lost for good
            # REST (what the terminal's reconciliation uses) knows the lost order
            assert (await rest.fetch_order(lost["id"], "BTC/USDT"))["status"] == "open"
            for o in (lost, kept):
                await rest.cancel_order(o["id"], "BTC/USDT")

    run_async(go(), 60)


def test_stall_targets_private_account_and_everything(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        k0, k1 = paper_module.accounts[0][0], paper_module.accounts[1][0]
        async with paper_pro(paper_module, account=0) as a, paper_pro(paper_module, account=1) as b:
            await asyncio.gather(a.load_markets(), b.load_markets())
            await asyncio.wait_for(a.watch_balance(), 10)
            await asyncio.wait_for(b.watch_balance(), 10)
            await asyncio.wait_for(a.watch_order_book("ETH/USDT"), 10)
            a_user = await user_conn_ids(ctl, k0, 1)
            b_user = await user_conn_ids(ctl, k1, 1)

            def stalled() -> set[int]:
                return {c["id"] for c in ctl.connections() if c["stalled"]}

            market = {
                c["id"] for c in await asyncio.to_thread(ctl.connections) if c["kind"] == "market"
            }
            # one account's user-data connections
            r = await asyncio.to_thread(ctl.stall_ws, True, "user", None, k1)
            assert set(r["conns"]) == set(b_user)
            assert await asyncio.to_thread(stalled) == set(b_user)
            # every private connection ("private" is an alias of "user"): market flows on
            r = await asyncio.to_thread(ctl.stall_ws, True, "private")
            assert set(r["conns"]) >= set(a_user) | set(b_user)
            assert not (await asyncio.to_thread(stalled)) & market
            for _ in range(3):
                await asyncio.wait_for(a.watch_order_book("ETH/USDT"), 5)
            wa = asyncio.ensure_future(a.watch_balance())
            await asyncio.sleep(0.2)
            await asyncio.to_thread(ctl.deposit, k0, "SOL", "0.5")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(wa), 1.0)
            # everything
            r = await asyncio.to_thread(ctl.stall_ws, True, "all")
            assert set(r["conns"]) >= market | set(a_user) | set(b_user)
            await asyncio.to_thread(ctl.stall_ws, False, "all")
            assert await asyncio.to_thread(stalled) == set()
            wa.cancel()
            with pytest.raises(ControlError, match="400"):
                await asyncio.to_thread(ctl.stall_ws, True, "nonsense")

    run_async(go(), 60)


def test_ccxt_keepalive_notices_a_stalled_private_socket(paper_module: PaperExchangeHandle) -> None:
    """A stalled connection does not answer pings either, as a dead TCP path would not:
    ccxt's own keepalive (180 s on Binance, shortened here) then fails the watch."""

    async def go() -> None:
        ctl = paper_module.control
        key = paper_module.accounts[0][0]
        async with paper_pro(paper_module, streaming={"keepAlive": 400}) as a:
            await a.load_markets()
            await asyncio.wait_for(a.watch_balance(), 10)
            await asyncio.sleep(1.0)  # pongs come back while nothing is stalled
            w = asyncio.ensure_future(a.watch_orders())
            await asyncio.to_thread(ctl.stall_ws, True, "user", None, key)
            with pytest.raises(ccxt.RequestTimeout, match="keepalive"):
                await asyncio.wait_for(w, 10)
            await asyncio.to_thread(ctl.stall_ws, False, "user")
            # a new watch dials a fresh connection, which is not stalled
            await asyncio.wait_for(a.watch_balance(), 10)

    run_async(go(), 40)


@asynccontextmanager
async def raw_user_stream(
    handle: PaperExchangeHandle, account: int = 0
) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, int]]:
    """A plain WebSocket API connection, subscribed as ccxt does it; yields it with its
    subscription id after the first outboundAccountPosition was read."""
    key, secret = handle.accounts[account]
    url = handle.url.replace("http://", "ws://") + "/ws-api/v3"
    params = {"apiKey": key, "timestamp": str(int(time.time() * 1000))}
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    async with aiohttp.ClientSession() as s, s.ws_connect(url, autoping=False) as ws:
        await ws.send_str(
            orjson.dumps(
                {"id": "sub", "method": "userDataStream.subscribe.signature", "params": params}
            ).decode()
        )
        ack = orjson.loads((await ws.receive(5)).data)
        assert ack["status"] == 200, ack
        first = orjson.loads((await ws.receive(5)).data)
        assert first["event"]["e"] == "outboundAccountPosition"
        yield ws, ack["result"]["subscriptionId"]


def test_a_stalled_ws_api_connection_answers_nothing(paper_module: PaperExchangeHandle) -> None:
    """Replies to requests and pongs are lost while stalled, like everything else."""

    async def go() -> None:
        ctl = paper_module.control
        key = paper_module.accounts[0][0]
        before = set(await user_conn_ids(ctl, key, 0))
        async with raw_user_stream(paper_module) as (ws, _):
            (mine,) = set(await user_conn_ids(ctl, key, len(before) + 1)) - before
            await ws.send_str('{"id":1,"method":"ping"}')
            assert orjson.loads((await ws.receive(5)).data) == {
                "id": 1,
                "status": 200,
                "result": {},
            }
            await asyncio.to_thread(ctl.stall_ws, True, "all", mine)
            await ws.send_str('{"id":2,"method":"time"}')
            await ws.ping(b"are-you-there")
            await asyncio.to_thread(ctl.deposit, key, "SOL", "0.25")
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(1.0)
            await asyncio.to_thread(ctl.stall_ws, False, "all", mine)
            await ws.ping(b"now?")
            await ws.send_str('{"id":3,"method":"ping"}')
            pong = await ws.receive(5)
            assert pong.type == aiohttp.WSMsgType.PONG and pong.data == b"now?"
            # id 2, the first pong and the deposit's events are gone for good
            assert orjson.loads((await ws.receive(5)).data)["id"] == 3
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(0.5)

    run_async(go(), 40)


def test_malformed_and_truncated_user_frames(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        key = paper_module.accounts[0][0]
        # on the wire: the next private events are replaced, replies are not touched
        async with raw_user_stream(paper_module) as (ws, sub):
            got = await asyncio.to_thread(ctl.malformed, "malformed", 1, "user")
            assert got["user"] == 1
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "private")
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "market")  # own queue
            await ws.send_str('{"id":7,"method":"ping"}')
            assert orjson.loads((await ws.receive(5)).data)["id"] == 7
            await asyncio.to_thread(ctl.deposit, key, "SOL", "0.5")
            garbage = (await ws.receive(5)).data
            assert garbage.startswith("\x00{not json")
            truncated = (await ws.receive(5)).data
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(truncated)
            assert truncated.startswith('{"subscriptionId":')
            await asyncio.to_thread(ctl.deposit, key, "SOL", "0.5")
            ok = orjson.loads((await ws.receive(5)).data)
            assert ok["subscriptionId"] == sub and ok["event"]["e"] == "balanceUpdate"
            stats = await asyncio.to_thread(ctl.stats)
            assert stats["malformed_pending"] == 1  # the market's is still waiting
            await asyncio.to_thread(ctl.clear_faults)
        async with paper_pro(paper_module) as ex:
            await ex.load_markets()
            sol = (await asyncio.wait_for(ex.watch_balance(), 10))["SOL"]["free"]
            # a garbage event is skipped by ccxt; the next event comes through
            w = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.2)
            await asyncio.to_thread(ctl.malformed, "malformed", 1, "user")
            await asyncio.to_thread(ctl.deposit, key, "SOL", "1")
            bal = await asyncio.wait_for(w, 10)
            assert bal["SOL"]["free"] == pytest.approx(sol + 1)
            # a truncated one kills ccxt 4.5.90's receive loop: the private stream goes
            # silent with its socket open, as the market streams do
            w = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.2)
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "user")
            await asyncio.to_thread(ctl.deposit, key, "SOL", "1")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(w, 2.0)
            (client,) = [c for u, c in ex.clients.items() if "ws-api" in u]
            assert not client.closed()
        with pytest.raises(ControlError, match="400"):
            await asyncio.to_thread(ctl.malformed, "truncated", 1, "everything")

    run_async(go(), 60)


def test_user_stream_latency_and_drop(paper_module: PaperExchangeHandle) -> None:
    async def go() -> None:
        ctl = paper_module.control
        key = paper_module.accounts[0][0]
        async with paper_pro(paper_module) as ex:
            await ex.load_markets()
            await asyncio.wait_for(ex.watch_balance(), 10)
            await asyncio.to_thread(ctl.latency, None, 400)
            w = asyncio.ensure_future(ex.watch_balance())
            await asyncio.sleep(0.2)
            t0 = time.monotonic()
            await asyncio.to_thread(ctl.deposit, key, "SOL", "0.1")
            await asyncio.wait_for(w, 10)
            assert time.monotonic() - t0 >= 0.4  # a lower bound only: the load may add
            await asyncio.to_thread(ctl.latency, None, 0)
            # drop this account's user-data connections: the pending watch fails, a new
            # one re-subscribes on a fresh socket
            w = asyncio.ensure_future(ex.watch_orders())
            await asyncio.sleep(0.2)
            assert await asyncio.to_thread(ctl.drop_ws, "user", None, key) >= 1
            with pytest.raises(ccxt.NetworkError):
                await asyncio.wait_for(w, 10)
            await asyncio.wait_for(ex.watch_balance(), 10)
            assert await user_conn_ids(ctl, key, 1)

    run_async(go(), 40)
