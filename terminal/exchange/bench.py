"""Benchmark of the market-data path: `python -m terminal.exchange.bench [--live]`.

Prints figures, asserts nothing. Part 1 times MarketState alone (a 100-level book kept
by reference, top-N copied on request). Part 2 (`--live`) runs the real path: a stressed
paper exchange child process -> ccxt.pro -> feed loop -> MarketState, and reports
diffs applied per second, feed wake-ups per second, and CPU use of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terminal.core.health import FeedHealth, VenueHealth
    from terminal.core.marketstate import FeedKey
    from terminal.domain.session import SessionKey
    from terminal.exchange.manager import ExchangeManager


def bench_state(n: int = 200_000) -> None:
    from terminal.core.marketstate import FeedKey, MarketState

    state = MarketState()
    key = FeedKey.book("paper", "BTC/USDT")
    rng = random.Random(1)
    bids = [[60000.0 - i * 0.5, round(rng.random(), 5)] for i in range(100)]
    asks = [[60000.5 + i * 0.5, round(rng.random(), 5)] for i in range(100)]
    t0 = time.perf_counter()
    for i in range(n):
        bids[i % 100][1] = 0.5 + (i % 13) / 100
        state.update_book(key, bids, asks, sequence=i)
    per_update = (time.perf_counter() - t0) / n
    views = 20_000
    t0 = time.perf_counter()
    for i in range(views):
        state.update_book(key, bids, asks, sequence=i)
        state.book_view(key, 20)
    per_view20 = (time.perf_counter() - t0) / views
    t0 = time.perf_counter()
    for i in range(views):
        state.update_book(key, bids, asks, sequence=i)
        state.book_view(key, 100)
    per_view100 = (time.perf_counter() - t0) / views
    t0 = time.perf_counter()
    for _ in range(views):
        state.book_view(key, 20)  # unchanged: served from the cache
    per_cached = (time.perf_counter() - t0) / views
    print("MarketState (pure)")
    print(f"  update_book (reference + version)   {per_update * 1e6:8.2f} us")
    print(f"  update + book_view top 20           {per_view20 * 1e6:8.2f} us")
    print(f"  update + book_view top 100          {per_view100 * 1e6:8.2f} us")
    print(f"  book_view top 20, unchanged (cache) {per_cached * 1e6:8.2f} us")


def _sequence(m: ExchangeManager, key: FeedKey) -> int:
    view = m.state.book_view(key, 1)
    return (view.sequence or 0) if view is not None else 0


def _health(m: ExchangeManager, key: SessionKey) -> VenueHealth:
    snap = m.health_snapshot(key)
    if snap is None:
        raise SystemExit(f"no health record for {key}")
    return snap


def _feed(snap: VenueHealth, key: FeedKey) -> FeedHealth:
    feed = snap.feed(key)
    if feed is None:
        raise SystemExit(f"no health record for the feed {key.label}")
    return feed


async def bench_live(seconds: float, diffs_per_second: int, levels: int) -> None:
    from terminal.core.marketstate import FeedKey
    from terminal.exchange.feeds import FeedOptions
    from terminal.exchange.manager import ExchangeManager
    from terminal.exchange.session import PaperEndpoint, SessionOptions
    from terminal.paper.embedded import start_paper_exchange_async

    with tempfile.TemporaryDirectory() as tmp:
        handle = await start_paper_exchange_async(
            tmp,
            rate="calm",
            diffs_per_second=diffs_per_second,
            levels_per_diff=levels,
            stress_symbol="BTC/USDT",
        )
        try:
            manager = ExchangeManager(
                paper=PaperEndpoint(handle.url, tuple(handle.accounts)),
                session_options=SessionOptions(heartbeat_s=0),
                feed_options=FeedOptions(stale_after_s=5.0),
            )
            async with manager as m:
                session = await m.connect("paper")
                key = FeedKey.book("paper", "BTC/USDT")
                sub = m.subscribe(key)
                deadline = time.monotonic() + 15
                while not m.state.is_live(key):
                    if time.monotonic() > deadline:
                        raise SystemExit("the book never went live")
                    await asyncio.sleep(0.05)
                await asyncio.sleep(1.0)  # warm up
                seq0 = _sequence(m, key)
                msgs0 = _feed(_health(m, session.key), key).messages
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                t0 = time.monotonic()
                await asyncio.sleep(seconds)
                elapsed = time.monotonic() - t0
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                seq1 = _sequence(m, key)
                snap = _health(m, session.key)
                msgs1 = _feed(snap, key).messages
                cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
                print(
                    f"Live book feed ({diffs_per_second} diffs/s asked, {levels} levels/diff, "
                    f"{elapsed:.1f} s)"
                )
                print(f"  update ids advanced per second      {(seq1 - seq0) / elapsed:10.0f}")
                print(f"  feed wake-ups (watch returns) /s    {(msgs1 - msgs0) / elapsed:10.1f}")
                print(f"  CPU of this process                 {cpu / elapsed:10.2f} cores")
                print(
                    f"  feed status / venue state           {_feed(snap, key).status.value} / "
                    f"{snap.state.value}"
                )
                sub.close()
        finally:
            await asyncio.to_thread(handle.stop)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m terminal.exchange.bench", description=__doc__)
    p.add_argument("--live", action="store_true", help="also run the paper-exchange feed")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--diffs-per-second", type=int, default=20_000)
    p.add_argument("--levels-per-diff", type=int, default=20)
    a = p.parse_args(argv)
    bench_state()
    if a.live:
        asyncio.run(bench_live(a.seconds, a.diffs_per_second, a.levels_per_diff))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
