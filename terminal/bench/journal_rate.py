"""Benchmark: order events per second through the journal vs raw sqlite3.

    python -m terminal.bench.journal_rate [--rounds 25] [--chunk 200] [--runs 1] [--no-hop]

Both sides write the same thing per event, with the same pragmas (WAL,
synchronous=FULL, busy timeout 5 s, foreign keys) and the same commit policy (BEGIN
IMMEDIATE and one commit per event, as the order service does): the UPDATE of the
order's row the journal itself issues (the same 11 columns) and one order_events row
(the same 12 columns, its session included), from the same per-event serialisation of
the order (`codec.order_row`). The journal side is the real `SqlJournal.record_event` awaited
from an asyncio loop, so it includes the hop to the writer thread and back; the raw
side is sqlite3 in a plain loop on one kept cursor (the fastest way to issue the same
statements from Python).

Measured steadily: a warm-up on both sides, then `--rounds` rounds of `--chunk`
events per side, the two sides alternating (and swapping which goes first each round)
so that disk and machine noise hit both alike. Each round gives a rate per side and a
ratio; the figures printed are the medians over the rounds (a burst of load from
other processes moves one round, not the result), the spread of the ratio, and the
CPU time per event of each side (process time, both threads), which separates the
journal's own overhead from fsync waits. Aim: ratio >= 0.75.

A third, diagnostic side (on unless --no-hop) runs the raw side's exact statements on a
dedicated thread awaited from the loop through the journal's own `WriterThread`: what
keeping fsync off the event loop costs with no journal code at all. It splits the gap into the
price of that hop (raw behind hop / raw) and the journal's own overhead (journal / raw
behind hop); it is printed beside the aim, never instead of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.bench.figures import Figure
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId, VenueOrderId
from terminal.domain.order import EventSource, Order, OrderAccepted, OrderRequest
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.engine import BUSY_TIMEOUT_MS
from terminal.journal.statements import MUTABLE_ORDER_COLUMNS
from terminal.journal.writer import WriterThread

AIM = 0.75


def _order() -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId("paper"),
            Symbol("BTC/USDT"),
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.010"),
            Decimal("25000.10"),
        )
    )


@dataclass
class Chunk:
    wall: float  # seconds
    cpu: float  # process CPU seconds (all threads)


class JournalSide:
    def __init__(self, path: Path) -> None:
        self.journal = SqlJournal.open(f"sqlite:///{path}")
        self.loop = asyncio.new_event_loop()
        self.order = _order()
        self.event = OrderAccepted(venue_order_id=VenueOrderId("1"), source=EventSource.STREAM)
        self.loop.run_until_complete(self.journal.record_intent(self.order))

    def run(self, n: int) -> Chunk:
        async def chunk() -> Chunk:
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                await self.journal.record_event(self.order, self.event)
            return Chunk(time.perf_counter() - t0, time.process_time() - c0)

        return self.loop.run_until_complete(chunk())

    def set_synchronous(self, level: str) -> None:
        """Outside a transaction, on the writer thread's own connection (diagnostic)."""

        def work() -> None:
            conn = self.journal._conn
            if conn is None:
                conn = self.journal._conn = self.journal._engine.connect()
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            conn.commit()

        self.journal._writer.call(work)

    def close(self) -> None:
        self.loop.close()
        self.journal.close()


class RawSide:
    def __init__(self, path: Path, *, check_same_thread: bool = True) -> None:
        SqlJournal.open(f"sqlite:///{path}").close()  # the same schema, from the migrations
        self.conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=check_same_thread,
        )
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            "foreign_keys=ON",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.order = _order()
        row = order_row(self.order)
        self.conn.execute(
            f"INSERT INTO orders ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        sets = ", ".join(f"{k} = ?" for k in MUTABLE_ORDER_COLUMNS)
        self.update = f"UPDATE orders SET {sets} WHERE client_order_id = ?"
        self.insert = (
            "INSERT INTO order_events (client_order_id, venue, mode, account, market, kind, "
            "source, status_after, details, payload, at_ms, recorded_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

        self.cur = self.conn.cursor()

    def params(self) -> tuple[tuple, tuple]:
        """The same per-event serialisation as the journal: the UPDATE's and INSERT's."""
        row = order_row(self.order)
        details = json.dumps({"venue_order_id": "1"}, sort_keys=True, separators=(",", ":"))
        now = int(time.time() * 1000)
        return (
            (*tuple(row[k] for k in MUTABLE_ORDER_COLUMNS), row["client_order_id"]),
            (
                row["client_order_id"],
                row["venue"],
                row["mode"],
                row["account"],
                row["market"],
                "OrderAccepted",
                "stream",
                row["status"],
                details,
                None,
                now,
                now,
            ),
        )

    def write(self, update_args: tuple, insert_args: tuple) -> None:
        cur = self.cur
        cur.execute("BEGIN IMMEDIATE")
        cur.execute(self.update, update_args)
        cur.execute(self.insert, insert_args)
        cur.execute("COMMIT")

    def run(self, n: int) -> Chunk:
        params, write = self.params, self.write
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            write(*params())
        return Chunk(time.perf_counter() - t0, time.process_time() - c0)

    def close(self) -> None:
        self.cur.close()
        self.conn.close()


class RawBehindHopSide(RawSide):
    """Diagnostic, not the aim's baseline: the raw side's exact work, but run on a
    dedicated thread and awaited from an asyncio loop through the journal's own hop
    (`WriterThread`), as any design that keeps fsync off the event loop must. The
    journal against this side is the journal's own overhead; this side against raw is
    the price of the thread hop on this machine."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, check_same_thread=False)  # as the journal's engine
        self.writer = WriterThread("bench-raw-writer")
        self.loop = asyncio.new_event_loop()

    def run(self, n: int) -> Chunk:
        params, write, hop = self.params, self.write, self.writer.run

        async def chunk() -> Chunk:
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                await hop(write, *params())
            return Chunk(time.perf_counter() - t0, time.process_time() - c0)

        return self.loop.run_until_complete(chunk())

    def close(self) -> None:
        self.writer.call(self.cur.close)
        self.writer.call(self.conn.close)
        self.writer.close()
        self.loop.close()


def _check_same_rows(raw: Path, ours: Path) -> None:
    """Both databases hold the same order row and event rows (times and ids aside)."""

    def snapshot(path: Path) -> tuple:
        conn = sqlite3.connect(path)
        try:
            cols = ", ".join(MUTABLE_ORDER_COLUMNS)
            order = conn.execute(f"SELECT {cols} FROM orders").fetchall()
            events = conn.execute(
                "SELECT kind, source, status_after, details, payload, count(*) FROM order_events "
                "WHERE kind != 'Intent' GROUP BY 1, 2, 3, 4, 5"
            ).fetchall()
            return [r[:7] + r[8:] for r in order], events  # all but updated_ms
        finally:
            conn.close()

    a, b = snapshot(raw), snapshot(ours)
    if a != b:
        raise SystemExit(f"{ours.name} and {raw.name} hold different rows:\n{a}\n{b}")


def run_once(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        raw, ours = RawSide(tmp / "raw.sqlite"), JournalSide(tmp / "journal.sqlite")
        hop = RawBehindHopSide(tmp / "hop.sqlite") if args.hop else None
        if args.synchronous != "FULL":
            raw.conn.execute(f"PRAGMA synchronous={args.synchronous}")
            ours.set_synchronous(args.synchronous)
            if hop is not None:
                hop.writer.call(hop.conn.execute, f"PRAGMA synchronous={args.synchronous}")
        load0 = os.getloadavg()
        sides: list[Any] = [raw, ours] + ([hop] if hop is not None else [])
        rounds: list[list[Chunk]] = []
        try:
            for side in sides:
                side.run(args.warmup)  # statement caches, first WAL growth
            for i in range(args.rounds):
                order = list(range(len(sides)))
                if i % 2:
                    order.reverse()  # swap which side goes first each round
                got: dict[int, Chunk] = {k: sides[k].run(args.chunk) for k in order}
                rounds.append([got[k] for k in range(len(sides))])
        finally:
            for side in sides:
                side.close()
        _check_same_rows(tmp / "raw.sqlite", tmp / "journal.sqlite")
        if hop is not None:
            _check_same_rows(tmp / "raw.sqlite", tmp / "hop.sqlite")
    load1 = os.getloadavg()
    n = args.chunk
    med = statistics.median

    def line(label: str, k: int) -> str:
        rate = med(n / r[k].wall for r in rounds)
        cpu = med(1e6 * r[k].cpu / n for r in rounds)
        return (
            f"{label:<24}{rate:8.0f} events/s  ({1e6 / rate:5.0f} us/event, "
            f"CPU {cpu:4.0f} us/event)  median of rounds"
        )

    ratios = sorted(r[0].wall / r[1].wall for r in rounds)
    ratio = med(ratios)
    print(
        f"{args.rounds} rounds x {n} order events per side, alternating (WAL, "
        f"synchronous={args.synchronous}, BEGIN IMMEDIATE + one commit per event); "
        f"load average {load0[0]:.2f} -> {load1[0]:.2f}"
    )
    print(line("raw sqlite3:", 0))
    print(line("journal (SqlJournal):", 1))
    if hop is not None:
        print(line("raw sqlite3 behind hop:", 2) + "  (diagnostic)")
    verdict = "met" if ratio >= AIM else "NOT met"
    print(
        f"ratio journal/raw:      {ratio:8.2f}  median of per-round ratios (range "
        f"{ratios[0]:.2f}-{ratios[-1]:.2f}); aim >= {AIM}: {verdict}"
    )
    if hop is not None:
        own = med(r[2].wall / r[1].wall for r in rounds)
        floor = med(r[0].wall / r[2].wall for r in rounds)
        print(
            f"diagnostic: raw behind the same thread hop / raw {floor:.2f} (the hop's price); "
            f"journal / raw behind hop {own:.2f} (the journal's own overhead)"
        )
    return {
        "raw": med(n / r[0].wall for r in rounds),
        "journal": med(n / r[1].wall for r in rounds),
        "ratio": ratio,
    }


def collect(quick: bool) -> list[Figure]:
    """The figures the bench command shows (quick: 3 rounds of 50 events), then the
    burst of 50 orders on SQLite and PostgreSQL (terminal.bench.journal_burst)."""
    from terminal.bench import journal_burst

    args = argparse.Namespace(
        rounds=3 if quick else 25,
        chunk=50 if quick else 200,
        warmup=50 if quick else 200,
        hop=False,
        synchronous="FULL",
    )
    got = run_once(args)
    return [
        Figure(
            "journal",
            "order events/s, one commit each",
            got["journal"],
            "events/s",
            got["raw"],
            "raw sqlite3, same statements",
            f">= {AIM}x raw",
            notes=f"ratio is the median of per-round ratios: {got['ratio']:.2f}",
        ),
        *journal_burst.collect(quick),  # group commit, and PostgreSQL beside SQLite
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--chunk", type=int, default=200, help="events per side per round")
    parser.add_argument("--warmup", type=int, default=200, help="events per side, not timed")
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole measurement")
    parser.add_argument(
        "--hop",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time raw sqlite3 behind the journal's thread hop (diagnostic: "
        "separates the hop's price from the journal's own overhead)",
    )
    parser.add_argument(
        "--synchronous",
        default="FULL",
        choices=["FULL", "NORMAL"],
        help="NORMAL (diagnostic only) takes fsync out and shows CPU overhead",
    )
    args = parser.parse_args()
    for i in range(args.runs):
        if args.runs > 1:
            print(f"-- run {i + 1} of {args.runs}")
        run_once(args)


if __name__ == "__main__":
    main()
