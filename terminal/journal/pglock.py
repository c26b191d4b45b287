"""One writer per PostgreSQL journal: a session-level advisory lock.

The file lock (lock.py) cannot see a terminal on another machine using the same
database, so a PostgreSQL journal is also held with `pg_try_advisory_lock` on a
connection of its own, kept open for as long as the journal is. PostgreSQL releases
the lock when that session ends, so a crashed terminal (even kill -9, or a machine that
vanished, once the server notices the dead connection) never leaves a stale lock.
Advisory locks are per database: two journals in two databases of one server do not
meet. The holding session names its terminal (`application_name`), which the refusal
quotes.

A lock that dies while the journal is open (the server restarted, an administrator
ended the session, the network dropped it) is noticed before the next transaction:
`verify()` polls the lock connection's socket (no round trip while nothing arrived),
and when the server has said something there, checks the session and takes the lock
again. If another terminal took it meanwhile, the write is refused: two writers must
never both believe they own the journal.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from typing import Any

from sqlalchemy.engine import Engine

from terminal.journal.lock import JournalLockedError

# pg_try_advisory_lock(int4, int4): ('t' << 8 | 't', 1) = this program's journal lock.
LOCK_CLASS = 0x7474
LOCK_OBJECT = 1
APP_PREFIX = "trading-terminal journal"

_HOLDER = """
SELECT a.application_name, a.client_addr, a.pid
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s
  AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
"""


class PgAdvisoryLock:
    """Held from `acquire()` to `release()` on a dedicated autocommit connection."""

    def __init__(self, engine: Engine, where: str) -> None:
        self._engine = engine
        self._where = where  # the URL without password, for the refusal
        self._conn: Any = None  # DBAPI connection (psycopg), outside the pool

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> PgAdvisoryLock:
        if self._conn is not None:
            return self
        dialect = self._engine.dialect
        cargs, cparams = dialect.create_connect_args(self._engine.url)
        conn = dialect.connect(*cargs, **cparams)  # outside the pool: never handed out
        try:
            conn.autocommit = True
            me = f"{APP_PREFIX} pid {os.getpid()} on {socket.gethostname()}"[:63]
            conn.execute("SELECT set_config('application_name', %s, false)", (me,))
            got = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECT)
            ).fetchone()
            if not got or not got[0]:
                raise self._refused(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def _refused(self, conn: Any) -> JournalLockedError:
        row = conn.execute(_HOLDER, (LOCK_CLASS, LOCK_OBJECT)).fetchone()
        holder = ""
        if row is not None:
            name, addr, pid = row
            if name and str(name).startswith(APP_PREFIX):
                holder = f" ({str(name)[len(APP_PREFIX) :].strip()})"
            else:
                holder = f" (database session {pid}{f' from {addr}' if addr else ''})"
        return JournalLockedError(
            f"the journal is in use by another trading-terminal process{holder}: "
            f"{self._where}. Close the other instance, or use another --journal."
        )

    def verify(self) -> None:
        """Before a transaction: the lock is still held, or taken again; raises
        JournalLockedError when another terminal holds it now, or the driver's error
        when the server cannot be reached."""
        conn = self._conn
        if conn is None:
            return
        try:
            ready, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):  # the connection is closed: its socket is gone
            ready = [True]
        if not ready and not conn.closed:
            return  # nothing from the server: the session, and its lock, are as they were
        try:
            conn.execute("SELECT 1")
            return  # a notice, not the end of the session
        except Exception:
            pass
        self._conn = None
        with contextlib.suppress(Exception):
            conn.close()
        self.acquire()

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, LOCK_OBJECT))
        except Exception:
            pass  # closing the session below drops the lock anyway
        finally:
            conn.close()
