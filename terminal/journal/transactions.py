"""The writer thread's transactions: SQLAlchemy-level ones, the hot path's on the DBAPI
cursor, and group commit of the hot path (see writer.py).

A mixin of `SqlJournal` (store.py): the state it uses is the journal's own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from terminal.core.storage import JournalWriteFailed
from terminal.journal import statements as stmt
from terminal.journal.diskerrors import storage_reason
from terminal.journal.lock import JournalLockedError
from terminal.journal.pglock import PgAdvisoryLock
from terminal.journal.urls import sqlite_path
from terminal.journal.writer import Outcome

log = logging.getLogger("terminal.journal.store")
T = TypeVar("T")
HotWork = Callable[[Any, stmt.PreparedSet], Any]


class WriterTransactions:
    """Runs on the writer thread only."""

    url: str
    _engine: Engine
    _conn: Connection | None
    _raw: tuple[Connection, Any, Any] | None
    _begin_sql: str | None
    _prepared: stmt.PreparedSet
    _server_lock: PgAdvisoryLock | None

    def _check_server_lock(self) -> None:
        """PostgreSQL: the advisory lock still held (pglock.py), else the write is refused
        as a failed journal write, with the reason."""
        lock = self._server_lock
        if lock is None:
            return
        try:
            lock.verify()
        except JournalLockedError as exc:
            log.warning("journal lock lost: %s", exc)
            raise JournalWriteFailed(
                "the journal's lock on the database was lost and another terminal holds it now"
            ) from exc
        except Exception as exc:
            reason = storage_reason(exc, None) or "the journal's lock on the database was lost"
            raise JournalWriteFailed(reason) from exc

    def _close_conn(self) -> None:
        """On the writer thread: drop the kept cursor, then return the connection."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw[2].close()
        if self._conn is not None:
            self._conn.close()

    def _tx(self, fn: Callable[[Connection], T]) -> T:
        """One transaction on the writer thread's own connection (kept open: a pool
        checkout per event costs more than the insert). On SQLite the transaction is
        opened with BEGIN IMMEDIATE (BEGIN when read-only) by hand, see engine.py."""
        self._check_server_lock()
        conn = self._conn
        if conn is None or conn.closed:
            conn = self._conn = self._engine.connect()
        try:
            with conn.begin():
                if self._begin_sql:
                    conn.exec_driver_sql(self._begin_sql)
                return fn(conn)
        except Exception as exc:
            if conn.invalidated:
                self._conn = None
            failed = self._storage_failure(exc)
            if failed is not None:
                raise failed from exc
            raise

    def _fast(self, fn: Callable[[Any, stmt.PreparedSet], T]) -> T:
        """One transaction on the DBAPI cursor of the writer's connection, running the
        prepared hot-path statements (see statements.Prepared for why).

        The DBAPI connection and one cursor on it are kept between events (looking them
        up through SQLAlchemy's connection proxy and opening a cursor per event cost a
        few microseconds each); they are dropped with the connection, after any error
        and whenever `_tx` has replaced the connection.
        """
        self._check_server_lock()
        raw = self._raw
        if raw is None or raw[0] is not self._conn or raw[0].closed:
            raw = self._raw = self._open_raw()
        conn, driver, cursor = raw
        if conn.in_transaction():  # never interleave with an SQLAlchemy-level one
            conn.commit()
        try:
            if self._begin_sql:
                cursor.execute(self._begin_sql)
            result = fn(cursor, self._prepared)
            driver.commit()
            return result
        except BaseException as exc:
            self._raw = None
            with contextlib.suppress(Exception):
                cursor.close()
            try:
                driver.rollback()
            except Exception as rollback_exc:
                log.warning("journal rollback failed: %s", rollback_exc)
                self._conn = None
            failed = self._storage_failure(exc)
            if failed is not None:
                raise failed from exc
            raise

    def _storage_failure(self, exc: BaseException) -> JournalWriteFailed | None:
        """`exc` as JournalWriteFailed when the disk is to blame (full, read-only, I/O)."""
        if not isinstance(exc, Exception) or isinstance(exc, JournalWriteFailed):
            return None
        path = sqlite_path(self.url)
        reason = storage_reason(exc, path.parent if path is not None else None)
        if reason is None:
            return None
        log.info("journal write failed: %s (%s)", reason, exc)
        return JournalWriteFailed(reason)

    def _open_raw(self) -> tuple[Connection, Any, Any]:
        conn = self._conn
        if conn is None or conn.closed:
            conn = self._conn = self._engine.connect()
        driver = conn.connection.driver_connection
        assert driver is not None  # a live connection always has its DBAPI connection
        return conn, driver, driver.cursor()

    def _fast_group(self, works: list[HotWork]) -> list[Outcome]:
        """The hot-path writes queued together (writer.run_grouped), in ONE transaction:
        one commit, one fsync, for all of them. If one of them fails, the transaction is
        rolled back and each is run again alone, so the others are kept and only the
        failing one gets its error; a failed commit (disk full...) fails them all."""
        if len(works) == 1:
            return [self._alone(works[0])]

        def all_of(cur: Any, p: stmt.PreparedSet) -> list[Any]:
            return [work(cur, p) for work in works]

        try:
            return [(result, None) for result in self._fast(all_of)]
        except JournalWriteFailed as exc:
            return [(None, exc)] * len(works)
        except Exception:
            return [self._alone(work) for work in works]

    def _alone(self, work: HotWork) -> Outcome:
        try:
            return self._fast(work), None
        except Exception as exc:
            return None, exc
