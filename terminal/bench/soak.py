"""Soak: the full window for minutes under a steady feed, sampled for growth.

    QT_QPA_PLATFORM=offscreen python -m terminal.bench.soak [--seconds 600]

One paper exchange sends 1,000 depth diffs/s of 20 levels on each of BTC/USDT, ETH/USDT
and SOL/USDT; the full main window shows BTC/USDT and holds the other two books through
its feed hub; a taker trade sweeps the BTC/USDT book every 3 s (the tape, the chart's
last candle and the trades feed move). Every minute (every 10 s in the 60 s quick run)
the process samples its resident memory (RSS), the Python heap (allocated blocks), the
Qt objects under the window plus the top-level widgets, the book frames painted per
second and the loop lag p99 (a 5 ms Qt PreciseTimer) over that minute. Figures: each one
at the end against the first sample after the warm-up (the first two minutes; 20 s in
the quick run). Aims: RSS growth <= 5%, frame rate and loop lag steady.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from terminal.bench.figures import Figure
from terminal.bench.window import percentile

SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak, the closest figure the stdlib has
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def soak(seconds: float, interval: float, warmup: float, rate: int) -> list[dict[str, float]]:
    from PySide6.QtCore import QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from terminal.bench.window import WindowBench
    from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus
    from terminal.domain.ids import Symbol
    from terminal.paper.embedded import start_paper_exchange

    samples: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        paper = start_paper_exchange(
            Path(tmp) / "paper",
            rate="calm",
            diffs_per_second=rate,
            levels_per_diff=20,
            stress_symbol=",".join(SYMBOLS),
            backfill=300,
        )
        stop_trades = threading.Event()
        trades = [0]

        def trade_loop() -> None:  # the venue's own taker, off the window's thread
            side = "BUY"
            while not stop_trades.wait(3.0):
                try:
                    book = paper.control.book(SYMBOLS[0], 1)
                    price = book["asks"][0][0] if side == "BUY" else book["bids"][0][0]
                    paper.control.force_trade(SYMBOLS[0], side, price)
                    trades[0] += 1
                except Exception as exc:
                    print(f"soak: no trade this time: {exc}", file=sys.stderr, flush=True)
                side = "SELL" if side == "BUY" else "BUY"

        try:
            bench = WindowBench(paper, Path(tmp) / "app")
            lags: list[float] = []
            last = [0.0]

            def tick() -> None:
                now = time.perf_counter()
                if last[0]:
                    lags.append(max(0.0, (now - last[0]) * 1000.0 - 5.0))
                last[0] = now

            timer = QTimer()
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(tick)
            subs: list[Any] = []
            trader = threading.Thread(target=trade_loop, name="bench-soak-trades", daemon=True)
            try:
                c = bench.controller
                session = c.market.active.session
                keys = [c.market.active.key(FeedKind.BOOK)]
                for sym in SYMBOLS[1:]:
                    key = FeedKey(session.venue, session.mode, FeedKind.BOOK, Symbol(sym))
                    subs.append(c.hub.subscribe(key))
                    keys.append(key)
                bench.until(
                    lambda: all(c.state.feed_status(k) is FeedStatus.LIVE for k in keys),
                    60,
                    "three live books",
                    step_ms=20,
                )
                ladder = bench.panels.book.ladder
                trader.start()
                timer.start(5)
                t_start = time.monotonic()
                frames0, t0 = ladder.frames.total, time.perf_counter()
                while time.monotonic() - t_start < seconds:
                    bench.sleep(interval)
                    now = time.perf_counter()
                    gc.collect()
                    samples.append(
                        {
                            "t": time.monotonic() - t_start,
                            "rss_mb": rss_mb(),
                            "py_blocks": float(sys.getallocatedblocks()),
                            "qt_objects": float(
                                len(bench.window.findChildren(QObject))
                                + len(QApplication.topLevelWidgets())
                            ),
                            "book_fps": (ladder.frames.total - frames0) / (now - t0),
                            "lag_p99": percentile(lags, 99),
                            "trades": float(trades[0]),
                        }
                    )
                    print(f"soak: {samples[-1]}", file=sys.stderr, flush=True)
                    del lags[:]
                    frames0, t0 = ladder.frames.total, time.perf_counter()
            finally:
                stop_trades.set()
                timer.stop()
                for sub in subs:
                    sub.close()
                bench.close()
                if trader.is_alive():
                    trader.join(5)
        finally:
            paper.stop()
    return [s for s in samples if s["t"] > warmup] or samples[-1:]


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 60 s at 250 diffs/s, a sample every
    10 s, so that the benchmarks run beside it keep a share of the machine)."""
    seconds, interval, warmup = (60.0, 10.0, 20.0) if quick else (600.0, 60.0, 120.0)
    rate = 250 if quick else 1_000
    after = soak(seconds, interval, warmup, rate)
    first, end = after[0], after[-1]
    g = "soak"
    span = f"{seconds / 60:.0f} min, 3 x {rate:,} diffs/s"
    return [
        Figure(
            g,
            f"RSS at the end ({span})",
            end["rss_mb"],
            "MB",
            first["rss_mb"],
            "after warm-up",
            "<= 1.05x",
        ),
        Figure(
            g,
            "Python heap (allocated blocks) at the end",
            end["py_blocks"],
            "blocks",
            first["py_blocks"],
            "after warm-up",
            "steady (~1x)",
        ),
        Figure(
            g,
            "Qt objects at the end",
            end["qt_objects"],
            "objects",
            first["qt_objects"],
            "after warm-up",
            "steady (~1x)",
        ),
        Figure(
            g,
            "book frames/s, last sample",
            end["book_fps"],
            "frames/s",
            first["book_fps"],
            "first after warm-up",
            "steady (~1x)",
        ),
        Figure(
            g,
            "loop lag p99, last sample",
            end["lag_p99"],
            "ms",
            first["lag_p99"],
            "first after warm-up",
            "steady, <= 16 ms",
            notes=f"{end['trades']:.0f} taker trades",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="60 s instead of 10 minutes")
    a = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.bench.figures import machine_start, table

    print(table(collect(a.quick), machine_start(), quick=a.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
