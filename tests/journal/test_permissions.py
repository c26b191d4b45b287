"""The journal and its companion files are readable by their owner only: created so,
and narrowed at start when an older version left them wider, with one warning."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from terminal.journal import SqlJournal

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_journal_and_its_companions_are_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual default, which gives 0644 files
    try:
        journal = SqlJournal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
        try:
            journal.run_sync(
                lambda conn: conn.exec_driver_sql(
                    "INSERT INTO safety_events (kind, details, at_ms) VALUES ('t', '{}', 1)"
                )
            )
            for name in (
                "journal.sqlite",
                "journal.sqlite-wal",
                "journal.sqlite-shm",
                "journal.sqlite.lock",
            ):
                assert mode(tmp_path / name) == 0o600, name
        finally:
            journal.close()
    finally:
        os.umask(old_umask)


def test_existing_world_readable_journal_files_are_narrowed_once(tmp_path, caplog):
    path = tmp_path / "journal.sqlite"
    SqlJournal.open(f"sqlite:///{path}").close()
    for name in ("journal.sqlite", "journal.sqlite.lock"):
        os.chmod(tmp_path / name, 0o644)
    with caplog.at_level(logging.WARNING, logger="terminal.journal"):
        SqlJournal.open(f"sqlite:///{path}").close()
    warnings = [r.getMessage() for r in caplog.records if "readable by you only" in r.getMessage()]
    assert len(warnings) == 1
    assert "journal.sqlite (was 0644)" in warnings[0] and "journal.sqlite.lock" in warnings[0]
    assert mode(path) == 0o600 and mode(tmp_path / "journal.sqlite.lock") == 0o600
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="terminal.journal"):
        SqlJournal.open(f"sqlite:///{path}").close()
    assert not [r for r in caplog.records if "readable by you only" in r.getMessage()]
