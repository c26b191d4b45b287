"""One writer per journal: a second opener is refused with a clear message."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from terminal.journal import JournalLockedError, SqlJournal


def test_second_open_in_process_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    first = SqlJournal.open(url)
    try:
        with pytest.raises(JournalLockedError, match="in use by another trading-terminal"):
            SqlJournal.open(url)
        reader = SqlJournal.open(url, read_only=True)  # readers need no lock
        reader.close()
    finally:
        first.close()
    SqlJournal.open(url).close()  # released on close


def test_second_process_is_refused_and_lock_dies_with_the_holder(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from terminal.journal import SqlJournal; "
            f"j=SqlJournal.open({url!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(JournalLockedError, match=rf"pid {holder.pid}"):
            SqlJournal.open(url)
    finally:
        holder.kill()  # SIGKILL: the OS drops the lock
        holder.wait(10)
    SqlJournal.open(url).close()


HOLDER = (
    "import sys,time; from terminal.journal import SqlJournal; "
    "j=SqlJournal.open(sys.argv[1]); print('ready', flush=True); time.sleep(60)"
)


def _hold(url):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock on the file: Linux")
def test_the_same_database_through_a_hard_link_or_another_path_is_refused(tmp_path):
    """The lock is on the database file, not on its name: a hard link in another
    directory, a symlinked directory and a `..` spelling all meet the running holder."""
    first = tmp_path / "a" / "journal.sqlite"
    first.parent.mkdir()
    SqlJournal.open(f"sqlite:///{first}").close()  # create it
    (tmp_path / "b").mkdir()
    linked = tmp_path / "b" / "other-name.sqlite"
    os.link(first, linked)
    (tmp_path / "via").symlink_to(tmp_path / "a")
    holder = _hold(f"sqlite:///{first}")
    try:
        for path in (
            linked,
            tmp_path / "via" / "journal.sqlite",
            tmp_path / "b" / ".." / "a" / "journal.sqlite",
        ):
            with pytest.raises(JournalLockedError, match=rf"pid {holder.pid}"):
                SqlJournal.open(f"sqlite:///{path}")
        reader = SqlJournal.open(f"sqlite:///{first}", read_only=True)  # readers: no lock
        reader.close()
    finally:
        holder.kill()
        holder.wait(10)
    SqlJournal.open(f"sqlite:///{linked}").close()  # free once the holder is gone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock on the file: Linux")
def test_hard_link_in_the_same_process_is_refused_and_readers_keep_working(tmp_path):
    """A refused attempt must not disturb SQLite's own locks of this process's open
    connections on that file (closing any descriptor of it would drop them)."""
    path, linked = tmp_path / "journal.sqlite", tmp_path / "link.sqlite"
    first = SqlJournal.open(f"sqlite:///{path}")
    try:
        os.link(path, linked)
        reader = SqlJournal.open(f"sqlite:///{path}", read_only=True)
        try:
            with pytest.raises(JournalLockedError, match=rf"pid {os.getpid()}"):
                SqlJournal.open(f"sqlite:///{linked}")
            first.run_sync(
                lambda conn: conn.exec_driver_sql(
                    "INSERT INTO safety_events (kind, details, at_ms) VALUES ('t', '{}', 1)"
                )
            )
            count = reader.run_sync(
                lambda conn: conn.exec_driver_sql("SELECT count(*) FROM safety_events").scalar()
            )
            assert count == 1
        finally:
            reader.close()
    finally:
        first.close()
    again = SqlJournal.open(f"sqlite:///{linked}")  # released on close
    again.close()


# ---- PostgreSQL: the server's advisory lock -------------------------------------------
# Each terminal below has its own lock file (another --data-dir, or another machine), so
# only the lock held on the server can meet them.


def test_postgresql_second_terminal_is_refused_by_the_server(pg_url, tmp_path):
    first = SqlJournal.open(pg_url, lock_path=tmp_path / "a" / "journal.lock")
    try:
        with pytest.raises(JournalLockedError) as refused:
            SqlJournal.open(pg_url, lock_path=tmp_path / "b" / "journal.lock")
        message = str(refused.value)
        assert "\n" not in message
        assert f"in use by another trading-terminal process (pid {os.getpid()} on " in message
        assert pg_url.split("://")[1].split("@")[1] in message  # which database
        reader = SqlJournal.open(pg_url, read_only=True)  # readers need no lock
        assert asyncio.run(reader.open_orders()) == []
        reader.close()
    finally:
        first.close()
    SqlJournal.open(pg_url, lock_path=tmp_path / "b" / "journal.lock").close()  # released


def test_postgresql_lock_dies_with_the_holder(pg_url, tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from pathlib import Path; from terminal.journal import SqlJournal; "
            "j=SqlJournal.open(sys.argv[1], lock_path=Path(sys.argv[2])); "
            "print('ready', flush=True); time.sleep(60)",
            pg_url,
            str(tmp_path / "holder.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(JournalLockedError, match=rf"\(pid {holder.pid} on "):
            SqlJournal.open(pg_url, lock_path=tmp_path / "me.lock")
    finally:
        holder.kill()  # SIGKILL: the server ends its session, and the lock with it
        holder.wait(10)
    deadline = time.monotonic() + 30
    while True:
        try:
            SqlJournal.open(pg_url, lock_path=tmp_path / "me.lock").close()
            break
        except JournalLockedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_postgresql_journals_in_two_databases_do_not_meet(pg_server, tmp_path):
    a = pg_server.create_database("lock_a")
    b = pg_server.create_database("lock_b")
    try:
        first = SqlJournal.open(a, lock_path=tmp_path / "a.lock")
        try:
            SqlJournal.open(b, lock_path=tmp_path / "b.lock").close()
        finally:
            first.close()
    finally:
        pg_server.drop_database("lock_a")
        pg_server.drop_database("lock_b")


def _end_lock_session(pg_server, database: str) -> int:
    """As an administrator: end the session holding the journal's advisory lock."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=pg_server.port, user="terminal", dbname="postgres", autocommit=True
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name LIKE 'trading-terminal journal%%'",
            (database,),
        ).fetchall()
    return len(rows)


def test_postgresql_lock_lost_and_taken_by_another_refuses_the_next_write(
    pg_server, pg_url, tmp_path
):
    from terminal.core.storage import JournalWriteFailed
    from tests.journal.test_journal_store import new_order

    first = SqlJournal.open(pg_url, lock_path=tmp_path / "a.lock")
    try:
        asyncio.run(first.record_intent(new_order()))
        assert _end_lock_session(pg_server, pg_url.rsplit("/", 1)[1]) == 1
        second = SqlJournal.open(pg_url, lock_path=tmp_path / "b.lock")  # the lock is free
        try:
            with pytest.raises(JournalWriteFailed, match="another terminal holds it now"):
                asyncio.run(first.record_intent(new_order()))
            asyncio.run(second.record_intent(new_order()))  # the holder now writes
        finally:
            second.close()
    finally:
        first.close()


def test_postgresql_lock_lost_and_free_is_taken_again(pg_server, pg_url, tmp_path):
    from tests.journal.test_journal_store import new_order

    first = SqlJournal.open(pg_url, lock_path=tmp_path / "a.lock")
    try:
        assert _end_lock_session(pg_server, pg_url.rsplit("/", 1)[1]) == 1
        time.sleep(0.2)  # the server's goodbye reaches the lock connection's socket
        asyncio.run(first.record_intent(new_order()))  # lock taken again, write kept
        with pytest.raises(JournalLockedError):
            SqlJournal.open(pg_url, lock_path=tmp_path / "b.lock")
        assert len(asyncio.run(first.open_orders())) == 1
    finally:
        first.close()
