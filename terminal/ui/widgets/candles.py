"""Candles kept as numpy columns, and the visible slice a chart paints (no Qt here).

Why: a chart that builds one graphics object per bar, or one QPicture of all bars,
costs 156 ms a frame at 100k candles. Columns let a paint take the slice
in view in O(visible) and, when there are more bars than pixels, merge bars per pixel
column so even the full range stays cheap. Floats are fine here: this is display. The
original `Candle` objects (Decimals) are kept too, so a readout shows exact values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from terminal.domain.marketdata import Candle, timeframe_ms

_COLUMNS = ("o", "h", "l", "c", "v")
SYNC_APPEND_LIMIT = 5000  # more new candles than this: rebuild instead of appending


class CandleSeries:
    """Append-mostly OHLCV columns; index i is the x coordinate of bar i."""

    # the columns, allocated by `_alloc` (one array per name in _COLUMNS, and the times)
    _t: np.ndarray
    _o: np.ndarray
    _h: np.ndarray
    _l: np.ndarray
    _c: np.ndarray
    _v: np.ndarray

    def __init__(self, timeframe: str = "1m", capacity: int = 1024) -> None:
        self.timeframe = timeframe
        self.span_ms = timeframe_ms(timeframe)
        self.candles: list[Candle] = []
        self.version = 0  # bumps on every change; caches key on it
        self._n = 0
        self._alloc(capacity)

    def _alloc(self, capacity: int) -> None:
        self._t = np.zeros(capacity, dtype=np.int64)
        for name in _COLUMNS:
            setattr(self, "_" + name, np.zeros(capacity, dtype=np.float64))

    def _grow(self, needed: int) -> None:
        capacity = len(self._t)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        old = {name: getattr(self, "_" + name)[: self._n] for name in ("t", *_COLUMNS)}
        self._alloc(new)
        for name, arr in old.items():
            getattr(self, "_" + name)[: self._n] = arr

    # ---- views (length n, no copies) -------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def t(self) -> np.ndarray:
        return self._t[: self._n]

    @property
    def o(self) -> np.ndarray:
        return self._o[: self._n]

    @property
    def h(self) -> np.ndarray:
        return self._h[: self._n]

    @property
    def l(self) -> np.ndarray:  # noqa: E743 - OHLC naming
        return self._l[: self._n]

    @property
    def c(self) -> np.ndarray:
        return self._c[: self._n]

    @property
    def v(self) -> np.ndarray:
        return self._v[: self._n]

    # ---- changes -------------------------------------------------------------------
    def set(self, candles: Sequence[Candle], timeframe: str | None = None) -> None:
        """Replace everything (history back-fill, or a new symbol / timeframe)."""
        if timeframe is not None:
            self.timeframe = timeframe
            self.span_ms = timeframe_ms(timeframe)
        candles = sorted(candles, key=lambda k: k.open_time_ms)
        n = len(candles)
        self._alloc(max(1024, n + n // 4))
        if n:
            self._t[:n] = [k.open_time_ms for k in candles]
            self._o[:n] = [float(k.open) for k in candles]
            self._h[:n] = [float(k.high) for k in candles]
            self._l[:n] = [float(k.low) for k in candles]
            self._c[:n] = [float(k.close) for k in candles]
            self._v[:n] = [float(k.volume) for k in candles]
        self._n = n
        self.candles = list(candles)
        self.version += 1

    def upsert(self, candle: Candle) -> int:
        """Update the forming candle or append a new one; returns the index written.

        A candle older than the last is refused (ValueError): history is set, not patched.
        """
        n = self._n
        if n and candle.open_time_ms == self._t[n - 1]:
            i = n - 1
            self.candles[i] = candle
        elif n == 0 or candle.open_time_ms > self._t[n - 1]:
            self._grow(n + 1)
            i = n
            self._n = n + 1
            self.candles.append(candle)
        else:
            raise ValueError(f"candle at {candle.open_time_ms} is older than the last one")
        self._t[i] = candle.open_time_ms
        self._o[i] = float(candle.open)
        self._h[i] = float(candle.high)
        self._l[i] = float(candle.low)
        self._c[i] = float(candle.close)
        self._v[i] = float(candle.volume)
        self.version += 1
        return i

    def sync(self, candles: Sequence[Candle]) -> tuple[int | None, bool]:
        """Bring the series in line with a provider's sequence (oldest first), cheaply.

        Returns (first index that changed or None, whether it was a full reset). The
        sequence may grow at the end, update its last candle, or be a rolling window
        whose oldest candles were dropped (the history already here is kept). Anything
        else (new symbol or timeframe, a gap) replaces the series.
        """
        n, m = self._n, len(candles)
        if m == 0:
            if n:
                self.set([])
                return 0, True
            return None, False
        if n == 0:
            self.set(candles)
            return 0, True
        t = self.t
        first_t = candles[0].open_time_ms
        j = int(np.searchsorted(t, first_t, side="left"))
        k = n - 1 - j  # where our last bar sits in `candles`
        if (
            j >= n
            or t[j] != first_t
            or k >= m
            or candles[k].open_time_ms != t[n - 1]
            or m - k > SYNC_APPEND_LIMIT
        ):
            self.set(candles)
            return 0, True
        if m - k == 1 and candles[k] is self.candles[n - 1]:
            return None, False
        for candle in candles[k:]:
            self.upsert(candle)
        return n - 1, False

    def set_timeframe(self, timeframe: str) -> None:
        self.timeframe = timeframe
        self.span_ms = timeframe_ms(timeframe)
        self.version += 1

    # ---- time mapping --------------------------------------------------------------
    def time_at(self, index: float) -> int:
        """Open time of bar `index`, extrapolated by the timeframe outside the data."""
        n = self._n
        i = math.floor(index + 0.5)
        if n == 0:
            return 0
        if i < 0:
            return int(self._t[0]) + i * self.span_ms
        if i >= n:
            return int(self._t[n - 1]) + (i - n + 1) * self.span_ms
        return int(self._t[i])

    def index_of(self, time_ms: int) -> int:
        """Index of the bar containing `time_ms` (clamped to the data)."""
        i = int(np.searchsorted(self.t, time_ms, side="right")) - 1
        return max(0, min(self._n - 1, i))


@dataclass(frozen=True, slots=True)
class VisibleSlice:
    """What a paint of the range [x0, x1] draws: one entry per drawn bar."""

    i0: int  # first source index in view
    i1: int  # one past the last
    per_bar: int  # source bars merged into one drawn bar (1 = none)
    x: np.ndarray  # centre of each drawn bar
    o: np.ndarray
    h: np.ndarray
    l: np.ndarray  # noqa: E741
    c: np.ndarray
    v: np.ndarray

    @property
    def count(self) -> int:
        return len(self.x)

    @property
    def bar_width(self) -> float:
        return 0.7 * self.per_bar

    def price_range(self) -> tuple[float, float] | None:
        if not len(self.x):
            return None
        return float(self.l.min()), float(self.h.max())

    def volume_max(self) -> float:
        return float(self.v.max()) if len(self.v) else 0.0


def visible_slice(series: CandleSeries, x0: float, x1: float, width_px: float) -> VisibleSlice:
    """Bars with index in [x0, x1], merged per pixel column when denser than one per pixel."""
    n = len(series)
    i0 = max(0, math.floor(x0))
    i1 = min(n, math.ceil(x1) + 1)
    if i1 <= i0:
        empty = np.zeros(0)
        return VisibleSlice(i0, i0, 1, empty, empty, empty, empty, empty, empty)
    count = i1 - i0
    per_bar = max(1, math.ceil(count / max(1.0, width_px)))
    if per_bar == 1:
        return VisibleSlice(
            i0,
            i1,
            1,
            np.arange(i0, i1, dtype=np.float64),
            series.o[i0:i1],
            series.h[i0:i1],
            series.l[i0:i1],
            series.c[i0:i1],
            series.v[i0:i1],
        )
    # align bins to multiples of per_bar so merged bars do not shimmer while panning
    b0 = (i0 // per_bar) * per_bar
    starts = np.arange(b0, i1, per_bar)
    starts[0] = max(starts[0], i0)
    ends = np.minimum(starts - starts % per_bar + per_bar, i1)
    h = np.maximum.reduceat(series.h[i0:i1], starts - i0)
    lo = np.minimum.reduceat(series.l[i0:i1], starts - i0)
    v = np.add.reduceat(series.v[i0:i1], starts - i0)
    o = series.o[starts]
    c = series.c[ends - 1]
    x = (starts - starts % per_bar).astype(np.float64) + (per_bar - 1) / 2.0
    return VisibleSlice(i0, i1, per_bar, x, o, h, lo, c, v)
