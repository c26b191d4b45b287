"""The whole main window against a paper exchange, driven from a script: what the
benchmarks that click (order round trip, emergency stop, soak, cost growth) run in.

The qasync loop is created already running (as the window tests do): every wait is Qt's
own event processing in small steps until a condition holds, with a deadline, so widgets
paint, timers fire, sockets are read and asyncio tasks advance together while the
benchmark waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtTest import QTest

T = TypeVar("T")


class BenchTimeout(RuntimeError):
    """A condition the benchmark waits for did not hold in time."""


class WindowBench:
    """One main window (offscreen) with its controller, on a running qasync loop."""

    def __init__(
        self,
        paper: Any,
        data_dir: Path,
        *,
        size: tuple[int, int] = (1440, 900),
        ready_timeout: float = 90.0,
        settings_hook: Callable[[Any], None] | None = None,
    ) -> None:
        from terminal.app import DaemonExecutor
        from terminal.paths import AppPaths
        from terminal.services import ServicesOptions
        from terminal.settings import load_settings
        from terminal.ui.controller import TerminalController
        from terminal.ui.main_window import MainWindow
        from terminal.ui.qapp import application
        from terminal.ui.qtloop import QtAsyncLoop

        self.app = application(["bench"])
        self.app.setQuitOnLastWindowClosed(False)
        self.loop = QtAsyncLoop(self.app, already_running=True)
        asyncio.set_event_loop(self.loop)
        self.executor = DaemonExecutor(max_workers=4, name="bench-exec")
        self.loop.set_default_executor(self.executor)
        self.paper = paper
        self.data_dir = data_dir
        paths = AppPaths.from_override(data_dir)
        settings = load_settings(paths.config)
        if settings_hook is not None:
            settings_hook(settings)
        key, secret = paper.accounts[0]
        options = ServicesOptions(
            data_dir=str(data_dir), paper_url=paper.url, paper_account=f"{key}:{secret}"
        )
        self.window = MainWindow(config_dir=paths.config)
        self.window.resize(*size)
        self.controller = TerminalController(
            self.window, paths, settings, None, services_options=options
        )
        self.window.show()
        self.controller.start()
        self.until(
            lambda: self.controller.ready or self.controller.error,
            ready_timeout,
            "the main window to connect",
        )
        if self.controller.error is not None:
            raise BenchTimeout(f"the window did not start: {self.controller.error}")

    @property
    def panels(self) -> Any:
        return self.controller.panels

    def until(
        self, predicate: Callable[[], Any], timeout: float, what: str, step_ms: int = 1
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise BenchTimeout(f"timed out after {timeout:.0f} s waiting for {what}")
            QTest.qWait(step_ms)

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QTest.qWait(min(50, max(1, int((end - time.monotonic()) * 1000))))

    def run(self, awaitable: Awaitable[T], timeout: float = 60.0) -> T:
        task = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout), loop=self.loop)
        self.until(task.done, timeout + 5, "a coroutine")
        return task.result()

    def close(self) -> None:
        """Close the window and the core (bounded), then the loop."""
        try:
            if self.window.isVisible():
                self.window.close()
            self.run(self.controller.aclose(3.0), timeout=15)
        finally:
            self._close_loop()

    def _close_loop(self, timeout: float = 2.0) -> None:
        loop = self.loop
        settle = time.monotonic() + 1.0
        while any(not t.done() for t in asyncio.all_tasks(loop)) and time.monotonic() < settle:
            QTest.qWait(10)
        leftover = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in leftover:
            task.cancel()
        deadline = time.monotonic() + timeout
        while any(not t.done() for t in leftover) and time.monotonic() < deadline:
            QTest.qWait(10)
        loop.stop()  # qasync calls QCoreApplication.exit(): one empty exec() clears it
        QTimer.singleShot(0, QCoreApplication.quit)
        QCoreApplication.exec()
        asyncio.events._set_running_loop(None)
        loop.set_default_executor(None)
        self.executor.shutdown(wait=True, cancel_futures=True, timeout=timeout)
        loop.close()
        asyncio.set_event_loop(None)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
