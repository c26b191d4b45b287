"""The window lock: one window per data folder, held by the OS for the process's life."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from terminal.control.instance import Running, WindowLock, holder_alive

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from pathlib import Path
from terminal.control.instance import WindowLock
lock = WindowLock(Path(sys.argv[1]))
assert lock.acquire()
lock.announce(Path(sys.argv[1]) / "journal.sqlite.control")
print("held", flush=True)
time.sleep(120)
"""


def test_a_second_process_cannot_take_it_and_reads_who_holds_it(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        lock = WindowLock(tmp_path)
        before = (tmp_path / "window.lock").read_bytes()
        assert not lock.acquire() and not lock.held
        assert (tmp_path / "window.lock").read_bytes() == before  # nothing written
        assert lock.holder() == {
            "pid": proc.pid,
            "advert": str(tmp_path / "journal.sqlite.control"),
        }
        assert holder_alive(proc.pid)
        proc.send_signal(signal.SIGKILL)  # a crash leaves no stale lock behind
        proc.wait(10)
        deadline = time.monotonic() + 10
        while not lock.acquire():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert json.loads((tmp_path / "window.lock").read_text()) == {"pid": os.getpid()}
        assert not holder_alive(proc.pid)
        lock.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_the_messages_say_what_happened() -> None:
    assert Running(12, True).message() == (
        "Trading Terminal is already running (pid 12): its window was brought to the front."
    )
    assert "command (pid 12) is using this journal" in Running(12, False, headless=True).message()
    text = Running(12, False, why="no answer within 5 s").message()
    assert "already running on this data folder (pid 12)" in text and "no answer" in text


def test_a_first_window_creates_the_data_folder_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "app" / "data"
    lock = WindowLock(data)
    assert lock.acquire()
    try:
        if os.name == "posix":
            assert stat.S_IMODE(data.stat().st_mode) == 0o700
            assert stat.S_IMODE((data / "window.lock").stat().st_mode) == 0o600
    finally:
        lock.release()
