"""The queries run at every start-up and on every panel refresh are served by an index,
so they do not grow with the journal: the database's own query plan, on SQLite and on
PostgreSQL, for the statement the journal really sends."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import event

from terminal.journal import SqlJournal
from terminal.journal.queries import OPEN_STATUSES

DAY_MS = 86_400_000


def _orders_selects(journal: SqlJournal, call) -> list[tuple[str, object]]:
    """The SELECTs of the orders table `call(journal)` sends, with their parameters."""
    seen: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if re.search(r"\bFROM orders\b", statement):
            seen.append((statement, parameters))

    event.listen(journal._engine, "before_cursor_execute", grab)
    try:
        asyncio.run(call(journal))
    finally:
        event.remove(journal._engine, "before_cursor_execute", grab)
    assert seen, "the call sent no query of the orders table"
    return seen


def _plan(journal: SqlJournal, statement: str, parameters: object) -> str:
    def work(conn):
        driver = conn.connection.driver_connection
        cur = driver.cursor()
        try:
            if conn.dialect.name == "sqlite":
                cur.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                return "\n".join(str(r[-1]) for r in cur.fetchall())
            # An empty table is cheapest to read whole; forbid that to see which index
            # the planner would use once the journal is big.
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute(f"EXPLAIN {statement}", parameters)
            return "\n".join(str(r[0]) for r in cur.fetchall())
        finally:
            cur.close()

    return journal.run_sync(work)


CALLS = {
    "open orders": lambda j: j.open_orders(),
    "open orders of a venue": lambda j: j.open_orders("paper"),
    "a day's history": lambda j: j.order_history(since_ms=20 * DAY_MS, until_ms=21 * DAY_MS),
}


@pytest.mark.parametrize("what", list(CALLS))
def test_start_up_queries_never_read_the_whole_orders_table(journal_url, what):
    journal = SqlJournal.open(journal_url)
    try:
        for statement, parameters in _orders_selects(journal, CALLS[what]):
            plan = _plan(journal, statement, parameters)
            if journal._engine.dialect.name == "sqlite":
                assert "SEARCH orders USING" in plan and "SCAN orders" not in plan, plan
            else:
                # an index that narrows the rows (Index Cond), not one only read in order
                assert "Seq Scan" not in plan and "Index Cond" in plan, plan
    finally:
        journal.close()


def test_open_statuses_are_every_status_but_the_final_ones():
    from terminal.domain.order import FINAL_STATUSES, OrderStatus

    assert set(OPEN_STATUSES) | {s.value for s in FINAL_STATUSES} == {s.value for s in OrderStatus}
    assert not set(OPEN_STATUSES) & {s.value for s in FINAL_STATUSES}
