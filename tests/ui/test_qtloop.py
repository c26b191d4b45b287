"""The GUI's asyncio loop (terminal.ui.qtloop): closing it leaves no Qt timer behind.

qasync keeps one Qt timer per pending `call_soon`/`call_later` on a parentless QObject
and its `close()` left them registered. When Python's cyclic GC later freed the closed
loop on another thread (the journal writer, an executor worker), `~QObject` could not
unregister them and the GUI thread delivered the next one to freed memory: a segfault
in `QTimerInfoList::activateTimers` during a later test's event processing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import shiboken6
from PySide6.QtTest import QTest

from terminal.ui.qtloop import QtAsyncLoop


def test_close_deletes_the_timer_object_and_refuses_new_callbacks(qapp) -> None:  # type: ignore[no-untyped-def]
    loop = QtAsyncLoop(qapp)
    ran: list[str] = []
    loop.call_soon(ran.append, "soon")
    loop.call_later(30, ran.append, "later").cancel()  # cancelled: its Qt timer still runs
    loop.call_later(60, ran.append, "later")
    timer = loop._timer
    loop.close()
    assert not shiboken6.isValid(timer), "qasync's timer object outlived the closed loop"
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(ran.append, "after close")
    loop.close()  # idempotent
    QTest.qWait(20)
    assert ran == []


CRASH_SCENARIO = """
import gc, threading
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from terminal.ui.qtloop import QtAsyncLoop

app = QApplication([])
loop = QtAsyncLoop(app)
for delay in (0.0, 0.01, 0.05, 5.0):
    loop.call_later(delay, lambda: None)
loop.close()
cycle = [loop]
cycle.append(cycle)  # only the cyclic GC can free it, like the real loops' own cycles
del loop
gc.disable()  # the collection below, on a worker thread, is the one that frees it
worker = threading.Thread(target=gc.collect, name="gc-on-a-worker")
del cycle
worker.start()
worker.join()
gc.enable()
QTest.qWait(200)  # before the fix: timers delivered to a freed QObject -> SIGSEGV
print("survived")
"""


def test_a_closed_loop_freed_by_gc_on_another_thread_does_not_crash_the_gui_thread() -> None:
    # its own process: before the fix this segfaults, which must fail this test only
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", CRASH_SCENARIO],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 0 and "survived" in proc.stdout, proc.stderr[-2000:]
    assert "Timers cannot be stopped from another thread" not in proc.stderr
