"""Stress mode: configurable diffs/s and levels per diff, contiguous U/u, one frame per diff."""

from __future__ import annotations

import time

import aiohttp
import orjson

from tests.fixtures_paper import run_async


def test_stress_rate_reaches_5000_diffs_per_second(paper_exchange_factory) -> None:
    h = paper_exchange_factory(diffs_per_second=6000, levels_per_diff=20, stress_symbol="ETH/USDT")

    async def go() -> tuple[int, float, int, set[int], int, int]:
        async with (
            aiohttp.ClientSession() as s,
            s.ws_connect(h.ws_url + "/1", max_msg_size=0) as ws,
        ):
            await ws.send_str('{"method":"SUBSCRIBE","params":["ethusdt@depth@100ms"],"id":1}')
            assert orjson.loads((await ws.receive(5)).data)["id"] == 1
            first = orjson.loads((await ws.receive(5)).data)
            last_u, gaps, merged, sizes = first["u"], 0, 0, set()
            stats0 = h.control.stats()["stress_diffs"]
            t0 = time.monotonic()
            n = 0
            while time.monotonic() - t0 < 2.0:
                msg = orjson.loads((await ws.receive(5)).data)
                gaps += msg["U"] != last_u + 1
                merged += msg["u"] != msg["U"]  # a frame spanning several update ids
                last_u = msg["u"]
                sizes.add(len(msg["b"]) + len(msg["a"]))
                n += 1
            dt = time.monotonic() - t0
            emitted = h.control.stats()["stress_diffs"] - stats0
            return n, dt, gaps, sizes, emitted, merged

    n, dt, gaps, sizes, emitted, merged = run_async(go(), 30)
    assert gaps == 0
    # the server's own count (a starved reader on a busy machine may lag behind it)
    assert emitted / dt >= 5000, f"server emitted only {emitted / dt:.0f} diffs/s"
    assert n >= 0.5 * emitted
    assert max(sizes) >= 15  # about 20 levels changed per diff (some collide)
    # one frame per stress diff, never several merged: a stress frame carries one update
    # id. The calm market's own @100ms frames on this symbol may span several ids (about
    # 10 a second); a server that coalesced stress diffs would make most frames span
    # several. (Counting frames against the server's counter instead races with the
    # socket's backlog on a loaded machine.)
    assert merged <= 0.02 * n, f"{merged} of {n} frames merged several diffs"


def test_ccxt_book_matches_server_under_stress(paper_exchange_factory) -> None:
    """At a stress rate the client's book still equals the engine's at paused checkpoints."""
    import asyncio

    from tests.fixtures_paper import paper_pro
    from tests.paper.helpers import checkpoint, until

    h = paper_exchange_factory(diffs_per_second=3000, levels_per_diff=20, stress_symbol="BTC/USDT")

    async def go() -> None:
        async with paper_pro(h, account=None) as ex:
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
                n0 = ex.orderbooks["BTC/USDT"]["nonce"]
                for _ in range(3):
                    await asyncio.sleep(1.5)
                    assert await checkpoint(ex, h.control, "BTC/USDT") > 400
                assert ex.orderbooks["BTC/USDT"]["nonce"] - n0 > 5000  # it really was busy
            finally:
                stop.set()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    run_async(go(), 60)
