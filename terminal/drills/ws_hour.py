"""WebSocket stability run: the terminal's feed layer holds order book, trades, candles and
the user-data streams against the paper exchange for an hour, with a fault injected every
few minutes; it reports uptime, reconnects, the longest gap, messages lost and memory.

    python -m terminal.drills.ws_hour [--minutes 60] [--fault-every SECONDS]

The real `ExchangeManager` (ccxt.pro clients, feed loops, watchdogs, backoff, private
reconciliation) on a paper exchange child process with faults enabled. Every half second
each stream is sampled: LIVE counts as up, anything else as down; a stream's gap is a run
of down samples. Faults, in turn: all sockets dropped, market streams stalled (released
after 3 s), a depth sequence gap, 2 s WebSocket latency spikes (for 10 s), malformed
market frames, and a paper-exchange restart (1 s down). After each fault the time until
every stream is LIVE again is taken. At the end the exchange is paused and the local book
must equal the venue's (sequence and top 20 levels): a sequence gap the feed did not
recover would leave it different ("messages lost"). Memory is this process's RSS at the
start (streams live) and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.drills.result import DrillResult

SAMPLE_S = 0.5
RECOVER_S = 60.0  # a stream not LIVE again this long after a fault has not recovered


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError):
        return float("nan")


@dataclass
class StreamLog:
    up: int = 0
    down: int = 0
    gap: float = 0.0  # seconds of the current down run
    longest_gap: float = 0.0


@dataclass
class Tally:
    streams: dict[str, StreamLog] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    not_recovered: int = 0


def _faults(control: Any) -> list[tuple[str, Any]]:
    def stall() -> None:
        control.stall_ws(True, "market")
        time.sleep(3)
        control.stall_ws(False, "market")

    def latency() -> None:
        control.latency(ws_ms=2000)
        time.sleep(10)
        control.latency(ws_ms=0)

    return [
        ("drop all sockets", lambda: control.drop_ws("all")),
        ("stall market streams 3 s", stall),
        ("depth sequence gap", lambda: control.depth_gap("BTC/USDT")),
        ("2 s WebSocket latency for 10 s", latency),
        ("malformed market frames", lambda: control.malformed("truncated", 3, "market")),
        ("paper exchange restart", lambda: control.restart(1000)),
    ]


async def _hold(paper: Any, minutes: float, fault_every: float) -> tuple[Tally, dict]:
    from terminal.core.marketstate import FeedKey, FeedStatus
    from terminal.exchange.clients import PaperEndpoint
    from terminal.exchange.feeds import FeedOptions
    from terminal.exchange.manager import ExchangeManager
    from terminal.exchange.session import SessionOptions

    book = FeedKey.book("paper", "BTC/USDT")
    market = [book, FeedKey.trades("paper", "BTC/USDT"), FeedKey.candles("paper", "BTC/USDT", "1m")]
    tally = Tally()
    endpoint = PaperEndpoint(paper.url, tuple(paper.accounts))
    options = FeedOptions(stale_after_s=3.0, trades_stale_after_s=30, candles_stale_after_s=90)
    loop_errors: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, ctx: loop_errors.append(str(ctx.get("exception") or ctx.get("message")))
    )
    async with ExchangeManager(
        paper=endpoint, feed_options=options, session_options=SessionOptions(heartbeat_s=5)
    ) as m:
        session = await m.connect("paper")
        subs = [m.subscribe(k) for k in market] + m.subscribe_private(session.key)
        keys = [s.key for s in subs]

        def live(key: Any) -> bool:
            if key in market:
                return m.state.is_live(key)
            snap = m.health_snapshot(session.key)
            feed = snap.feed(key) if snap is not None else None
            return feed is not None and feed.status is FeedStatus.LIVE

        deadline = time.monotonic() + 60
        while not all(live(k) for k in keys):
            if time.monotonic() > deadline:
                raise RuntimeError("the streams did not come up within 60 s")
            await asyncio.sleep(0.1)
        rss_start = _rss_mb()
        faults = _faults(paper.control)
        end = time.monotonic() + minutes * 60
        next_fault = time.monotonic() + fault_every
        pending: float | None = None  # when the last fault was injected, until recovered
        while time.monotonic() < end:
            now = time.monotonic()
            states = {k: live(k) for k in keys}
            for k, ok in states.items():
                log = tally.streams.setdefault(k.label, StreamLog())
                if ok:
                    log.up, log.gap = log.up + 1, 0.0
                else:
                    log.down += 1
                    log.gap += SAMPLE_S
                    log.longest_gap = max(log.longest_gap, log.gap)
            if pending is not None and all(states.values()):
                tally.recoveries.append(now - pending)
                pending = None
            elif pending is not None and now - pending > RECOVER_S:
                tally.not_recovered += 1
                pending = None
            if now >= next_fault and pending is None:
                name, inject = faults[len(tally.faults) % len(faults)]
                tally.faults.append(name)
                pending = time.monotonic()
                await asyncio.to_thread(inject)
                next_fault = time.monotonic() + fault_every
            await asyncio.sleep(SAMPLE_S)
        if pending is not None:  # the last fault: give it its time to recover
            while not all(live(k) for k in keys) and time.monotonic() - pending < RECOVER_S:
                await asyncio.sleep(0.1)
            if all(live(k) for k in keys):
                tally.recoveries.append(time.monotonic() - pending)
            else:
                tally.not_recovered += 1
        lost = await _book_differs(m, paper, book)
        end_state = {
            "rss_start": rss_start,
            "rss_end": _rss_mb(),
            "reconnects": snap.reconnects if (snap := m.health_snapshot(session.key)) else 0,
            "lost": lost,
            "loop_errors": len(loop_errors),
        }
        for s in subs:
            s.close()
    return tally, end_state


async def _book_differs(m: Any, paper: Any, key: Any) -> int:
    """1 when the local book is not the venue's once the venue is paused (a sequence gap
    left unrecovered), else 0."""
    paused = await asyncio.to_thread(paper.control.pause)
    try:
        venue_id = paused["update_ids"]["BTCUSDT"]
        deadline = time.monotonic() + 30
        while (m.state.book_view(key, 1).sequence or 0) < venue_id:
            if time.monotonic() > deadline:
                return 1
            await asyncio.sleep(0.05)
        venue = await asyncio.to_thread(paper.control.book, "BTC/USDT", 20)
        local = m.state.book_view(key, 20)
        same = (
            local.sequence == venue["lastUpdateId"]
            and [(lv.price, lv.amount) for lv in local.bids]
            == [(Decimal(p), Decimal(q)) for p, q in venue["bids"]]
            and [(lv.price, lv.amount) for lv in local.asks]
            == [(Decimal(p), Decimal(q)) for p, q in venue["asks"]]
        )
        return 0 if same else 1
    finally:
        await asyncio.to_thread(paper.control.resume)


def run(minutes: float = 60.0, fault_every: float | None = None) -> DrillResult:
    from terminal.paper.embedded import start_paper_exchange

    every = fault_every if fault_every is not None else max(5.0, min(180.0, minutes * 60 / 12))
    result = DrillResult("websocket hour" if minutes >= 60 else f"websocket {minutes:g} min")
    with tempfile.TemporaryDirectory(prefix="drill-ws-") as tmp:
        paper = start_paper_exchange(Path(tmp) / "paper", faults=True, rate="calm", backfill=200)
        try:
            started = time.monotonic()
            quiet = logging.getLogger("terminal")
            level = quiet.level
            quiet.setLevel(logging.ERROR)  # each fault logs its warning: counted below instead
            try:
                tally, end = asyncio.run(_hold(paper, minutes, every))
            finally:
                quiet.setLevel(level)
            took = time.monotonic() - started
        finally:
            paper.stop()
    up = sum(s.up for s in tally.streams.values())
    total = up + sum(s.down for s in tally.streams.values())
    uptime = 100.0 * up / total if total else 0.0
    longest = max((s.longest_gap for s in tally.streams.values()), default=0.0)
    result.add("streams held (book, trades, candles, user data)", len(tally.streams), at_least=4)
    result.add("faults injected", len(tally.faults), at_least=1)
    result.add("reconnects", end["reconnects"])
    result.add("uptime, % of stream samples (rounded down)", int(uptime))
    result.add("longest gap of one stream (ms)", int(longest * 1000))
    result.add("streams not LIVE again within 60 s of a fault", tally.not_recovered, must_be=0)
    result.add("messages lost (sequence gaps not recovered)", end["lost"], must_be=0)
    result.add("RSS at the start (MB)", int(end["rss_start"]))
    result.add("RSS at the end (MB)", int(end["rss_end"]))
    worst = max(tally.recoveries, default=0.0)
    result.notes = (
        f"{took / 60:.1f} min held, a fault every {every:g} s; uptime {uptime:.2f}%; "
        f"slowest recovery {worst:.1f} s; faults: {', '.join(sorted(set(tally.faults)))}; "
        f"{end['loop_errors']} errors of futures nobody awaited (inside ccxt, while the "
        "exchange restarted)"
    )
    return result


def main() -> None:
    from terminal.drills.result import table

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--fault-every", type=float, default=None, help="seconds")
    args = parser.parse_args()
    print(table([run(args.minutes, args.fault_every)]))


if __name__ == "__main__":
    main()
