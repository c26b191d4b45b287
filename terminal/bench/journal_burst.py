"""Benchmark: a burst of 50 orders through the journal (group commit), on SQLite and
on PostgreSQL, against the raw driver committing each order's intent alone.

    python -m terminal.bench.journal_burst [--rounds 15] [--orders 50] [--no-postgresql]

The burst: 50 new orders whose intents are journaled at once (`asyncio.gather` of 50
`record_intent`, as a multi-order ticket, a grid or a bracket group does); each
coroutine resumes only when its own intent is committed. Baseline, in the same run and
on the same kind of database: the raw driver (sqlite3, psycopg) inserting the same rows
(the order and its Intent event) with one transaction and one commit per order, the
fastest way to commit each intent alone. Rounds alternate the two sides (and which goes
first); the figures are the medians of the rounds. Aim: journal >= raw.

PostgreSQL runs on a throwaway server on loopback (`terminal.journal.scratch_pg`, the
distribution's server binaries, fsync on), when psycopg and the server are installed; it
also gives the one-event-at-a-time rate (`record_event` awaited one after the other)
beside raw psycopg doing the same.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import sqlite3
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.bench.figures import Figure
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId, VenueOrderId
from terminal.domain.order import EventSource, Order, OrderAccepted, OrderRequest
from terminal.journal import SqlJournal
from terminal.journal.codec import details_json, order_row
from terminal.journal.engine import BUSY_TIMEOUT_MS, engine_url
from terminal.journal.statements import MUTABLE_ORDER_COLUMNS

GROUP = "journal"


def _orders(n: int) -> list[Order]:
    return [
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
        for _ in range(n)
    ]


def _intent_rows(order: Order) -> tuple[dict[str, Any], dict[str, Any]]:
    row = order_row(order)
    details = details_json({"request": {"symbol": row["symbol"]}})
    event = SqlJournal._event_row(row, "Intent", "local", details, None, row["created_ms"])
    return row, event


class RawSide:
    """The driver alone: one transaction and one commit per order's intent."""

    def __init__(self, url: str, locks: Path) -> None:
        SqlJournal.open(url, lock_path=locks / "raw.lock").close()  # the schema
        self.pg = not url.startswith("sqlite")
        if self.pg:
            psycopg = importlib.import_module("psycopg")  # the optional extra
            dsn = engine_url(url).replace("postgresql+psycopg://", "postgresql://")
            self.conn: Any = psycopg.connect(dsn)
            self.mark = "%s"
        else:
            self.conn = sqlite3.connect(
                url.removeprefix("sqlite:///"), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.mark = "?"
        self.cur = self.conn.cursor()

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join([self.mark] * len(row))
        self.cur.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))

    def burst(self, orders: list[Order]) -> float:
        t0 = time.perf_counter()
        for order in orders:
            row, event = _intent_rows(order)
            if not self.pg:
                self.cur.execute("BEGIN IMMEDIATE")
            self._insert("orders", row)
            self._insert("order_events", event)
            self.conn.commit() if self.pg else self.cur.execute("COMMIT")
        return time.perf_counter() - t0

    def one_by_one(self, order: Order, n: int) -> float:
        """n order events, one commit each (the same UPDATE and INSERT as the journal)."""
        row, event = _intent_rows(order)
        self._insert("orders", row)
        self.conn.commit() if self.pg else None
        sets = ", ".join(f"{k} = {self.mark}" for k in MUTABLE_ORDER_COLUMNS)
        update = f"UPDATE orders SET {sets} WHERE client_order_id = {self.mark}"
        t0 = time.perf_counter()
        for _ in range(n):
            event["kind"], event["recorded_ms"] = "OrderAccepted", int(time.time() * 1000)
            if not self.pg:
                self.cur.execute("BEGIN IMMEDIATE")
            row = order_row(order)
            self.cur.execute(
                update,
                (*tuple(row[k] for k in MUTABLE_ORDER_COLUMNS), row["client_order_id"]),
            )
            self._insert("order_events", event)
            self.conn.commit() if self.pg else self.cur.execute("COMMIT")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.cur.close()
        self.conn.close()


class JournalSide:
    def __init__(self, url: str, locks: Path) -> None:
        self.journal = SqlJournal.open(url, lock_path=locks / "journal.lock")
        self.loop = asyncio.new_event_loop()

    def burst(self, orders: list[Order]) -> float:
        async def go() -> float:
            t0 = time.perf_counter()
            await asyncio.gather(*(self.journal.record_intent(o) for o in orders))
            return time.perf_counter() - t0

        return self.loop.run_until_complete(go())

    def one_by_one(self, order: Order, n: int) -> float:
        event = OrderAccepted(venue_order_id=VenueOrderId("1"), source=EventSource.STREAM)

        async def go() -> float:
            await self.journal.record_intent(order)
            t0 = time.perf_counter()
            for _ in range(n):
                await self.journal.record_event(order, event)
            return time.perf_counter() - t0

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.close()
        self.journal.close()


def measure(url_raw: str, url_journal: str, rounds: int, n: int, *, single: int = 0) -> dict:
    """Median rates of both sides (the journals' lock files in a folder of their own)."""
    with tempfile.TemporaryDirectory(prefix="bench-journal-locks-") as locks:
        return _measure(url_raw, url_journal, rounds, n, single, Path(locks))


def _measure(url_raw: str, url_journal: str, rounds: int, n: int, single: int, locks: Path) -> dict:
    raw, ours = RawSide(url_raw, locks), JournalSide(url_journal, locks)
    med = statistics.median
    try:
        raw.burst(_orders(n)), ours.burst(_orders(n))  # warm-up
        burst_raw: list[float] = []
        burst_ours: list[float] = []
        for i in range(rounds):
            sides: list[tuple[RawSide | JournalSide, list[float]]] = [
                (raw, burst_raw),
                (ours, burst_ours),
            ]
            for side, out in sides if i % 2 == 0 else sides[::-1]:
                out.append(n / side.burst(_orders(n)))
        got = {"raw": med(burst_raw), "journal": med(burst_ours)}
        if single:
            one_raw: list[float] = []
            one_ours: list[float] = []
            for _ in range(max(1, rounds // 3)):
                one_raw.append(single / raw.one_by_one(_orders(1)[0], single))
                one_ours.append(single / ours.one_by_one(_orders(1)[0], single))
            got |= {"raw_single": med(one_raw), "journal_single": med(one_ours)}
        return got
    finally:
        raw.close()
        ours.close()


def _postgresql(rounds: int, n: int, single: int) -> dict | None:
    from terminal.journal.scratch_pg import ScratchPostgres, server_bindir

    if importlib.util.find_spec("psycopg") is None or server_bindir() is None:
        return None
    with ScratchPostgres(durable=True) as pg:
        return measure(
            pg.create_database("raw"), pg.create_database("journal"), rounds, n, single=single
        )


def collect(quick: bool, *, postgresql: bool = True) -> list[Figure]:
    rounds, n = (3, 50) if quick else (15, 50)
    single = 50 if quick else 200
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-journal-burst-") as tmp:
        lite = measure(
            f"sqlite:///{Path(tmp) / 'raw.sqlite'}",
            f"sqlite:///{Path(tmp) / 'journal.sqlite'}",
            rounds,
            n,
        )
    figures.append(
        Figure(
            GROUP,
            f"burst of {n} orders, intents/s (group commit), SQLite",
            lite["journal"],
            "intents/s",
            lite["raw"],
            "raw sqlite3, one commit per intent",
            ">= 1x raw",
        )
    )
    pg = _postgresql(rounds, n, single) if postgresql else None
    if pg is not None:
        figures += [
            Figure(
                GROUP,
                f"burst of {n} orders, intents/s (group commit), PostgreSQL",
                pg["journal"],
                "intents/s",
                pg["raw"],
                "raw psycopg, one commit per intent",
                ">= 1x raw",
            ),
            Figure(
                GROUP,
                "order events/s, one commit each, PostgreSQL",
                pg["journal_single"],
                "events/s",
                pg["raw_single"],
                "raw psycopg, same statements",
                ">= 0.75x raw",
                notes="server on loopback, fsync on",
            ),
        ]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    from terminal.bench.figures import machine_start, table

    machine = machine_start()
    figures = collect(args.quick, postgresql=not args.no_postgresql)
    print(table(figures, machine, quick=args.quick))


if __name__ == "__main__":
    main()
