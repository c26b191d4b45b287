"""Start-up probes: when the window first painted, when the first live book painted.

`terminal/bench/startup.py` runs the app with TERMINAL_STARTUP_PROBE=1 and reads these marks
from stdout; the log gets them too, so a slow start on a user's machine can be seen.
Times are wall-clock (time.time()) so a parent process can subtract its spawn time.

`wait_first_paint` is how the GUI gets its first paint before asyncio exists: Qt's
events are processed until the window has painted once, then `run_gui` imports
asyncio and qasync and starts the real loop (see `terminal.app`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QWidget

log = logging.getLogger("terminal.startup")

ENV = "TERMINAL_STARTUP_PROBE"
_marks: dict[str, float] = {}


def mark(name: str) -> None:
    """Record a start-up milestone once (later calls for the same name are ignored)."""
    if name in _marks:
        return
    now = time.time()
    _marks[name] = now
    log.info("startup: %s", name)
    if os.environ.get(ENV):
        try:
            sys.stdout.write(f"STARTUP {name} {now:.6f}\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass


def marks() -> dict[str, float]:
    return dict(_marks)


class PaintProbe(QObject):
    """Calls `callback` once, after the first Paint event `widget` receives."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            callback, self._callback = self._callback, None
            if callback is not None:
                # after this paint event is processed, not before
                QTimer.singleShot(0, callback)
        return False


class _PaintSeen(QObject):
    """Notes that `widget` got a Paint event (no timer: see `wait_first_paint`)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._widget and event.type() == QEvent.Type.Paint:
            self.painted = True
        return False

    def detach(self) -> None:
        self._widget.removeEventFilter(self)


def wait_first_paint(
    widget: QWidget,
    timeout_s: float,
    stop: Callable[[], bool] = lambda: False,
    poll_s: float = 0.001,
) -> bool:
    """Process events until `widget` painted once, then mark "first_paint"; True if it did.

    Call it after `widget.show()`. It processes window-system events, posted events
    and user input, but no timers (`X11ExcludeTimers`, honoured by Qt's Unix and glib
    dispatchers, despite the name, offscreen as on X11 or Wayland): a Qt timer that
    fires here would run outside any asyncio loop, and the app's timers all belong to
    the loop that starts after this. Python gets control between passes, so Ctrl+C is
    seen here too. Bounded: False after `timeout_s` without a paint (a hidden or
    minimised window; the mark then comes with the paint, whenever that is) or as soon
    as `stop()` is true.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("wait_first_paint needs a QApplication")
    flags = QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.X11ExcludeTimers
    seen = _PaintSeen(widget)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            app.processEvents(flags)
            if seen.painted:  # processed by now: the mark is after the paint, not before
                mark("first_paint")
                return True
            if stop() or time.monotonic() >= deadline:
                PaintProbe(widget, lambda: mark("first_paint"))
                return False
            time.sleep(poll_s)
    finally:
        seen.detach()
        seen.setParent(None)
