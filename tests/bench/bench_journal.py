"""Benchmark: order events per second through the journal vs raw sqlite3.

    python -m tests.bench.bench_journal [--events 4000] [--chunk 250]

Both sides write the same thing per event, with the same pragmas (WAL,
synchronous=FULL, busy timeout) and the same commit policy (BEGIN IMMEDIATE and one
commit per event, as the order service does): one order_events row and the UPDATE of
the order's row the journal itself issues. The journal side is the real
`SqlJournal.record_event` awaited from an asyncio loop (so it includes the hop to the
writer thread and back); the raw side is sqlite3 in a plain loop. The two alternate in
chunks so that disk and machine noise hit both alike. Prints both rates and the ratio
(aim: >= 0.75), plus the per-event time each side spends, for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId, VenueOrderId
from terminal.domain.order import EventSource, Order, OrderAccepted, OrderRequest
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.statements import MUTABLE_ORDER_COLUMNS


def _order() -> Order:
    return Order.from_request(OrderRequest(VenueId("paper"), Symbol("BTC/USDT"), Side.BUY,
                                           OrderType.LIMIT, Decimal("0.010"), Decimal("25000.10")))


class JournalSide:
    def __init__(self, path: Path) -> None:
        self.journal = SqlJournal.open(f"sqlite:///{path}")
        self.loop = asyncio.new_event_loop()
        self.order = _order()
        self.event = OrderAccepted(venue_order_id=VenueOrderId("1"), source=EventSource.STREAM)
        self.loop.run_until_complete(self.journal.record_intent(self.order))

    def run(self, n: int) -> float:
        async def chunk() -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                await self.journal.record_event(self.order, self.event)
            return time.perf_counter() - t0
        return self.loop.run_until_complete(chunk())

    def set_synchronous(self, level: str) -> None:
        """Outside a transaction, on the writer thread's own connection (diagnostic)."""
        def work() -> None:
            conn = self.journal._conn
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            conn.commit()
        self.journal._writer.call(work)

    def close(self) -> None:
        self.loop.close()
        self.journal.close()


class RawSide:
    def __init__(self, path: Path) -> None:
        SqlJournal.open(f"sqlite:///{path}").close()  # the same schema, from the migrations
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000",
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

    def run(self, n: int) -> float:
        conn, update, insert = self.conn, self.update, self.insert
        t0 = time.perf_counter()
        for _ in range(n):
            row = order_row(self.order)  # the same per-event serialisation as the journal
            details = json.dumps({"venue_order_id": "1"}, sort_keys=True, separators=(",", ":"))
            now = int(time.time() * 1000)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(update, tuple(row[k] for k in MUTABLE_ORDER_COLUMNS)
                         + (row["client_order_id"],))
            conn.execute(insert, (row["client_order_id"], "OrderAccepted", "stream",
                                  row["status"], details, None, now, now))
            conn.execute("COMMIT")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="per side")
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"],
                        help="NORMAL (diagnostic only) takes fsync out and shows CPU overhead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, ours = RawSide(Path(tmp) / "raw.sqlite"), JournalSide(Path(tmp) / "journal.sqlite")
        if args.synchronous != "FULL":
            raw.conn.execute(f"PRAGMA synchronous={args.synchronous}")
            ours.set_synchronous(args.synchronous)
        raw.run(50), ours.run(50)  # warm up (statement caches, first WAL growth)
        t_raw = t_ours = 0.0
        done = 0
        try:
            while done < args.events:
                n = min(args.chunk, args.events - done)
                t_raw += raw.run(n)
                t_ours += ours.run(n)
                done += n
        finally:
            raw.close()
            ours.close()
    r, j = done / t_raw, done / t_ours
    print(f"{done} order events per side (WAL, synchronous={args.synchronous}, BEGIN IMMEDIATE + one "
          f"commit per event, alternating chunks of {args.chunk})")
    print(f"raw sqlite3:          {r:8.0f} events/s  ({1e6 / r:6.0f} us/event)")
    print(f"journal (SqlJournal): {j:8.0f} events/s  ({1e6 / j:6.0f} us/event)")
    print(f"ratio journal/raw:    {j / r:8.2f}  (aim >= 0.75)")


if __name__ == "__main__":
    main()
