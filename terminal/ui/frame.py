"""The frame clock: one timer that repaints every market-data panel from the latest state.

Why: under heavy WebSocket ingest a widget touched once per message starves the GUI
event loop. Feeds only store the latest value; the clock ticks at 20-60 Hz
and each panel pulls its provider, repaints only when the provider's version moved, and
counts the frames it really painted so benchmarks can read frames per second.

A provider is a callable returning `(version, value)`; `version` is anything comparable
with `==` (an int counter is the cheapest). `LatestValue` is a ready-made provider cell a
feed can write from the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)

T = TypeVar("T")
Provider = Callable[[], tuple[Hashable, Any]]

DEFAULT_RATE_HZ = 30.0
MIN_RATE_HZ = 1.0
MAX_RATE_HZ = 120.0
FPS_WINDOW_S = 1.0


class FrameCounter:
    """Paints of one widget: total, frames in the last second, duration of the last paint."""

    __slots__ = ("_clock", "_stamps", "last_paint_s", "total")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = 0
        self.last_paint_s = 0.0
        self._stamps: deque[float] = deque(maxlen=512)
        self._clock = clock

    def mark(self, paint_seconds: float = 0.0) -> None:
        """Record one painted frame (call at the end of paintEvent)."""
        self.total += 1
        self.last_paint_s = paint_seconds
        self._stamps.append(self._clock())

    @property
    def fps(self) -> float:
        """Frames painted during the last second."""
        now = self._clock()
        stamps = self._stamps
        while stamps and now - stamps[0] > FPS_WINDOW_S:
            stamps.popleft()
        return float(len(stamps))


class Refreshable(Protocol):
    """What the clock drives: pull the latest state, repaint if it changed.

    `refresh()` returns True when it scheduled a repaint. `frames` counts real paints.
    """

    frames: FrameCounter

    def refresh(self) -> bool: ...


_NEVER = object()


class ProviderPoll:
    """Remembers a provider and the last version seen, so a panel applies each value once."""

    __slots__ = ("_version", "provider")

    def __init__(self) -> None:
        self.provider: Provider | None = None
        self._version: Any = _NEVER

    def set(self, provider: Provider | None) -> None:
        self.provider = provider
        self._version = _NEVER

    def invalidate(self) -> None:
        """Make the next poll apply the provider's value even if its version did not move
        (the panel dropped its state, e.g. on a market change)."""
        self._version = _NEVER

    def poll(self) -> tuple[bool, Any]:
        """(True, value) when the provider's version moved since the last poll."""
        if self.provider is None:
            return False, None
        version, value = self.provider()
        if self._version is not _NEVER and version == self._version:
            return False, None
        self._version = version
        return True, value


class LatestValue(Generic[T]):
    """A latest-value cell with a version: the writer sets, the frame clock reads.

    Setting is O(1) and never touches Qt, so a feed loop may call `set` per message; a
    lock keeps (version, value) consistent if the writer is another thread.
    """

    __slots__ = ("_lock", "_value", "_version")

    def __init__(self, value: T | None = None) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._value = value

    def set(self, value: T) -> None:
        with self._lock:
            self._value = value
            self._version += 1

    def get(self) -> tuple[int, T | None]:
        with self._lock:
            return self._version, self._value

    __call__ = get  # so the cell itself is a provider

    @property
    def version(self) -> int:
        return self._version


class FrameClock(QObject):
    """One QTimer driving `refresh()` of every registered panel at `rate_hz`.

    A panel that raises is logged (once per distinct error text) and kept; one bad panel
    never stops the others. A panel that is a QObject is forgotten when it is destroyed.
    """

    def __init__(self, rate_hz: float = DEFAULT_RATE_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._panels: dict[int, Refreshable] = {}
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self._rate_hz = DEFAULT_RATE_HZ
        self.set_rate_hz(rate_hz)
        self.ticks = 0
        self.last_tick_s = 0.0  # wall time of the last tick (all panels' refresh)
        self._last_errors: dict[int, str] = {}

    # ---- configuration -------------------------------------------------------------
    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    def set_rate_hz(self, rate_hz: float) -> None:
        rate = min(MAX_RATE_HZ, max(MIN_RATE_HZ, float(rate_hz)))
        self._rate_hz = rate
        self._timer.setInterval(max(1, round(1000.0 / rate)))

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def is_running(self) -> bool:
        return self._timer.isActive()

    # ---- panels --------------------------------------------------------------------
    def register(self, panel: Refreshable) -> None:
        key = id(panel)
        if key in self._panels:
            return
        self._panels[key] = panel
        if isinstance(panel, QObject):
            panel.destroyed.connect(partial(self._forget, key))

    def unregister(self, panel: Refreshable) -> None:
        self._forget(id(panel))

    def _forget(self, key: int, *_: object) -> None:
        self._panels.pop(key, None)
        self._last_errors.pop(key, None)

    @property
    def panels(self) -> list[Refreshable]:
        return list(self._panels.values())

    # ---- the frame -----------------------------------------------------------------
    def tick(self) -> int:
        """Refresh every panel now; returns how many scheduled a repaint."""
        started = time.perf_counter()
        repainted = 0
        for key, panel in list(self._panels.items()):
            try:
                if panel.refresh():
                    repainted += 1
            except RuntimeError as exc:
                if "already deleted" in str(exc):  # C++ side gone before `destroyed` ran
                    self._forget(key)
                    continue
                self._report(key, panel, exc)
            except Exception as exc:
                self._report(key, panel, exc)
        self.ticks += 1
        self.last_tick_s = time.perf_counter() - started
        return repainted

    def _report(self, key: int, panel: Refreshable, exc: Exception) -> None:
        text = f"{type(exc).__name__}: {exc}"
        if self._last_errors.get(key) != text:
            self._last_errors[key] = text
            log.exception("panel %s failed to refresh", _panel_name(panel))

    def stats(self) -> dict[str, float]:
        """Frames painted in the last second, by panel name (objectName or class name)."""
        out: dict[str, float] = {}
        for panel in self._panels.values():
            name = _panel_name(panel)
            while name in out:
                name += "'"
            out[name] = panel.frames.fps
        return out


def _panel_name(panel: object) -> str:
    if isinstance(panel, QObject) and panel.objectName():
        return panel.objectName()
    return type(panel).__name__
