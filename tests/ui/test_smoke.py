"""The main window opens on a qasync loop and the app closes cleanly, in time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import qasync
from PySide6.QtGui import QImage

from terminal import crash
from terminal.app import DaemonExecutor, shutdown_loop
from terminal.ui.main_window import MainWindow

GUI_TIMEOUT = 60


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))


def test_window_opens_on_qasync_loop_and_closes(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    executor = DaemonExecutor(max_workers=2)
    loop.set_default_executor(executor)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # Only what any version of the window keeps: the UI layer owns its contents.
    assert "Trading Terminal" in window.windowTitle()
    assert window.docks

    async def scenario() -> tuple[int, str]:
        await asyncio.sleep(0.02)
        value = await loop.run_in_executor(None, lambda: 41 + 1)
        thread_name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
        return value, thread_name

    try:
        value, thread_name = loop.run_until_complete(scenario())
    finally:
        window.close()
        started = time.monotonic()
        shutdown_loop(loop, executor, timeout=2.0)
        took = time.monotonic() - started
    assert (value, thread_name.startswith("terminal-exec")) == (42, True)
    assert not window.isVisible()
    assert loop.is_closed() and took < 3.0


def test_crash_notice_from_a_worker_thread_reaches_the_status_bar(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    remove = crash.add_notice_callback(lambda r: window.notice_requested.emit(r.summary))
    try:
        worker = threading.Thread(
            target=crash.report_exception,
            args=(ValueError("feed broke"),),
            kwargs={"source": "test"},
        )
        worker.start()
        worker.join(5)
        qtbot.waitUntil(lambda: "feed broke" in window.statusBar().currentMessage(), timeout=3000)
    finally:
        remove()


def _non_blank(path: Path) -> bool:
    image = QImage(str(path))
    if image.isNull() or image.width() < 200 or image.height() < 200:
        return False
    step = 7
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }
    return len(colours) > 3


def test_screenshot_writes_a_non_blank_png(tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    shot = tmp_path / "shots" / "main.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(tmp_path / "d"),
            "--screenshot",
            str(shot),
            "--exit-after",
            "0.3",
        ],
        capture_output=True,
        text=True,
        timeout=GUI_TIMEOUT,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _non_blank(shot)
    log = (tmp_path / "d" / "logs" / "terminal.log").read_text(encoding="utf-8")
    assert "GUI started" in log and "GUI stopped" in log


def test_gui_exits_in_bounded_time_despite_stuck_work(tmp_path: Path) -> None:
    """qasync #115: close() can hang on a busy executor; ours must not."""
    script = textwrap.dedent(
        f"""
        import argparse, asyncio, sys, time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from terminal.app import run_gui

        app = QApplication([])

        def start_stuck_work():
            loop = asyncio.get_event_loop()
            loop.run_in_executor(None, time.sleep, 120)   # a blocking call that never ends
            async def forever():
                await asyncio.sleep(3600)
            loop.create_task(forever())

        QTimer.singleShot(50, start_stuck_work)
        args = argparse.Namespace(screenshot=None, exit_after=0.4, data_dir={str(tmp_path)!r})
        sys.exit(run_gui(args))
        """
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=GUI_TIMEOUT,
        env=_env(),
        cwd=tmp_path,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert elapsed < 20, f"exit took {elapsed:.1f}s"
