"""Engine set-up: SQLite pragmas and `BEGIN IMMEDIATE` writes; PostgreSQL through psycopg 3.

Field notes: with deferred BEGIN, read-then-insert writers fail with "database is
locked" 50-60% of the time even with a busy timeout; `BEGIN IMMEDIATE` takes the write
lock up front and waits on the busy timeout instead. pysqlite's own transaction handling
is switched off (isolation_level=None); the journal sends BEGIN IMMEDIATE itself at the
start of each transaction (`begin_statement`), and migrations do the same (env.py).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from terminal.journal.errors import JournalError

BUSY_TIMEOUT_MS = 5000
PG_EXTRA_HINT = "pip install 'trading-terminal[postgresql]'"


def engine_url(url: str) -> str:
    """`url` as the engine is built from it: a PostgreSQL URL without a driver
    (`postgresql://`, `postgres://`) goes through psycopg 3; other PostgreSQL drivers
    and other databases are refused (only SQLite and PostgreSQL are tested)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise JournalError(
            "the journal URL is not a database URL (sqlite:/// or postgresql://)"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite":
        return url
    if backend in ("postgresql", "postgres"):
        if driver and driver != "psycopg":
            raise JournalError(
                f"the PostgreSQL journal uses psycopg 3, not {driver}: "
                "write postgresql://user@host/database"
            )
        if importlib.util.find_spec("psycopg") is None:
            raise JournalError(f"a PostgreSQL journal needs psycopg 3: {PG_EXTRA_HINT}")
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise JournalError(
        f"the journal can be SQLite (a file, sqlite:///) or PostgreSQL (postgresql://), "
        f"not {backend}"
    )


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, synchronous=FULL and a busy timeout;
    PostgreSQL gets synchronous_commit=on on every connection (a commit is on disk)."""
    url = engine_url(url)
    if not url.startswith("sqlite"):
        return create_engine(
            url,
            pool_pre_ping=True,
            # synchronous_commit=on whatever the server's default: a commit returns only
            # once it is on the server's disk (the write-ahead guarantee)
            connect_args={
                "connect_timeout": BUSY_TIMEOUT_MS // 1000,
                "options": "-c synchronous_commit=on",
            },
            execution_options={"postgresql_readonly": True} if read_only else {},
        )
    engine = create_engine(
        url,
        future=True,
        poolclass=NullPool if read_only else None,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    engine.info_begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        try:
            if not read_only:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    return engine


def begin_statement(engine: Engine) -> str | None:
    """What the journal sends to open a transaction: SQLite's BEGIN IMMEDIATE (the
    driver's own transaction handling is off, see `make_engine`); None elsewhere (the
    engine begins normally). Not an engine "begin" event: any Connection event makes
    SQLAlchemy dispatch on every execute, which costs more than the insert."""
    return getattr(engine, "info_begin", None)
