"""pyqtgraph items of the candle chart that paint only what is in view.

Each item asks its owner for the current `VisibleSlice` (computed once per range or
data change and shared by candles, volume and indicator lines) and draws just that:
O(visible bars), never O(all bars). `last_paint_bars` records how many bars the last
paint drew, so tests and benchmarks can check it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

from .candles import CandleSeries, VisibleSlice
from .time_ticks import (
    LADDER,
    WIDEST_LABELS,
    TickStep,
    choose_step,
    coarser,
    label_gap,
    tick_labels,
    tick_times,
)

SliceSource = Callable[[], VisibleSlice]


def _cosmetic_pen(colour: QColor, width: float = 1.0) -> QPen:
    pen = QPen(colour)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    return pen


class _SliceItem(pg.GraphicsObject):
    """Base: bounds of the whole data (for the view), painting from the shared slice."""

    def __init__(self, series: CandleSeries, slice_source: SliceSource) -> None:
        super().__init__()
        self._series = series
        self._slice = slice_source
        self._bounds = QRectF()
        self.last_paint_bars = 0
        self.last_paint_range = (0, 0)
        self.last_paint_s = 0.0
        self.paints = 0
        self.on_paint: Callable[[float], None] | None = None  # e.g. a FrameCounter.mark

    def set_bounds(self, rect: QRectF) -> None:
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _half_width(self, sl: VisibleSlice) -> float:
        """Half a bar's width in data units, never under 0.75 px: a body narrower than a
        pixel is dropped or kept by where it falls (gaps that crawl while panning), and
        1.5 px wide bars leave no hole where two bins round into the same pixel."""
        px = self.pixelWidth() or 0.0
        return max(sl.bar_width / 2.0, px * 0.75)

    def _done(self, sl: VisibleSlice, started: float) -> None:
        self.last_paint_bars = sl.count
        self.last_paint_range = (sl.i0, sl.i1)
        self.last_paint_s = time.perf_counter() - started
        self.paints += 1
        if self.on_paint is not None:
            self.on_paint(self.last_paint_s)


class CandlesItem(_SliceItem):
    """Wicks as one path per colour, bodies as rectangles: only the visible bars."""

    def __init__(
        self, series: CandleSeries, slice_source: SliceSource, up: QColor, down: QColor
    ) -> None:
        super().__init__(series, slice_source)
        self.set_colours(up, down)

    def set_colours(self, up: QColor, down: QColor) -> None:
        self._up_pen, self._down_pen = _cosmetic_pen(up), _cosmetic_pen(down)
        self._up_brush, self._down_brush = QBrush(up), QBrush(down)
        self.update()

    def paint(self, p: QPainter, *_: object) -> None:
        started = time.perf_counter()
        sl = self._slice()
        if sl.count:
            up = sl.c >= sl.o
            half = self._half_width(sl)
            for mask, pen, brush in (
                (up, self._up_pen, self._up_brush),
                (~up, self._down_pen, self._down_brush),
            ):
                if not mask.any():
                    continue
                x = sl.x[mask]
                p.setPen(pen)
                # wicks: one path of vertical segments
                xs = np.repeat(x, 2)
                ys = np.empty(len(xs))
                ys[0::2], ys[1::2] = sl.l[mask], sl.h[mask]
                p.drawPath(pg.functions.arrayToQPath(xs, ys, connect="pairs"))
                # bodies
                top = np.minimum(sl.o[mask], sl.c[mask])
                height = np.abs(sl.c[mask] - sl.o[mask])
                p.setBrush(brush)
                p.drawRects(
                    [
                        QRectF(xi - half, yi, 2 * half, hi)
                        for xi, yi, hi in zip(
                            x.tolist(), top.tolist(), height.tolist(), strict=False
                        )
                    ]
                )
        self._done(sl, started)


class VolumeItem(_SliceItem):
    """Volume bars of the visible bars, coloured by the candle's direction."""

    def __init__(
        self, series: CandleSeries, slice_source: SliceSource, up: QColor, down: QColor
    ) -> None:
        super().__init__(series, slice_source)
        self.set_colours(up, down)

    def set_colours(self, up: QColor, down: QColor) -> None:
        self._up, self._down = QBrush(up), QBrush(down)
        self.update()

    def paint(self, p: QPainter, *_: object) -> None:
        started = time.perf_counter()
        sl = self._slice()
        if sl.count:
            up = sl.c >= sl.o
            half = self._half_width(sl)
            p.setPen(pg.mkPen(None))
            for mask, brush in ((up, self._up), (~up, self._down)):
                if not mask.any():
                    continue
                p.setBrush(brush)
                p.drawRects(
                    [
                        QRectF(xi - half, 0.0, 2 * half, vi)
                        for xi, vi in zip(sl.x[mask].tolist(), sl.v[mask].tolist(), strict=False)
                    ]
                )
        self._done(sl, started)


class LineItem(_SliceItem):
    """An indicator line over the visible bars (sampled at the drawn bars when merged)."""

    def __init__(
        self,
        series: CandleSeries,
        slice_source: SliceSource,
        values: Callable[[], np.ndarray],
        colour: QColor,
        breaks: Callable[[], np.ndarray | None] = lambda: None,
    ) -> None:
        super().__init__(series, slice_source)
        self._values = values
        self._breaks = breaks
        self.last_pieces = 0  # separate line pieces drawn in the last paint
        self._pen = _cosmetic_pen(colour, 1.3)

    def set_colour(self, colour: QColor) -> None:
        self._pen = _cosmetic_pen(colour, 1.3)
        self.update()

    def paint(self, p: QPainter, *_: object) -> None:
        started = time.perf_counter()
        sl = self._slice()
        values = self._values()
        if sl.count and len(values) >= sl.i1:
            breaks = self._breaks()
            if sl.per_bar == 1:
                idx = np.arange(sl.i0, sl.i1)
            else:  # the value at each merged bar's last source bar
                idx = np.minimum(np.floor(sl.x + sl.per_bar / 2.0).astype(np.int64), sl.i1 - 1)
                idx = np.maximum(idx, sl.i0)
            x, y = sl.x, values[idx]
            finite = np.isfinite(y)
            if finite.any():
                connect = np.zeros(len(y), dtype=bool)
                connect[:-1] = finite[:-1] & finite[1:]
                if breaks is not None and len(breaks) >= sl.i1 and len(idx) > 1:
                    # no segment into the first bar of a new session (merged bars:
                    # a session starting anywhere inside the next drawn bar)
                    session = np.cumsum(breaks[sl.i0 : sl.i1], dtype=np.int64)  # visible only
                    connect[:-1] &= session[idx[1:] - sl.i0] == session[idx[:-1] - sl.i0]
                joined = np.concatenate(([False], connect[:-1]))
                self.last_pieces = int((finite & ~joined).sum())
                p.setPen(self._pen)
                p.drawPath(
                    pg.functions.arrayToQPath(
                        x,
                        np.where(finite, y, 0.0),
                        connect=connect.astype(np.int32),
                        finiteCheck=False,
                    )
                )
        self._done(sl, started)


class GridItem(pg.GraphicsObject):
    """Grid lines at the axes' major ticks, drawn as plain 1-px opaque lines.

    pyqtgraph's own grid (AxisItem.setGrid) costs ~4 ms per axis per frame (measured
    offscreen); this costs well under 1 ms.
    """

    def __init__(
        self,
        view: pg.ViewBox,
        x_axis: pg.AxisItem | None,
        y_axis: pg.AxisItem | None,
        colour: QColor,
    ) -> None:
        super().__init__()
        self._view = view
        self._x_axis = x_axis
        self._y_axis = y_axis
        self.set_colour(colour)
        self.setZValue(-100)

    def set_colour(self, colour: QColor) -> None:
        self._pen = _cosmetic_pen(colour)
        self.update()

    def boundingRect(self) -> QRectF:
        (x0, x1), (y0, y1) = self._view.viewRange()
        return QRectF(x0, y0, x1 - x0, y1 - y0)

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()

    def paint(self, p: QPainter, *_: object) -> None:
        (x0, x1), (y0, y1) = self._view.viewRange()
        lines = []
        if self._x_axis is not None:
            for x in _major_ticks(self._x_axis, x0, x1, self._view.width()):
                lines.append(QLineF(x, y0, x, y1))
        if self._y_axis is not None:
            for y in _major_ticks(self._y_axis, y0, y1, self._view.height()):
                lines.append(QLineF(x0, y, x1, y))
        if lines:
            p.setPen(self._pen)
            p.drawLines(lines)


class PaneAxis(pg.AxisItem):
    """A right-hand value axis whose labels stay inside its own pane on chosen sides.

    pyqtgraph lets a label overhang its axis by half a line at the ends; where the price
    pane sits on the volume pane, the price axis' lowest label and the volume axis'
    highest would then print over each other.
    """

    def __init__(
        self, inside_top: bool = False, inside_bottom: bool = False, **kwargs: object
    ) -> None:
        super().__init__(orientation="right", **kwargs)
        self._inside = (inside_top, inside_bottom)

    def generateDrawSpecs(self, p: QPainter):
        specs = super().generateDrawSpecs(p)
        if specs is None or not any(self._inside):
            return specs
        axis, ticks, texts = specs
        bounds = self.mapRectFromParent(self.geometry())
        top, bottom = self._inside
        texts = [
            t
            for t in texts
            if not (top and t[0].top() < bounds.top())
            and not (bottom and t[0].bottom() > bounds.bottom())
        ]
        return axis, ticks, texts


def _major_ticks(axis: pg.AxisItem, lo: float, hi: float, size: float) -> list[float]:
    levels = axis.tickValues(lo, hi, size)
    return list(levels[0][1]) if levels else []


class TimeAxis(pg.AxisItem):
    """Bottom axis of the bar-index x: ticks at round local wall-clock times.

    x is the bar index (bar i at x = i, gaps in trading collapsed), so a time maps to
    x through the bar that contains it: x = i + (t - open_i) / bar length, the same
    place the crosshair puts bar i and its open time. A round time inside a gap has no
    bar and gets no tick. Per range it costs O(ticks * log N) (binary searches in the
    open times), never O(N), and the result is cached: the axis and both grids ask for
    the same ticks on every paint.
    """

    def __init__(self, series: CandleSeries, utc: bool = False, **kwargs: object) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._series = series
        self._tz = UTC if utc else None  # None: the machine's zone, like the readout
        self._label_px: float | None = None
        self._key: tuple | None = None
        self._levels: list = []
        self._text: dict[float, str] = {}
        self.step: TickStep | None = None  # the ladder step of the last ticks (tests, debug)

    def setTickFont(self, font) -> None:
        super().setTickFont(font)
        self._label_px = None
        self._key = None

    def label_px(self) -> float:
        """Width of the widest label this axis can write, in its tick font."""
        if self._label_px is None:
            fm = QFontMetricsF(self.style.get("tickFont") or QFont())
            self._label_px = max(fm.horizontalAdvance(t) for t in WIDEST_LABELS) + 2.0
        return self._label_px

    def invalidate(self) -> None:
        """The bars changed under an unchanged range (new history): recompute, redraw."""
        self._key = None
        self.picture = None
        self.update()

    def ticks(self, x0: float, x1: float, size: float) -> list[tuple[float, str]]:
        """(x, label) of the ticks for the x range [x0, x1] drawn on `size` pixels."""
        self.tickValues(x0, x1, size)
        return [(x, self._text[x]) for x in (self._levels[0][1] if self._levels else [])]

    def tickValues(self, minVal: float, maxVal: float, size: float):
        view = self.linkedView()
        if view is not None and view.width() > 0:
            size = float(view.width())  # the grids ask with this: same ticks, one computation
        s = self._series
        n = len(s)
        key = (
            minVal,
            maxVal,
            size,
            n,
            s.span_ms,
            int(s.t[0]) if n else 0,
            int(s.t[-1]) if n else 0,
        )
        if key == self._key:
            return self._levels
        self._key = key
        self._levels, self._text = [], {}
        if not n or maxVal <= minVal or size <= 0:
            return self._levels
        span = s.span_ms
        label_px = self.label_px()
        bars = maxVal - minVal
        t0, t1 = self._time_of(minVal), self._time_of(maxVal)
        # the step from the bar density (a gap inside the view does not coarsen it) ...
        step = choose_step(bars * span / size, label_px, span)
        # ... but never more raw ticks than a bound, however long the gaps in view
        budget = 4.0 * size / label_px + 8
        while (t1 - t0) / step.ms > budget and step is not LADDER[-1]:
            step = coarser(step)
        px_per_x = size / bars
        room = label_px + label_gap(label_px)
        xs: list[float] = []
        times: list[int] = []
        last_px = -1e18
        for t in tick_times(t0, t1, step, self._tz):
            x = self._x_of(t)
            if x is None or x < minVal or x > maxVal:
                continue
            px = (x - minVal) * px_per_x
            if px - last_px < room:  # uneven spacing around gaps: never overlap labels
                continue
            last_px = px
            xs.append(x)
            times.append(t)
        self.step = step
        self._text = dict(zip(xs, tick_labels(times, step, self._tz), strict=False))
        self._levels = [(step.ms / span, xs)]
        return self._levels

    def tickStrings(self, values, scale, spacing):
        return [self._text.get(v, "") for v in values]

    def _time_of(self, x: float) -> int:
        """Epoch ms at a fractional x (bar i's open at x = i; linear inside a bar and
        beyond the data)."""
        s = self._series
        n = len(s)
        i = max(0, min(n - 1, math.floor(x)))
        return int(s.t[i]) + round((x - i) * s.span_ms)

    def _x_of(self, t: int) -> float | None:
        """x of epoch ms `t`, or None when `t` falls in a gap between bars."""
        s = self._series
        n = len(s)
        span = s.span_ms
        times = s.t
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0:  # before the first bar: extrapolate
            return (t - int(times[0])) / span
        offset = t - int(times[i])
        if i < n - 1 and offset >= span:
            return None  # between bar i's close and the next bar's open
        return i + offset / span


def format_time(ms: int, fmt: str, utc: bool = False) -> str:
    """Epoch milliseconds as text, in local time unless `utc`."""
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    if not utc:
        dt = dt.astimezone()
    return dt.strftime(fmt)
