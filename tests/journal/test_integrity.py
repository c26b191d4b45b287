"""SQLite's integrity checks on the journal file: a damaged file is refused before
anything writes to it, and a schema migration keeps a backup first."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat

import pytest

from terminal.journal import JournalError, SqlJournal
from terminal.journal.engine import make_engine
from terminal.journal.integrity import JournalDamaged, full_check, quick_check
from terminal.journal.migrate import current_revision, head_revision, upgrade


def filled_journal(path, rows: int = 200):
    journal = SqlJournal.open(f"sqlite:///{path}")
    try:
        for i in range(rows):
            journal.run_sync(
                lambda conn, i=i: conn.exec_driver_sql(
                    "INSERT INTO safety_events (kind, details, at_ms) VALUES (?, ?, ?)",
                    (f"k{i}", '{"x": "' + "y" * 100 + '"}', i),
                )
            )
    finally:
        journal.close()
    return path


def damage_page(path, page: int) -> None:
    """Overwrite one whole b-tree page (1-based) with a nonsense page header and cells."""
    with open(path, "r+b") as fh:
        size = int.from_bytes(fh.read(18)[16:18], "big")
        fh.seek(size * (page - 1))
        fh.write(bytes([0x0D]) + b"\x00\x07" * ((size - 2) // 2) + b"\x00")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sound_journal_passes_both_checks(tmp_path):
    path = filled_journal(tmp_path / "journal.sqlite")
    assert quick_check(path) == [] and full_check(path) == []
    assert quick_check(tmp_path / "missing.sqlite") == []


@pytest.mark.parametrize("damage", ["page", "header", "truncated"])
def test_a_damaged_journal_is_refused_and_left_untouched(tmp_path, damage):
    path = filled_journal(tmp_path / "journal.sqlite")
    if damage == "page":
        damage_page(path, 3)
    elif damage == "header":
        with open(path, "r+b") as fh:
            fh.write(b"not a database, really" * 2)
    else:
        os.truncate(path, os.path.getsize(path) // 2)
    before = digest(path)
    for read_only in (False, True):
        with pytest.raises(JournalDamaged) as info:
            SqlJournal.open(f"sqlite:///{path}", read_only=read_only)
        text = str(info.value)
        assert f"the journal {path} is damaged (SQLite quick_check: " in text
        assert "left untouched" in text and "move it aside" in text and "\n" not in text
    assert digest(path) == before
    assert full_check(path)
    assert not list(tmp_path.glob("*.bak"))


def test_the_lock_is_released_when_the_journal_is_refused(tmp_path):
    path = filled_journal(tmp_path / "journal.sqlite")
    damage_page(path, 3)
    with pytest.raises(JournalDamaged):
        SqlJournal.open(f"sqlite:///{path}")
    os.replace(path, tmp_path / "journal.sqlite.damaged")  # what the message advises
    for companion in ("-wal", "-shm"):
        (tmp_path / f"journal.sqlite{companion}").unlink(missing_ok=True)
    SqlJournal.open(f"sqlite:///{path}").close()  # a new journal, same lock: not held


def test_a_migration_keeps_a_backup_first_and_only_when_it_migrates(tmp_path):
    path = tmp_path / "journal.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO safety_events (kind, details, at_ms) VALUES ('before-migration', '{}', 1)"
        )
    engine.dispose()
    SqlJournal.open(f"sqlite:///{path}").close()  # migrates 0001 -> head
    backups = sorted(tmp_path.glob("journal.sqlite.pre-0001-*.bak"))
    assert len(backups) == 1
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    copy = sqlite3.connect(backups[0])
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert copy.execute("SELECT kind FROM safety_events").fetchall() == [("before-migration",)]
    finally:
        copy.close()
    check = make_engine(f"sqlite:///{path}")
    assert current_revision(check) == head_revision()
    check.dispose()
    SqlJournal.open(f"sqlite:///{path}").close()  # at head: no second backup
    assert sorted(tmp_path.glob("*.bak")) == backups


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory holding a journal that this process cannot write: mode bits for a
    normal user; for root (which ignores them) a tmpfs remounted read-only."""
    target = tmp_path / "ro"
    target.mkdir()
    if os.geteuid() != 0:
        filled_journal(target / "journal.sqlite", 5)
        os.chmod(target, 0o500)
        yield target
        os.chmod(target, 0o700)
        return
    import subprocess

    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(target)],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    ):
        pytest.skip("root without the right to mount a tmpfs: no read-only disk here")
    try:
        filled_journal(target / "journal.sqlite", 5)
        subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def test_a_journal_on_a_read_only_disk_is_one_clear_error(read_only_dir):
    """A journal it cannot write is a JournalError naming the reason, not an OSError
    traceback, and never taken for a damaged one."""
    path = read_only_dir / "journal.sqlite"
    with pytest.raises(
        JournalError,
        match=r"cannot open the journal .* for writing: "
        r"(Read-only file system|Permission denied)",
    ):
        SqlJournal.open(f"sqlite:///{path}")
    try:  # a reader may or may not manage (SQLite needs the -shm file), but never
        SqlJournal.open(f"sqlite:///{path}", read_only=True).close()  # calls it damaged
    except JournalError as exc:
        assert not isinstance(exc, JournalDamaged) and "cannot read the journal" in str(exc)
