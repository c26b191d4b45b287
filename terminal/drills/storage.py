"""Storage drill: the journal's storage failing in real processes; each time a clear
one-line refusal, and no acknowledged write lost.

Every case runs `terminal.drills.storage_worker` (a real process with the journal) and
checks from outside what it said and what the journal holds afterwards:

- two instances on one journal (SQLite; and PostgreSQL on a throwaway loopback server
  when psycopg and the server are installed): a holder writes intents and keeps the
  journal; a second process on it is refused, naming the holder; once the holder is
  killed (SIGKILL) every intent it acknowledged is there;
- full disk: intents written one after another until the disk takes no more (a small
  tmpfs when root, else the process's file-size limit); the failure must say "disk full"
  and every intent acknowledged before it must be in the journal afterwards;
- read-only disk (root: the tmpfs remounted read-only): opening for writing is refused
  in one line, and the journal holds all its intents once the disk is writable again;
- corrupted file: one page overwritten; opening is refused in one line saying it is
  damaged, and the file is byte for byte what it was (nothing written to it).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from terminal.drills.result import DrillResult

HELD = 20  # intents the holder (or the first writer) acknowledges


def _worker(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "terminal.drills.storage_worker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if not lines:
        return {"acked": [], "error": f"worker died: {proc.stderr.strip()[-300:]}"}
    return dict(json.loads(lines[-1]))


def _one_line(error: str, *words: str) -> int:
    """1 when `error` is one line that says every one of `words` (any case)."""
    said = error.lower()
    return int(bool(error) and "\n" not in error and all(w.lower() in said for w in words))


def _stored(url: str, coids: list[str]) -> int:
    """How many of `coids` the journal holds (read through the journal itself)."""
    from terminal.journal import SqlJournal

    journal = SqlJournal.open(url, read_only=True)
    try:
        have = journal.run_sync(
            lambda conn: {r[0] for r in conn.exec_driver_sql("SELECT client_order_id FROM orders")}
        )
    finally:
        journal.close()
    return sum(1 for c in coids if c in have)


def _two_instances(result: DrillResult, label: str, url: str, tmp: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-m", "terminal.drills.storage_worker", "hold", url,
         str(tmp / "holder.lock"), str(HELD)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        held = json.loads(holder.stdout.readline() if holder.stdout else "{}")
        # another lock file: another data directory, or another machine
        second = _worker("open", url, str(tmp / "second.lock"))
    finally:
        holder.kill()
        holder.wait(30)
    result.add(
        f"{label}: second instance refused in one line, naming the holder",
        _one_line(second["error"], "in use by another trading-terminal process", str(holder.pid)),
        must_be=1,
    )
    result.add(f"{label}: second instance wrote", len(second["acked"]), must_be=0)
    acked = held.get("acked", [])
    deadline = time.monotonic() + 30
    lost = len(acked)
    while time.monotonic() < deadline:  # the server may take a moment to end the session
        try:
            lost = len(acked) - _stored(url, acked)
            break
        except Exception:
            time.sleep(0.5)
    result.add(f"{label}: acknowledged intents lost", lost, must_be=0)
    result.add(f"{label}: intents acknowledged before", len(acked), at_least=HELD)


def _mount(where: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _full_disk(result: DrillResult, tmp: Path, quick: bool) -> str:
    disk = tmp / "full"
    mounted = _mount(disk, "1m" if quick else "4m")
    disk.mkdir(exist_ok=True)
    url = f"sqlite:///{disk / 'journal.sqlite'}"
    env = {} if mounted else {"FSIZE": str(256 * 1024 if quick else 1024 * 1024)}
    try:
        filled = _worker("fill", url, str(tmp / "full.lock"), "100000", env=env, timeout=600)
        result.add(
            "full disk: the failing write says disk full, in one line",
            _one_line(filled["error"], "disk full"),
            must_be=1,
        )
        acked = filled["acked"]
        result.add("full disk: intents written before it was full", len(acked), at_least=1)
        result.add(
            "full disk: acknowledged intents lost", len(acked) - _stored(url, acked), must_be=0
        )
    finally:
        if mounted:
            _umount(disk)
    return "a 1-4 MB tmpfs" if mounted else "the file-size limit (not root: no tmpfs)"


def _read_only_disk(result: DrillResult, tmp: Path) -> bool:
    disk = tmp / "ro"
    if not _mount(disk, "8m"):
        return False
    url = f"sqlite:///{disk / 'journal.sqlite'}"
    try:
        first = _worker("fill", url, str(disk / "journal.sqlite.lock"), str(HELD))
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)
        second = _worker("open", url, str(disk / "journal.sqlite.lock"))
        result.add(
            "read-only disk: refused in one line with the reason",
            _one_line(second["error"], "read-only"),
            must_be=1,
        )
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True, capture_output=True)
        acked = first["acked"]
        result.add(
            "read-only disk: acknowledged intents lost",
            len(acked) - _stored(url, acked) if len(acked) == HELD else HELD,
            must_be=0,
        )
    finally:
        _umount(disk)
    return True


def _corrupted(result: DrillResult, tmp: Path) -> None:
    path = tmp / "damaged" / "journal.sqlite"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    _worker("fill", url, str(tmp / "damaged.lock"), str(HELD))
    with sqlite3.connect(path) as conn:  # the orders table's root page, overwritten
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'orders'").fetchone()
    with open(path, "r+b") as fh:
        size = int.from_bytes(fh.read(18)[16:18], "big")
        fh.seek(size * (int(page[0]) - 1))
        fh.write(bytes([0x0D]) + b"\x00\x07" * ((size - 2) // 2) + b"\x00")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    opened = _worker("open", url, str(tmp / "damaged.lock"))
    result.add(
        "corrupted file: refused in one line saying it is damaged",
        _one_line(opened["error"], "damaged"),
        must_be=1,
    )
    result.add(
        "corrupted file: bytes changed by the refused start",
        int(hashlib.sha256(path.read_bytes()).hexdigest() != before),
        must_be=0,
    )


def _postgresql_url(stack: list[Any]) -> str | None:
    import importlib.util

    from terminal.journal.scratch_pg import ScratchPostgres, server_bindir

    if importlib.util.find_spec("psycopg") is None or server_bindir() is None:
        return None
    server = ScratchPostgres(durable=True).start()
    stack.append(server)
    return server.create_database("drill")


def run(quick: bool) -> DrillResult:
    result = DrillResult("storage")
    notes = []
    stack: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="drill-storage-") as name:
        tmp = Path(name)
        try:
            (tmp / "a").mkdir()
            _two_instances(result, "two instances, SQLite", f"sqlite:///{tmp / 'a' / 'j.sqlite'}",
                           tmp / "a")  # fmt: skip
            pg = _postgresql_url(stack)
            if pg is not None:
                (tmp / "pg").mkdir()
                _two_instances(result, "two instances, PostgreSQL", pg, tmp / "pg")
            else:
                notes.append("PostgreSQL not installed: its two-instance case did not run")
            notes.append(f"full disk is {_full_disk(result, tmp, quick)}")
            if not _read_only_disk(result, tmp):
                notes.append("read-only disk did not run (needs root to mount a tmpfs)")
            _corrupted(result, tmp)
        finally:
            for server in stack:
                server.stop()
    result.notes = "; ".join(notes)
    return result
