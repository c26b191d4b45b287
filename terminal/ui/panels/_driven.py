"""How a table panel gets its frames: the shared FrameClock, or a timer of its own.

Panels store what `set_*` gives them and apply it in `refresh()`, which the main
window's `FrameClock` calls at 20-60 Hz (terminal.ui.frame). A panel built without a
clock (a test, a panel shown alone) drives itself with a slow timer so it still works.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from terminal.ui.frame import FrameClock, FrameCounter

SELF_DRIVEN_MS = 100


class DrivenPanel(QWidget):
    """A panel that applies the latest state in `refresh()` (True when it repainted)."""

    frames: FrameCounter

    def refresh(self) -> bool:
        raise NotImplementedError


def attach_frames(
    panel: DrivenPanel, frame_clock: FrameClock | None, interval_ms: int = SELF_DRIVEN_MS
) -> QTimer | None:
    """Register `panel` with the clock, or give it its own timer; returns that timer, if
    any."""
    panel.frames = FrameCounter()
    if frame_clock is not None:
        frame_clock.register(panel)
        return None
    timer = QTimer(panel)
    timer.setInterval(interval_ms)
    timer.timeout.connect(panel.refresh)
    timer.start()
    return timer
