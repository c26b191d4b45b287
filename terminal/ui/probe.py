"""Start-up probes: when the window first painted, when the first live book painted.

`bench_startup.py` runs the app with TERMINAL_STARTUP_PROBE=1 and reads these marks
from stdout; the log gets them too, so a slow start on a user's machine can be seen.
Times are wall-clock (time.time()) so a parent process can subtract its spawn time.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
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
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            callback, self._callback = self._callback, None
            if callback is not None:
                # after this paint event is processed, not before
                from PySide6.QtCore import QTimer
                QTimer.singleShot(0, callback)
        return False
