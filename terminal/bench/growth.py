"""Cost growth: what one more symbol, or a bigger journal, costs.

    QT_QPA_PLATFORM=offscreen python -m terminal.bench.growth [--quick]

1. Feed to screen with 1, 5, 20 and 50 subscribed order books. One paper exchange lists
   its four markets plus 46 synthetic ones (X01/USDT ...), BTC/USDT at 2,000 diffs/s of 20
   levels, the others at the calm rate. The full main window shows BTC/USDT; the other
   books are subscribed through the window's own feed hub (what a watchlist of books or
   several charts would hold), each waited until live. For each count: the BTC/USDT diffs
   applied per second, the loop lag p99 (a 5 ms Qt PreciseTimer; lag = interval - 5 ms)
   and the book frames painted per second. Baseline: the same figures with one book.
2. Journal queries at 10k, 100k and 1M orders (quick: 1k, 10k, 50k). One journal, created
   by the migrations and filled with plain inserts (final orders spread over a year, 20
   open ones, 500 on the measured day), grown between the sizes. Timed through the
   journal's own API as the app calls it: `open_orders()` and `order_history(since_ms,
   until_ms)` of the day (median of 5). Baseline: the smallest size; aim: no growth.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.bench.figures import Figure
from terminal.bench.window import percentile

ACTIVE = "BTC/USDT"
REAL = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC")
DAY_MS = 86_400_000


# ------------------------------------------------------------------------------ feeds
def feed_growth(counts: tuple[int, ...], seconds: float, rate: int) -> dict[int, dict[str, float]]:
    from PySide6.QtCore import Qt, QTimer

    from terminal.bench.window import WindowBench
    from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus
    from terminal.domain.ids import Symbol
    from terminal.paper.embedded import start_paper_exchange

    extra = max(0, max(counts) - len(REAL))
    symbols = list(REAL) + [f"X{i:02d}/USDT" for i in range(1, extra + 1)]
    out: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        paper = start_paper_exchange(
            Path(tmp) / "paper",
            rate="calm",
            diffs_per_second=rate,
            levels_per_diff=20,
            stress_symbol=ACTIVE,
            extra_markets=extra,
            backfill=200,
        )
        try:
            bench = WindowBench(paper, Path(tmp) / "app")
            subs: list[Any] = []
            lags: list[float] = []
            last = [0.0]
            measuring = [False]

            def tick() -> None:
                now = time.perf_counter()
                if measuring[0] and last[0]:
                    lags.append(max(0.0, (now - last[0]) * 1000.0 - 5.0))
                last[0] = now

            timer = QTimer()
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(tick)
            timer.start(5)
            try:
                c = bench.controller
                session = c.market.active.session
                active = c.market.active.key(FeedKind.BOOK)
                state = c.state
                bench.until(
                    lambda: state.feed_status(active) is FeedStatus.LIVE,
                    60,
                    "the active book live",
                    step_ms=20,
                )
                ladder = bench.panels.book.ladder
                keys = [active]
                for n in counts:
                    for sym in symbols[len(keys) : n]:
                        key = FeedKey(session.venue, session.mode, FeedKind.BOOK, Symbol(sym))
                        subs.append(c.hub.subscribe(key))
                        keys.append(key)
                    bench.until(
                        lambda: all(state.feed_status(k) is FeedStatus.LIVE for k in keys),
                        90,
                        f"{n} books live",
                        step_ms=20,
                    )
                    bench.sleep(1.0)
                    seq0 = state.book_view(active, 1).sequence or 0
                    frames0, t0 = ladder.frames.total, time.perf_counter()
                    del lags[:]
                    last[0], measuring[0] = 0.0, True
                    bench.sleep(seconds)
                    measuring[0] = False
                    elapsed = time.perf_counter() - t0
                    seq1 = state.book_view(active, 1).sequence or 0
                    out[n] = {
                        "diffs_per_s": (seq1 - seq0) / elapsed,
                        "lag_p99": percentile(lags, 99),
                        "book_fps": (ladder.frames.total - frames0) / elapsed,
                    }
                    print(f"{n} books: {out[n]}", file=sys.stderr, flush=True)
            finally:
                timer.stop()
                for sub in subs:
                    sub.close()
                bench.close()
        finally:
            paper.stop()
    return out


# ------------------------------------------------------------------------------ journal
def _fill(path: Path, start: int, stop: int, day0_ms: int) -> None:
    """Rows start..stop-1: final orders a year back, the measured day's 500, 20 open."""
    from terminal.domain.enums import OrderType, Side
    from terminal.domain.ids import Symbol, VenueId
    from terminal.domain.order import Order, OrderRequest
    from terminal.journal.codec import order_row

    template = order_row(
        Order.from_request(
            OrderRequest(
                VenueId("paper"),
                Symbol("BTC/USDT"),
                Side.BUY,
                OrderType.LIMIT,
                Decimal("0.010"),
                Decimal("25000.10"),
            )
        )
    )
    cols = list(template)
    i_id, i_status = cols.index("client_order_id"), cols.index("status")
    i_created, i_updated = cols.index("created_ms"), cols.index("updated_ms")
    base = [template[c] for c in cols]

    def rows() -> Any:
        for i in range(start, stop):
            row = list(base)
            row[i_id] = f"bench-{i:08d}"
            if i < 20:
                row[i_status], created = "open", day0_ms + DAY_MS + 1000 * i
            elif i < 520:
                row[i_status], created = "canceled", day0_ms + (i - 20) * 100_000
            else:
                row[i_status] = "filled" if i % 3 else "canceled"
                created = day0_ms - DAY_MS - (i * 7919) % (365 * DAY_MS)
            row[i_created] = row[i_updated] = created
            yield tuple(row)

    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(
                f"INSERT INTO orders ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                rows(),
            )
    finally:
        conn.close()


def _timed(loop: asyncio.AbstractEventLoop, make: Any, expect: int) -> float:
    """Median ms of 5 awaited queries; each must return `expect` orders."""
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        got = loop.run_until_complete(make())
        samples.append((time.perf_counter() - t0) * 1000)
        if len(got) != expect:
            raise SystemExit(f"the query returned {len(got)} orders, not {expect}")
    return statistics.median(samples)


def journal_growth(sizes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    from terminal.journal import SqlJournal

    out: dict[int, dict[str, float]] = {}
    day0 = (int(time.time() * 1000) // DAY_MS - 3) * DAY_MS
    with tempfile.TemporaryDirectory(prefix="bench-journal-growth-") as tmp:
        path = Path(tmp) / "journal.sqlite"
        SqlJournal.open(f"sqlite:///{path}").close()  # the schema, from the migrations
        have = 0
        for size in sizes:
            _fill(path, have, size, day0)
            have = size
            journal = SqlJournal.open(f"sqlite:///{path}")
            loop = asyncio.new_event_loop()
            try:
                out[size] = {
                    "open": _timed(loop, journal.open_orders, 20),
                    "day": _timed(
                        loop,
                        lambda j=journal: j.order_history(since_ms=day0, until_ms=day0 + DAY_MS),
                        500,
                    ),
                }
            finally:
                loop.close()
                journal.close()
            print(f"{size} rows: {out[size]}", file=sys.stderr, flush=True)
    return out


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 1.5 s per count at 500 diffs/s,
    smaller journals)."""
    counts = (1, 5, 20, 50)
    sizes = (1_000, 10_000, 50_000) if quick else (10_000, 100_000, 1_000_000)
    journal = journal_growth(sizes)
    rate = 500 if quick else 2_000
    feeds = feed_growth(counts, 1.5 if quick else 8.0, rate)
    figures: list[Figure] = []
    one = feeds[counts[0]]
    g = "cost growth"
    for n in counts[1:]:
        figures += [
            Figure(
                g,
                f"{ACTIVE} diffs/s applied ({rate:,} sent), {n} books subscribed",
                feeds[n]["diffs_per_s"],
                "diffs/s",
                one["diffs_per_s"],
                "1 book",
                ">= 0.9x",
                notes=f"{feeds[n]['book_fps']:.0f} book frames/s",
            ),
            Figure(
                g,
                f"loop lag p99, {n} books subscribed",
                feeds[n]["lag_p99"],
                "ms",
                one["lag_p99"],
                "1 book",
                "<= 16 ms",
            ),
        ]
    small = journal[sizes[0]]
    for size in sizes[1:]:
        figures += [
            Figure(
                g,
                f"journal open orders query, {size:,} rows",
                journal[size]["open"],
                "ms",
                small["open"],
                f"{sizes[0]:,} rows",
                "no growth (~1x)",
            ),
            Figure(
                g,
                f"journal day's history query, {size:,} rows",
                journal[size]["day"],
                "ms",
                small["day"],
                f"{sizes[0]:,} rows",
                "no growth (~1x)",
            ),
        ]
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.bench.figures import machine_start, table

    print(table(collect(a.quick), machine_start(), quick=a.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
