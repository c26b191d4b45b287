"""Composition root of the GUI: window first, then the loop and the core; bounded exit.

Start-up order is chosen for the first paint: QApplication, theme and the main window
(menus, toolbar with the safety switches, title, status bar; the docks come next) are
shown and painted once, Qt's events processed without timers
(`terminal.ui.probe.wait_first_paint`), before asyncio, qasync, ccxt, SQLAlchemy or
pyqtgraph are imported (the startup floor: importing ccxt alone costs ~1 s; asyncio with ssl,
socket and subprocess ~20 ms, a fifth of a bare Qt window's start). Right after that first paint
the docks are built with placeholders (and the saved dock layout applied), the qasync
loop is created (with the crash handler on it), and the controller builds the panels,
starts the services (journal, paper exchange, venue sessions) and subscribes the
feeds, filling the docks as data arrives. `tests/ui/test_startup_order.py` guards that
order.

A quit that comes before the loop exists (Ctrl+C, the window closed) is remembered:
`QCoreApplication.quit()` only ends the loops running at that moment, and the next
`exec()` would otherwise run forever.

Shutdown is explicit and bounded. qasync's `QEventLoop.close()` shuts its default
executor down and waits for every worker without a limit (qasync #115: a blocking
call that never returns, e.g. a DNS lookup, hangs the exit). So the loop gets our own
default executor with daemon threads; at exit the controller closes feeds, sessions,
journal and paper exchange within `CLOSE_TIMEOUT`, then we cancel the remaining tasks,
detach and stop the executor without waiting forever, and only then close the loop.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal import crash

if TYPE_CHECKING:  # both are imported only after the first paint
    import argparse
    import asyncio

log = logging.getLogger("terminal.app")

SHUTDOWN_TIMEOUT = 2.0
CLOSE_TIMEOUT = 2.5  # the controller's share of the 3 s exit budget
LEFTOVER_TIMEOUT = 0.4  # tasks nobody owned (should be none)
DEFAULT_SCREENSHOT_DELAY = 1.0
FIRST_PAINT_TIMEOUT = 10.0  # a window that never paints (minimised) still gets its loop


class DaemonExecutor(concurrent.futures.Executor):
    """A small thread pool whose threads never keep the process alive.

    `ThreadPoolExecutor` joins its workers at interpreter exit and `QThreadExecutor`
    on loop close, both without a limit; a stuck worker then hangs the app on quit.
    """

    def __init__(self, max_workers: int = 4, name: str = "terminal-exec") -> None:
        self._max_workers = max_workers
        self._name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("executor is shut down")
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            self._queue.put((future, fn, args, kwargs))
            if self._idle == 0 and len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1 if self._idle else 0
            return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:
                    future.set_exception(exc)
            del item, future, fn, args, kwargs
            with self._lock:
                self._idle += 1

    def shutdown(  # type: ignore[override]  # answers whether every worker stopped
        self, wait: bool = True, *, cancel_futures: bool = False, timeout: float | None = None
    ) -> bool:
        """Stop the workers; with `wait`, wait at most `timeout`. True if all stopped."""
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in threads:
            self._queue.put(None)
        if not wait:
            return not any(t.is_alive() for t in threads)
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)


def shutdown_loop(
    loop: asyncio.AbstractEventLoop,
    executor: DaemonExecutor | None,
    timeout: float = SHUTDOWN_TIMEOUT,
) -> None:
    """Cancel leftover tasks, finish async generators, stop the executor, close the loop.

    Each step is bounded by `timeout`; a step that overruns is logged, not waited for.
    """
    import asyncio

    try:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = loop.run_until_complete(asyncio.wait(tasks, timeout=timeout))
            if pending:
                log.warning(
                    "%d task(s) ignored cancellation at shutdown: %r", len(pending), pending
                )
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), timeout))
    except Exception:
        log.exception("Error while cancelling tasks at shutdown")
    if executor is not None:
        loop.set_default_executor(None)  # type: ignore[arg-type]  # keep qasync's close() from waiting on it
        if not executor.shutdown(wait=True, cancel_futures=True, timeout=timeout):
            log.warning("Executor threads still busy after %.1f s; leaving them", timeout)
    try:
        loop.close()
    except Exception:
        log.exception("Error while closing the event loop")
    asyncio.set_event_loop(None)


def save_screenshot(window: Any, path: Path) -> bool:
    """The whole window (every dock) as a PNG.

    On a real display the pixels are read back from the screen (`QScreen.grabWindow`),
    so the file shows what the user sees; offscreen the window renders itself.
    """
    from PySide6.QtGui import QGuiApplication

    path.parent.mkdir(parents=True, exist_ok=True)
    pixmap = None
    screen = window.screen()
    if QGuiApplication.platformName() not in ("offscreen", "minimal") and screen is not None:
        pixmap = screen.grabWindow(int(window.winId()))
        if pixmap.isNull() or pixmap.width() < 10:
            pixmap = None
    if pixmap is None:
        pixmap = window.grab()
    ok = bool(pixmap.save(str(path), "PNG"))
    if ok:
        log.info("Screenshot saved to %s (%dx%d)", path, pixmap.width(), pixmap.height())
    else:
        log.error("Could not save screenshot to %s", path)
    return ok


_save_screenshot = save_screenshot  # the module's former name for save_screenshot


def _route_qt_messages() -> None:
    """Send Qt's own warnings to the log (redacted, in the file) instead of bare stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(msg_type: Any, context: Any, message: str) -> None:
        level = levels.get(msg_type, logging.WARNING)
        if level == logging.WARNING and "This plugin does not support" in message:
            level = logging.DEBUG  # offscreen/minimal platforms: expected, not a problem
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


def _start_async_loop(app: Any) -> tuple[asyncio.AbstractEventLoop, DaemonExecutor]:
    """The qasync loop with our daemon executor and the crash handler on it."""
    import asyncio

    from terminal.ui.qtloop import QtAsyncLoop

    loop = QtAsyncLoop(app)
    asyncio.set_event_loop(loop)
    executor = DaemonExecutor()
    loop.set_default_executor(executor)
    crash.install(loop)
    return loop, executor


def _qt_app() -> Any:
    """The QApplication if Qt is imported and one exists (for a signal handler)."""
    qtcore = sys.modules.get("PySide6.QtCore")
    return qtcore.QCoreApplication.instance() if qtcore is not None else None


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window on a qasync loop; returns the exit code when it closes.

    Ctrl+C is handled from the first line: Python's default handler would raise
    KeyboardInterrupt wherever the main thread is, and during the Qt imports that is
    inside PySide's import hook, where it was swallowed (the app then started anyway)
    or aborted the process. Here it only sets a flag and asks Qt to quit; every phase
    of the start looks at the flag.
    """
    quit_requested = {"value": False}

    def on_sigint(*_: Any) -> None:
        quit_requested["value"] = True
        app = _qt_app()
        if app is not None:
            app.quit()

    previous_sigint = signal.signal(signal.SIGINT, on_sigint)
    try:
        return _run_window(args, quit_requested)
    finally:
        signal.signal(signal.SIGINT, previous_sigint)


def _run_window(args: argparse.Namespace, quit_requested: dict[str, bool]) -> int:

    from terminal.control.instance import WindowLock
    from terminal.paths import AppPaths
    from terminal.settings import load_settings
    from terminal.ui.probe import mark
    from terminal.ui.qapp import application
    from terminal.ui.single import claim_window, refuse_second_launch
    from terminal.ui.theme import icon

    mark("gui_imports_done")
    _route_qt_messages()
    app = application(["trading-terminal"])
    app.setApplicationName("Trading Terminal")
    app.setApplicationDisplayName("Trading Terminal")
    app.setDesktopFileName("trading-terminal")  # matches resources/terminal.desktop
    app.setWindowIcon(icon("app"))
    paths = AppPaths.from_override(getattr(args, "data_dir", None))
    settings = load_settings(paths.config)  # one small JSON file, before the loop runs
    window_lock = WindowLock(paths.data)
    running = claim_window(window_lock, paths, settings, args)
    if running is not None:  # nothing built, nothing written
        return refuse_second_launch(running)
    try:
        return _run_main_window(args, quit_requested, app, paths, settings, window_lock)
    finally:
        window_lock.release()


def _run_main_window(
    args: argparse.Namespace,
    quit_requested: dict[str, bool],
    app: Any,
    paths: Any,
    settings: Any,
    window_lock: Any,
) -> int:
    from PySide6.QtCore import QTimer

    from terminal.logsetup import LOG_FILE_NAME
    from terminal.ui.main_window import MainWindow
    from terminal.ui.probe import mark, wait_first_paint
    from terminal.ui.theme import ThemeManager

    theme = ThemeManager(app)
    settings.ui.theme = theme.apply(settings.ui.theme)

    window = MainWindow(config_dir=paths.config, docks=False)
    log_file = paths.logs / LOG_FILE_NAME  # named in the notice: where the traceback is
    remove_notice = crash.add_notice_callback(
        lambda report: window.notice_requested.emit(f"{report.summary} (details in {log_file})")
    )
    core: dict[str, Any] = {}  # the controller, created after the first paint
    exit_code = {"value": 0}
    loop_started = {"value": False}

    def window_closing() -> None:
        # Qt quits on the last window closed only inside QApplication.exec(); before
        # that (waiting for the first paint) the wait must be told
        if not loop_started["value"]:
            quit_requested["value"] = True

    window.closing.connect(window_closing)

    screenshot = getattr(args, "screenshot", None)
    exit_after = getattr(args, "exit_after", None)
    if screenshot and exit_after is None:
        exit_after = DEFAULT_SCREENSHOT_DELAY

    def finish() -> None:
        if screenshot and not save_screenshot(window, Path(screenshot)):
            exit_code["value"] = 1
        window.close()
        quit_requested["value"] = True
        app.exit(exit_code["value"])

    if exit_after is not None:
        QTimer.singleShot(int(exit_after * 1000), finish)

    # Python signal handlers only run when the interpreter gets control, so a slow
    # timer hands it control while Qt waits for events.
    keepalive = QTimer()
    keepalive.timeout.connect(lambda: None)
    keepalive.start(250)

    def start_controller() -> None:
        # Even the controller's imports wait for the first paint; then it builds the panels
        # and starts services and feeds while the window is already on screen.
        from terminal.ui.controller import TerminalController

        controller = core["controller"] = TerminalController(
            window, paths, settings, theme, args=args
        )
        controller.services_up.connect(lambda: announce(controller))
        controller.start_failed.connect(lambda _: journal_held(controller))
        controller.start()
        self_test = getattr(args, "self_test_runner", None)  # --self-test (terminal.ui.selftest)
        if self_test is not None:

            def self_test_done(code: int) -> None:
                exit_code["value"] = code
                finish()

            self_test.attach(controller, self_test_done)

    def announce(controller: Any) -> None:
        control = controller.services.control if controller.services is not None else None
        if control is not None and control.advert is not None:
            window_lock.announce(control.advert.path)

    def journal_held(controller: Any) -> None:
        # another process holds the journal (it started at the same moment, or it is a
        # command without a window): say so and leave, saving nothing
        if controller.journal_held_elsewhere:
            from terminal.control.instance import Running

            error = (controller.error or "").partition(": ")[2]
            core["refusal"] = Running(None, False, text=f"Trading Terminal cannot start: {error}")
            exit_code["value"] = 1
            finish()

    mark("window_built")
    window.restore_layout()
    loop: asyncio.AbstractEventLoop | None = None
    executor: DaemonExecutor | None = None
    code = 0
    try:
        if not quit_requested["value"]:
            window.show()
            mark("window_shown")
            log.info("GUI started")
            # The first paint comes before asyncio and qasync are even imported; then
            # the docks, then the real loop, and the controller starts inside it.
            wait_first_paint(window, FIRST_PAINT_TIMEOUT, stop=lambda: quit_requested["value"])
        if quit_requested["value"]:
            code = exit_code["value"]
        else:
            window.build_docks()
            mark("docks_built")
            loop, executor = _start_async_loop(app)
            loop_started["value"] = True
            mark("loop_ready")
            # a quit asked for while the loop was being made must not be lost in exec()
            QTimer.singleShot(0, lambda: quit_requested["value"] and app.exit(exit_code["value"]))
            QTimer.singleShot(0, start_controller)
            result = loop.run_forever()
            code = int(result) if isinstance(result, int) else exit_code["value"]
    finally:
        keepalive.stop()
        remove_notice()
        window.close()  # saves the layout (no-op if already closed)
        started = time.monotonic()
        try:
            if "controller" in core and loop is not None:
                loop.run_until_complete(core["controller"].aclose(CLOSE_TIMEOUT))
        except Exception:
            log.exception("Error while closing the terminal")
        window.deleteLater()
        if loop is not None:
            shutdown_loop(loop, executor, timeout=LEFTOVER_TIMEOUT)
        log.info("GUI stopped (shutdown took %.2f s)", time.monotonic() - started)
    if "refusal" in core:  # said after the loop: no modal box inside the running loop
        from terminal.ui.single import refuse_second_launch

        refuse_second_launch(core["refusal"])
        return 1
    return code
