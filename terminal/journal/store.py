"""`SqlJournal`: the JournalPort on SQLAlchemy Core, plus the queries the UI and CLI use.

Every method's database work runs on the single writer thread (`WriterThread`) inside
one transaction that is committed before the awaiting coroutine resumes. The order's
row is snapshotted when the coroutine starts (right where the service awaits it), so
the stored state is the state that event produced even if more events follow quickly.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine

from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId, VenueOrderId
from terminal.domain.order import FINAL_STATUSES, Order, OrderEvent, OrderFilled
from terminal.domain.orderlist import OrderList
from terminal.domain.reports import FillReport
from terminal.domain.session import SessionKey
from terminal.journal import queries
from terminal.journal import statements as stmt
from terminal.journal.codec import (
    dec_text,
    details_json,
    dt_to_ms,
    event_details_json,
    jsonable,
    ms_to_dt,
    order_row,
)
from terminal.journal.engine import begin_statement, engine_url, make_engine
from terminal.journal.errors import JournalError
from terminal.journal.integrity import refuse_if_damaged
from terminal.journal.lock import (
    JournalLock,
    JournalLockedError,
    database_closed,
    database_opened,
)
from terminal.journal.migrate import upgrade
from terminal.journal.permissions import secure_journal_files
from terminal.journal.pglock import PgAdvisoryLock
from terminal.journal.records import EventRecord, FillRecord, SafetyRecord
from terminal.journal.redact import payload_excerpt
from terminal.journal.schema import fills, safety_events
from terminal.journal.transactions import WriterTransactions
from terminal.journal.urls import (
    JOURNAL_FILE,
    default_journal_url,
    journal_url_from,
    lock_path_for,
    sqlite_path,
)
from terminal.journal.urls import safe_url as _safe
from terminal.journal.writer import WriterThread

log = logging.getLogger(__name__)
T = TypeVar("T")


def _now_ms() -> int:
    return int(time.time() * 1000)


class SqlJournal(WriterTransactions):
    """The order journal. Build it with `SqlJournal.open(...)`; `close()` when done."""

    def __init__(
        self, engine: Engine, writer: WriterThread, lock: JournalLock | None, url: str
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._lock = lock
        self.url = url
        self._conn: Connection | None = None
        self._begin_sql = begin_statement(engine)
        # Compiled here, once: the loop side builds the driver parameters per event.
        self._prepared = stmt.PreparedSet(engine.dialect)
        # (SQLAlchemy connection, its DBAPI connection, a cursor on it) for `_fast`.
        self._raw: tuple[Connection, Any, Any] | None = None
        self._user: Any = None  # this engine's entry in lock.database_opened
        self._server_lock: PgAdvisoryLock | None = None  # PostgreSQL: see pglock.py

    # ---- life cycle ------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        url: str,
        *,
        lock_path: Path | None = None,
        read_only: bool = False,
        migrate: bool = True,
    ) -> SqlJournal:
        """Take the writer lock (unless read-only), migrate to head, start the writer.

        Raises JournalLockedError when another process holds the journal.
        """
        engine_url(url)  # a URL the journal cannot use is refused first, in one line
        path = sqlite_path(url)
        if path is not None:
            if read_only and not path.exists():
                raise JournalError(f"no journal at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
        lock = None
        if not read_only:
            lock = JournalLock(
                lock_path or lock_path_for(url, path.parent if path else Path.cwd()), database=path
            )
            try:
                lock.acquire()
            except OSError as exc:  # a read-only disk or directory, no permission...
                where = path if path is not None else lock.path
                raise JournalError(
                    f"cannot open the journal {where} for writing: {exc.strerror or exc}"
                ) from exc
        user = None
        engine: Engine | None = None
        server_lock: PgAdvisoryLock | None = None
        try:
            if path is not None:
                if not read_only:
                    secure_journal_files(path)
                refuse_if_damaged(path)  # before anything (WAL switch, migration) writes
                user = database_opened(path)
            engine = make_engine(url, read_only=read_only)
            if path is None and not read_only and engine.dialect.name == "postgresql":
                # The file lock only sees this machine; the server sees every terminal.
                server_lock = PgAdvisoryLock(engine, _safe(url)).acquire()
            if migrate and not read_only:
                upgrade(engine, database=path)
        except Exception as exc:
            database_closed(user)
            if server_lock is not None:
                server_lock.release()
            if engine is not None:
                engine.dispose()
            if lock is not None:
                lock.release()
            if isinstance(exc, (JournalError, JournalLockedError)):
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise JournalError(f"cannot open the journal {_safe(url)}: {first}") from exc
        journal = cls(engine, WriterThread(), lock, url)
        journal._user = user
        journal._server_lock = server_lock
        return journal

    @property
    def chart(self) -> Any:
        """Price alerts, their history and chart drawings (terminal.journal.alerts)."""
        from terminal.journal.alerts import ChartJournal

        return ChartJournal(self)

    @property
    def display_name(self) -> str:
        path = sqlite_path(self.url)
        return str(path) if path is not None else _safe(self.url)

    def close(self, timeout: float = 5.0) -> None:
        """Finish queued writes (bounded), dispose the engine, release the lock."""
        if self._conn is not None:
            try:
                self._writer.call(self._close_conn, timeout=timeout)
            except Exception:
                log.warning("closing the journal connection failed", exc_info=True)
        self._writer.close(timeout)
        try:
            self._engine.dispose()
        finally:
            user, self._user = self._user, None
            database_closed(user)
            server_lock, self._server_lock = self._server_lock, None
            if server_lock is not None:
                server_lock.release()
            if self._lock is not None:
                self._lock.release()

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn(connection)` in one committed transaction on the writer thread."""
        return await self._writer.run(self._tx, fn)

    def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Blocking `run` for synchronous callers (CLI, tests); never on the loop thread."""
        return self._writer.call(self._tx, fn)

    # ---- JournalPort -----------------------------------------------------------------
    async def record_intent(self, order: Order) -> None:
        row = order_row(order)
        details = {
            "request": {
                k: row[k]
                for k in (
                    "venue",
                    "mode",
                    "account",
                    "symbol",
                    "side",
                    "type",
                    "time_in_force",
                    "post_only",
                    "external",
                    "amount",
                    "price",
                    "trigger_price",
                    "trailing_percent",
                    "list_id",
                    "leg_role",
                    "held_by",
                )
            }
        }
        p = self._prepared
        order_args = p.insert_order.args(row)
        event_args = p.insert_event.args(
            self._event_row(row, "Intent", "local", details_json(details), None, row["created_ms"])
        )

        def work(cur: Any, p: stmt.PreparedSet) -> None:
            cur.execute(p.insert_order.sql, order_args)
            cur.execute(p.insert_event.sql, event_args)

        await self._writer.run_grouped(self._fast_group, work)

    async def record_event(
        self, order: Order, event: OrderEvent, payload: Mapping[str, Any] | None = None
    ) -> None:
        # Everything is serialised here, on the caller's side, when the call starts: the
        # row is the state this event produced even if the order changes meanwhile, and
        # the writer thread only runs the statements (the per-event path is measured by
        # tests/bench/bench_journal.py against raw sqlite3).
        row = order_row(order)
        p = self._prepared
        update_args = p.update_order.args(row)
        event_args = p.insert_event.args(
            self._event_row(
                row,
                type(event).__name__,
                event.source.value,
                event_details_json(event),
                payload_excerpt(payload),
                dt_to_ms(event.at),
            )
        )
        fill_row = None
        if isinstance(event, OrderFilled):
            fill_row = {
                "venue": row["venue"],
                "mode": row["mode"],
                "market": row["market"],
                "trade_id": str(event.trade_id),
                "client_order_id": row["client_order_id"],
                "venue_order_id": event.venue_order_id or row["venue_order_id"],
                "account": row["account"],
                "symbol": row["symbol"],
                "side": row["side"],
                "price": dec_text(event.price),
                "amount": dec_text(event.amount),
                "fee": dec_text(event.fee),
                "fee_currency": event.fee_currency,
                "is_maker": event.is_maker,
                "ts_ms": dt_to_ms(event.at),
            }

        def work(cur: Any, p: stmt.PreparedSet) -> None:
            cur.execute(p.update_order.sql, update_args)
            if cur.rowcount == 0:  # an order the journal has not seen (e.g. external)
                cur.execute(p.insert_order.sql, p.insert_order.args(row))
            cur.execute(p.insert_event.sql, event_args)
            if fill_row is not None:
                _upsert_fill(cur, p, fill_row)

        await self._writer.run_grouped(self._fast_group, work)

    async def record_fill(
        self,
        session: SessionKey,
        fill: FillReport,
        client_order_id: ClientOrderId | None = None,
    ) -> bool:
        """Store a fill of session `session` that no journal order has applied (e.g. of a
        closed external order). False if that venue+trade id is already stored."""
        fill_row: dict[str, Any] = {
            "venue": str(session.venue),
            "mode": session.mode.value,
            "market": session.market.value,
            "trade_id": str(fill.trade_id),
            "client_order_id": client_order_id or fill.client_order_id,
            "venue_order_id": fill.venue_order_id,
            "account": str(session.account),
            "symbol": str(fill.symbol),
            "side": fill.side.value if fill.side else None,
            "price": dec_text(fill.price),
            "amount": dec_text(fill.amount),
            "fee": dec_text(fill.fee),
            "fee_currency": fill.fee_currency,
            "is_maker": fill.is_maker,
            "ts_ms": fill.timestamp_ms or _now_ms(),
        }
        return await self._writer.run_grouped(
            self._fast_group, lambda cur, p: _upsert_fill(cur, p, fill_row)
        )

    async def record_safety_event(self, kind: str, details: Mapping[str, Any]) -> None:
        row = {
            "kind": kind,
            "details": json.dumps(jsonable(details), sort_keys=True),
            "at_ms": _now_ms(),
        }
        await self.run(lambda conn: conn.execute(insert(safety_events), row))

    async def latest_safety_event(self, kinds: Sequence[str]) -> tuple[str, dict, datetime] | None:
        def work(conn: Connection) -> tuple[str, dict, datetime] | None:
            hit = conn.execute(
                select(safety_events.c.kind, safety_events.c.details, safety_events.c.at_ms)
                .where(safety_events.c.kind.in_(list(kinds)))
                .order_by(safety_events.c.id.desc())
                .limit(1)
            ).first()
            if hit is None:
                return None
            return hit.kind, json.loads(hit.details), ms_to_dt(hit.at_ms)

        return await self.run(work)

    # ---- order lists and brackets (terminal.journal.lists) -------------------------------
    async def save_list(self, order_list: OrderList) -> None:
        from terminal.journal.lists import save_list

        await self.run(lambda conn: save_list(conn, order_list))

    async def order_lists(
        self,
        venue: VenueId | None = None,
        *,
        open_only: bool = False,
        list_id: str | None = None,
        session: SessionKey | None = None,
    ) -> list[OrderList]:
        from terminal.journal.lists import lists_of

        return await self.run(lambda conn: lists_of(conn, venue, open_only, list_id, session))

    async def list_legs(self, list_id: str) -> list[Order]:
        """The orders of one list or bracket, oldest first."""
        legs = await self.run(lambda conn: queries.order_history(conn, list_id=list_id))
        return legs[::-1]

    async def get_order(self, client_order_id: ClientOrderId) -> Order | None:
        return await self.run(lambda conn: queries.get_order(conn, client_order_id))

    async def open_orders(
        self,
        venue: VenueId | None = None,
        account: AccountLabel | None = None,
        *,
        session: SessionKey | None = None,
    ) -> list[Order]:
        """Orders not in a final status, of one venue/account or of exactly one session."""
        return await self.run(
            lambda conn: queries.order_history(
                conn, venue=venue, account=account, session=session, open_only=True
            )
        )

    async def last_fill_ms(self, venue: VenueId, symbol: Symbol) -> int | None:
        def work(conn: Connection) -> int | None:
            return conn.execute(
                select(func.max(fills.c.ts_ms)).where(
                    fills.c.venue == str(venue), fills.c.symbol == str(symbol)
                )
            ).scalar()

        return await self.run(work)

    async def find_by_venue_order_id(
        self, session: SessionKey, venue_order_id: VenueOrderId
    ) -> Order | None:
        """The newest order of the session's venue with that venue order id."""
        return await self.run(
            lambda conn: queries.find_by_venue_order_id(conn, session.venue, venue_order_id)
        )

    async def known_symbols(self, venue: VenueId, since_ms: int | None = None) -> list[Symbol]:
        """Symbols of the venue's orders created since `since_ms`, and of its fills."""
        return await self.run(lambda conn: queries.known_symbols(conn, venue, since_ms))

    # ---- queries (UI, CLI) -------------------------------------------------------------
    async def order_history(self, **filters: Any) -> list[Order]:
        """Orders, newest first; filters: session, venue, symbol, account, since_ms,
        until_ms, open_only, limit (see `queries.order_history`)."""
        return await self.run(lambda conn: queries.order_history(conn, **filters))

    async def fills(self, **filters: Any) -> list[FillRecord]:
        """Fills, oldest first; filters: session, venue, symbol, since_ms, until_ms,
        client_order_id."""
        return await self.run(lambda conn: queries.fill_history(conn, **filters))

    async def events(self, client_order_id: str) -> list[EventRecord]:
        return await self.run(lambda conn: queries.order_events_of(conn, client_order_id))

    async def safety_history(
        self, kinds: Sequence[str] | None = None, limit: int = 100
    ) -> list[SafetyRecord]:
        return await self.run(lambda conn: queries.safety_history(conn, kinds, limit))

    async def export_csv(
        self, orders_path: Path | None = None, fills_path: Path | None = None, **filters: Any
    ) -> tuple[int, int]:
        """Write orders and/or fills as CSV (off the loop); returns the row counts."""
        from terminal.journal.export import export_csv

        return await self.run(lambda conn: export_csv(conn, orders_path, fills_path, **filters))

    # ---- helpers -----------------------------------------------------------------------
    @staticmethod
    def _event_row(
        row: Mapping[str, Any],
        kind: str,
        source: str,
        details: str,
        payload: str | None,
        at_ms: int,
    ) -> dict[str, Any]:
        """An order_events row; `details` is already JSON text (see codec)."""
        return {
            "client_order_id": row["client_order_id"],
            "venue": row["venue"],
            "mode": row["mode"],
            "account": row["account"],
            "market": row["market"],
            "kind": kind,
            "source": source,
            "status_after": row["status"],
            "details": details,
            "payload": payload,
            "at_ms": at_ms,
            "recorded_ms": _now_ms(),
        }


def _upsert_fill(cur: Any, p: stmt.PreparedSet, fill_row: dict[str, Any]) -> bool:
    """Insert a fill unless venue+trade id exists (then only link it to its order).

    Select-then-insert is safe here: writes are serialised by BEGIN IMMEDIATE.
    """
    cur.execute(
        p.find_fill.sql,
        p.find_fill.args({"b_venue": fill_row["venue"], "b_trade_id": fill_row["trade_id"]}),
    )
    existing = cur.fetchone()
    if existing is None:
        cur.execute(p.insert_fill.sql, p.insert_fill.args(fill_row))
        return True
    fill_id, linked = existing[0], existing[1]
    if linked is None and fill_row["client_order_id"]:
        cur.execute(
            p.link_fill.sql,
            p.link_fill.args({"b_id": fill_id, "client_order_id": fill_row["client_order_id"]}),
        )
    return False


__all__ = [
    "FINAL_STATUSES",
    "JOURNAL_FILE",
    "JournalError",
    "SqlJournal",
    "default_journal_url",
    "journal_url_from",
    "lock_path_for",
    "sqlite_path",
]
