"""Depth-stream throughput of the paper exchange (a command, not a test).

    python -m terminal.bench.paper_depth [--diffs-per-second 30000] [--levels-per-diff 20]
        [--seconds 8] [--warmup 2]

Starts an embedded paper exchange in stress mode on BTC/USDT and measures, one after the
other, the depth diffs/s delivered to (1) one ccxt.pro ``watch_order_book`` consumer and
(2) a bare aiohttp+orjson reader, with the server process CPU (from /proc/<pid>/stat)
and the diffs/s the server itself emitted in each phase. The server must not be the
bottleneck for the ccxt consumer (~17,600 diffs/s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

import aiohttp
import orjson

from terminal.bench.figures import Figure
from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange

SYMBOL = "BTC/USDT"


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Phase:
    def __init__(self, h: PaperExchangeHandle) -> None:
        self.h = h
        self.cpu0 = cpu_seconds(h.pid)
        self.emitted0 = h.control.stats()["stress_diffs"]
        self.t0 = time.monotonic()

    def finish(self, received: int) -> dict[str, float]:
        dt = time.monotonic() - self.t0
        return {
            "received_per_s": received / dt,
            "emitted_per_s": (self.h.control.stats()["stress_diffs"] - self.emitted0) / dt,
            "server_cpu": (cpu_seconds(self.h.pid) - self.cpu0) / dt,
        }


async def ccxt_consumer(h: PaperExchangeHandle, warmup: float, seconds: float) -> dict:
    import ccxt.pro as ccxt_pro

    ex = point_ccxt_at(ccxt_pro.binance(paper_ccxt_config(rateLimit=1)), h.url)
    try:
        end_warm = time.monotonic() + warmup
        while time.monotonic() < end_warm:
            ob = await ex.watch_order_book(SYMBOL)
        n0 = ob["nonce"]
        phase = Phase(h)
        returns = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ob = await ex.watch_order_book(SYMBOL)
            returns += 1
        res = phase.finish(ob["nonce"] - n0)  # one update id per stress diff
        res["returns_per_s"] = returns / seconds
        return res
    finally:
        await ex.close()


async def bare_reader(h: PaperExchangeHandle, warmup: float, seconds: float) -> dict:
    async with aiohttp.ClientSession() as s, s.ws_connect(h.ws_url + "/1", max_msg_size=0) as ws:
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}')
        end_warm = time.monotonic() + warmup
        u0 = None
        while time.monotonic() < end_warm or u0 is None:
            msg = orjson.loads((await ws.receive()).data)
            u0 = msg.get("u", u0)
        phase = Phase(h)
        end = time.monotonic() + seconds
        last = u0
        gaps = 0
        while time.monotonic() < end:
            msg = orjson.loads((await ws.receive()).data)
            u = msg.get("u")
            if u is not None:
                if msg["U"] != last + 1:
                    gaps += 1
                last = u
        res = phase.finish(last - u0)
        res["gaps"] = gaps
        return res


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 1.5 s per phase at 10,000 diffs/s)."""
    seconds, warmup = (1.5, 0.5) if quick else (8.0, 2.0)
    rate = 10_000 if quick else 30_000
    with (
        tempfile.TemporaryDirectory() as d,
        start_paper_exchange(
            d,
            rate="calm",
            diffs_per_second=rate,
            levels_per_diff=20,
            stress_symbol=SYMBOL,
            ws_buffer_mb=1024,
        ) as h,
    ):
        ccxt_side = asyncio.run(ccxt_consumer(h, warmup, seconds))
        bare = asyncio.run(bare_reader(h, warmup, seconds))
    g = "paper exchange depth"
    return [
        Figure(
            g,
            f"diffs/s to ccxt.pro watch_order_book ({rate:,} asked)",
            ccxt_side["received_per_s"],
            "diffs/s",
            ccxt_side["emitted_per_s"],
            "server emitted",
            "server never the bottleneck",
            notes=f"server CPU {ccxt_side['server_cpu']:.2f}",
        ),
        Figure(
            g,
            "diffs/s to a bare aiohttp+orjson reader",
            bare["received_per_s"],
            "diffs/s",
            bare["emitted_per_s"],
            "server emitted",
            notes=f"{bare['gaps']} gaps",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--diffs-per-second", type=float, default=30_000)
    p.add_argument("--levels-per-diff", type=int, default=20)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--warmup", type=float, default=2.0)
    a = p.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as d,
        start_paper_exchange(
            d,
            rate="calm",
            diffs_per_second=a.diffs_per_second,
            levels_per_diff=a.levels_per_diff,
            stress_symbol=SYMBOL,
            ws_buffer_mb=1024,
        ) as h,
    ):
        print(
            f"paper exchange pid {h.pid}: {a.diffs_per_second:.0f} diffs/s target, "
            f"{a.levels_per_diff} levels per diff, {a.seconds:.0f} s per phase"
        )
        rows = [
            ("ccxt.pro watch_order_book", asyncio.run(ccxt_consumer(h, a.warmup, a.seconds))),
            ("bare aiohttp+orjson reader", asyncio.run(bare_reader(h, a.warmup, a.seconds))),
        ]
    print(
        f"{'consumer':28} {'diffs/s received':>17} {'server emitted/s':>17} "
        f"{'server CPU':>11}  notes"
    )
    for name, r in rows:
        notes = []
        if "returns_per_s" in r:
            notes.append(f"{r['returns_per_s']:.0f} returns/s")
        if "gaps" in r:
            notes.append(f"{r['gaps']} gaps")
        print(
            f"{name:28} {r['received_per_s']:17,.0f} {r['emitted_per_s']:17,.0f} "
            f"{r['server_cpu']:10.2f}   {', '.join(notes)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
