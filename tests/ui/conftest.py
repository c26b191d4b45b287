"""Fixtures of the main-window tests: a qasync loop that tests drive, bounded waits.

Why a loop fixture: the wiring runs coroutines (services, feeds, order submits) on a
qasync loop, and asyncio code only runs while a loop is marked *running* (for
`asyncio.sleep`, `get_running_loop` ...). The loop here is created with
`already_running=True`: it is marked running for the whole test, and its callbacks run
whenever Qt processes events. So every wait is Qt's own (`QTest.qWait` in small steps
until a condition holds, with a deadline): widgets paint, timers fire, sockets are read
and tasks advance together, and pytest-qt's own event processing at teardown cannot
run an asyncio callback outside a running loop.

The loop fixture fails a test that leaves asyncio tasks running; the window factory
`make_main_window` fails one that leaves top-level windows open.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from terminal.app import DaemonExecutor
from terminal.ui.qtloop import QtAsyncLoop

from .screens import assert_not_blank, dark_palette

T = TypeVar("T")
DEFAULT_TIMEOUT = 20.0


class AsyncDriver:
    """Runs coroutines on the test's (always running) qasync loop, with deadlines."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def until(
        self,
        predicate: Callable[[], Any],
        timeout: float = DEFAULT_TIMEOUT,
        what: str = "",
        interval: float = 0.02,
    ) -> Any:
        """Process events until `predicate()` is truthy; fail the test after `timeout`."""
        deadline = time.monotonic() + timeout
        step = max(1, int(interval * 1000))
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out after {timeout:.0f} s waiting for "
                    f"{what or getattr(predicate, '__name__', 'a condition')}"
                )
            QTest.qWait(step)

    def run(self, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        task = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout), loop=self.loop)
        self.until(task.done, timeout + 5, "a coroutine")
        return task.result()

    def sleep(self, seconds: float) -> None:
        QTest.qWait(int(seconds * 1000))

    def do(self, fn: Callable[[], T]) -> T:
        """Call `fn` (a click, a key press); the loop is running, so events it processes
        may run asyncio callbacks safely."""
        return fn()


def close_running_loop(
    loop: asyncio.AbstractEventLoop, executor: DaemonExecutor, timeout: float = 2.0
) -> list[str]:
    """Cancel what is left (bounded), unmark the loop as running, close it.
    Returns the names of tasks that were still running."""
    # Tasks that end by themselves right after a close (ccxt's throttler draining its
    # queue) are not leaks: give them a moment, then report what still runs.
    settle = time.monotonic() + 1.0
    while any(not t.done() for t in asyncio.all_tasks(loop)) and time.monotonic() < settle:
        QTest.qWait(10)
    leftover = [t for t in asyncio.all_tasks(loop) if not t.done()]
    names = sorted(f"{t.get_name()} {t.get_coro()!r}" for t in leftover)
    for task in leftover:
        task.cancel()
    deadline = time.monotonic() + timeout
    while any(not t.done() for t in leftover) and time.monotonic() < deadline:
        QTest.qWait(10)
    loop.stop()  # qasync: calls QCoreApplication.exit() although no exec() is running
    # That leaves Qt's quit flag set and every later exec()/waitUntil would return at once
    # (later tests would break): one empty exec() clears it, while the loop is still set.
    QTimer.singleShot(0, QCoreApplication.quit)
    QCoreApplication.exec()
    asyncio.events._set_running_loop(None)
    loop.set_default_executor(None)
    executor.shutdown(wait=True, cancel_futures=True, timeout=timeout)
    loop.close()
    asyncio.set_event_loop(None)
    return names


@pytest.fixture
def aloop(qapp):  # type: ignore[no-untyped-def]
    """A running qasync loop for one test; fails the test if tasks are left running."""
    qapp.setQuitOnLastWindowClosed(False)  # closing a test window must not stop anything
    loop = QtAsyncLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    executor = DaemonExecutor(max_workers=4, name="test-exec")
    loop.set_default_executor(executor)
    yield AsyncDriver(loop)
    leftover = close_running_loop(loop, executor)
    assert not leftover, f"asyncio tasks left running after the test: {leftover}"


# --------------------------------------------------------------------------- main window


class WindowRun:
    """One built main window with its controller, driven by the test's loop."""

    def __init__(self, window: Any, controller: Any, data_dir: Path, driver: AsyncDriver) -> None:
        self.window = window
        self.controller = controller
        self.data_dir = data_dir
        self.driver = driver

    @property
    def panels(self) -> Any:
        return self.controller.panels

    def close(self) -> None:
        """Close like a user does (saves the layout), then shut the core down, bounded."""
        if self.window.isVisible():
            self.window.close()
        started = time.monotonic()
        self.driver.run(self.controller.aclose(3.0), timeout=10)
        self.shutdown_s = time.monotonic() - started
        self.window.deleteLater()


@pytest.fixture(scope="module")
def paper_for_ui(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One paper exchange (faults on, calm market) shared by a module's window tests."""
    from terminal.paper.embedded import start_paper_exchange

    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-ui"), faults=True, rate="calm")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def make_main_window(qapp, aloop: AsyncDriver, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory: `make_main_window(paper, data_dir=None, **feed_overrides)` builds the whole
    main window against `paper` (a PaperExchangeHandle), starts it and waits until it is
    ready. Fails the test if a top-level window is left open or the core does not close."""
    from PySide6.QtWidgets import QApplication

    from terminal.paths import AppPaths
    from terminal.services import ServicesOptions
    from terminal.settings import load_settings
    from terminal.ui.controller import TerminalController
    from terminal.ui.main_window import MainWindow

    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    runs: list[WindowRun] = []

    def make(
        paper: Any,
        data_dir: Path | None = None,
        *,
        ready_timeout: float = 45.0,
        extra_venues: Any = (),
        **feed_overrides: Any,
    ) -> WindowRun:
        data = data_dir or tmp_path / f"app{len(runs)}"
        paths = AppPaths.from_override(data)
        settings = load_settings(paths.config)
        key, secret = paper.accounts[0]
        options = ServicesOptions(
            data_dir=str(data), paper_url=paper.url, paper_account=f"{key}:{secret}"
        )
        feed_overrides.setdefault("stale_after_s", 2.0)
        for name, value in feed_overrides.items():
            setattr(settings.feeds, name, value)
        window = MainWindow(config_dir=paths.config)
        controller = TerminalController(
            window, paths, settings, None, services_options=options, extra_venues=extra_venues
        )
        run = WindowRun(window, controller, data, aloop)
        runs.append(run)
        window.restore_layout()
        window.show()
        controller.start()
        aloop.until(
            lambda: controller.ready or controller.error,
            ready_timeout,
            "the main window to connect",
        )
        assert controller.error is None, controller.error
        return run

    yield make
    for run in runs:
        if not run.controller._closed:
            run.close()
    qapp.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible() and id(w) not in before]
    for w in leaked:
        w.close()
    assert not leaked, f"windows left open: {[type(w).__name__ for w in leaked]}"


@pytest.fixture
def ui_memory_keyring():  # type: ignore[no-untyped-def]
    """An in-memory keychain (this machine has none): what the connect dialog saves to."""
    import keyring
    import keyring.backend
    import keyring.errors

    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if (service, username) not in self.store:
                raise keyring.errors.PasswordDeleteError("not found")
            del self.store[(service, username)]

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def shot(qtbot, tmp_path):
    """shot(widget, name) -> QImage; saves name.png under PANEL_SHOTS or tmp_path."""
    app = QApplication.instance()
    old_style, old_palette, old_sheet = app.style().name(), app.palette(), app.styleSheet()
    app.setStyle("Fusion")
    try:  # the main window's real dark theme, when it is there
        from terminal.ui.theme import ThemeManager

        ThemeManager(app).apply("dark")
    except ImportError:
        app.setPalette(dark_palette())
    out = Path(os.environ.get("PANEL_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)

    def take(widget: QWidget, name: str) -> QImage:
        widget.show()
        qtbot.waitExposed(widget)
        QApplication.processEvents()
        image = widget.grab().toImage()
        image.save(str(out / f"{name}.png"))
        assert_not_blank(image)
        return image

    yield take
    app.setStyleSheet(old_sheet)
    app.setPalette(old_palette)
    app.setStyle(old_style)
