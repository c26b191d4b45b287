"""Benchmark: order events per second through the journal vs raw sqlite3.

    python -m tests.bench.bench_journal [--rounds 25] [--chunk 200] [--runs 1]

Both sides write the same thing per event, with the same pragmas (WAL,
synchronous=FULL, busy timeout 5 s, foreign keys) and the same commit policy (BEGIN
IMMEDIATE and one commit per event, as the order service does): the UPDATE of the
order's row the journal itself issues (the same 11 columns) and one order_events row
(the same 8 columns), from the same per-event serialisation of the order
(`codec.order_row`). The journal side is the real `SqlJournal.record_event` awaited
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

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId, VenueOrderId
from terminal.domain.order import EventSource, Order, OrderAccepted, OrderRequest
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.engine import BUSY_TIMEOUT_MS
from terminal.journal.statements import MUTABLE_ORDER_COLUMNS

AIM = 0.75


def _order() -> Order:
    return Order.from_request(OrderRequest(VenueId("paper"), Symbol("BTC/USDT"), Side.BUY,
                                           OrderType.LIMIT, Decimal("0.010"), Decimal("25000.10")))


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
    def __init__(self, path: Path) -> None:
        SqlJournal.open(f"sqlite:///{path}").close()  # the same schema, from the migrations
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={BUSY_TIMEOUT_MS}",
                       "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.order = _order()
        row = order_row(self.order)
        self.conn.execute(f"INSERT INTO orders ({', '.join(row)}) VALUES "
                          f"({', '.join('?' * len(row))})", tuple(row.values()))
        sets = ", ".join(f"{k} = ?" for k in MUTABLE_ORDER_COLUMNS)
        self.update = f"UPDATE orders SET {sets} WHERE client_order_id = ?"
        self.insert = ("INSERT INTO order_events (client_order_id, kind, source, status_after, "
                       "details, payload, at_ms, recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")

    def run(self, n: int) -> Chunk:
        cur, update, insert, order = self.conn.cursor(), self.update, self.insert, self.order
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            row = order_row(order)  # the same per-event serialisation as the journal
            details = json.dumps({"venue_order_id": "1"}, sort_keys=True, separators=(",", ":"))
            now = int(time.time() * 1000)
            cur.execute("BEGIN IMMEDIATE")
            cur.execute(update, tuple(row[k] for k in MUTABLE_ORDER_COLUMNS)
                        + (row["client_order_id"],))
            cur.execute(insert, (row["client_order_id"], "OrderAccepted", "stream",
                                 row["status"], details, None, now, now))
            cur.execute("COMMIT")
        chunk = Chunk(time.perf_counter() - t0, time.process_time() - c0)
        cur.close()
        return chunk

    def close(self) -> None:
        self.conn.close()


def _check_same_rows(raw: RawSide, ours: JournalSide, tmp: Path) -> None:
    """Both databases hold the same order row and event rows (times and ids aside)."""
    def snapshot(path: Path) -> tuple:
        conn = sqlite3.connect(path)
        try:
            cols = ", ".join(MUTABLE_ORDER_COLUMNS)
            order = conn.execute(f"SELECT {cols} FROM orders").fetchall()
            events = conn.execute(
                "SELECT kind, source, status_after, details, payload, count(*) FROM order_events "
                "WHERE kind != 'Intent' GROUP BY 1, 2, 3, 4, 5").fetchall()
            return [r[:7] + r[8:] for r in order], events  # all but updated_ms
        finally:
            conn.close()
    a, b = snapshot(tmp / "raw.sqlite"), snapshot(tmp / "journal.sqlite")
    if a != b:
        raise SystemExit(f"the two sides wrote different rows:\nraw:     {a}\njournal: {b}")


def run_once(args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        raw, ours = RawSide(tmp / "raw.sqlite"), JournalSide(tmp / "journal.sqlite")
        if args.synchronous != "FULL":
            raw.conn.execute(f"PRAGMA synchronous={args.synchronous}")
            ours.set_synchronous(args.synchronous)
        load0 = os.getloadavg()
        rounds: list[tuple[Chunk, Chunk]] = []
        try:
            raw.run(args.warmup), ours.run(args.warmup)  # statement caches, first WAL growth
            for i in range(args.rounds):
                if i % 2 == 0:
                    r = raw.run(args.chunk)
                    j = ours.run(args.chunk)
                else:
                    j = ours.run(args.chunk)
                    r = raw.run(args.chunk)
                rounds.append((r, j))
        finally:
            raw.close()
            ours.close()
        _check_same_rows(raw, ours, tmp)
    load1 = os.getloadavg()
    n = args.chunk
    med = statistics.median
    r_rate = med(n / r.wall for r, _ in rounds)
    j_rate = med(n / j.wall for _, j in rounds)
    ratios = sorted(r.wall / j.wall for r, j in rounds)
    ratio = med(ratios)
    r_cpu = med(1e6 * r.cpu / n for r, _ in rounds)
    j_cpu = med(1e6 * j.cpu / n for _, j in rounds)
    print(f"{args.rounds} rounds x {n} order events per side, alternating (WAL, "
          f"synchronous={args.synchronous}, BEGIN IMMEDIATE + one commit per event); "
          f"load average {load0[0]:.2f} -> {load1[0]:.2f}")
    print(f"raw sqlite3:          {r_rate:8.0f} events/s  ({1e6 / r_rate:5.0f} us/event, "
          f"CPU {r_cpu:4.0f} us/event)  median of rounds")
    print(f"journal (SqlJournal): {j_rate:8.0f} events/s  ({1e6 / j_rate:5.0f} us/event, "
          f"CPU {j_cpu:4.0f} us/event)  median of rounds")
    verdict = "met" if ratio >= AIM else "NOT met"
    print(f"ratio journal/raw:    {ratio:8.2f}  median of per-round ratios (range "
          f"{ratios[0]:.2f}-{ratios[-1]:.2f}); aim >= {AIM}: {verdict}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--chunk", type=int, default=200, help="events per side per round")
    parser.add_argument("--warmup", type=int, default=200, help="events per side, not timed")
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole measurement")
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"],
                        help="NORMAL (diagnostic only) takes fsync out and shows CPU overhead")
    args = parser.parse_args()
    for i in range(args.runs):
        if args.runs > 1:
            print(f"-- run {i + 1} of {args.runs}")
        run_once(args)


if __name__ == "__main__":
    main()
