"""Navigating the candle chart: the visible range (and the slice of bars it paints), the
y fit, follow mode, and pan/zoom as the user does them (End follows the newest bar)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QToolButton

from .candles import VisibleSlice, visible_slice
from .chart_host import ChartHost

DEFAULT_VISIBLE_BARS = 150
RIGHT_MARGIN_BARS = 6.0
MIN_VISIBLE_BARS = 8


class ChartNavigation(ChartHost):
    """The chart's range and follow mode (a part of `CandleChartWidget`)."""

    followChanged: SignalInstance
    follow_button: QToolButton
    _follow: bool
    _adjusting: bool
    _slice_key: tuple | None
    _slice_cache: VisibleSlice | None
    _prev_range: tuple[float, float]
    _cur_range: tuple[float, float]

    def _apply_limits(self) -> None:
        n = len(self.series)
        self.price_vb.setLimits(
            xMin=-DEFAULT_VISIBLE_BARS,
            xMax=n + DEFAULT_VISIBLE_BARS,
            minXRange=MIN_VISIBLE_BARS,
            maxXRange=max(n + 2 * RIGHT_MARGIN_BARS, DEFAULT_VISIBLE_BARS),
        )

    def _show_last(self, width: float) -> None:
        n = len(self.series)
        x1 = n - 1 + RIGHT_MARGIN_BARS
        self._adjusting = True
        try:
            self.price_vb.setXRange(x1 - width, x1, padding=0)
        finally:
            self._adjusting = False

    # ---- visible range -------------------------------------------------------------
    def visible(self) -> VisibleSlice:
        """The slice every item paints (cached per range, width and data version)."""
        x0, x1 = self.price_vb.viewRange()[0]
        width = max(1.0, self.price_vb.width())
        key = (self.series.version, x0, x1, int(width))
        if key != self._slice_key or self._slice_cache is None:
            self._slice_cache = visible_slice(self.series, x0, x1, width)
            self._slice_key = key
        return self._slice_cache

    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self.price_vb.viewRange()[0]
        return float(x0), float(x1)

    def _on_x_range(self, *_: object) -> None:
        self._prev_range, self._cur_range = self._cur_range, self.visible_range()
        self._fit_y()

    def _fit_y(self) -> None:
        sl = self.visible()
        pr = sl.price_range()
        if pr is None:
            return
        lo, hi = pr
        for ind in self.indicators.items.values():
            if ind.visible and len(ind.values) >= sl.i1:
                seg = ind.values[sl.i0 : sl.i1]
                finite = seg[np.isfinite(seg)]
                if len(finite):
                    lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        pad = (hi - lo) * 0.06 or max(abs(hi) * 0.001, 1e-9)
        self.price_vb.setYRange(lo - pad, hi + pad, padding=0)
        self.volume_vb.setYRange(0.0, (sl.volume_max() or 1.0) * 1.08, padding=0)

    # ---- follow mode ---------------------------------------------------------------
    @property
    def follow(self) -> bool:
        return self._follow

    def set_follow(self, follow: bool) -> None:
        """Follow the newest candle (True jumps to the end now) or stay where the user is."""
        self._follow_set(follow)
        if follow and len(self.series):
            x0, x1 = self.price_vb.viewRange()[0]
            self._show_last(x1 - x0)

    def _follow_set(self, follow: bool) -> None:
        if follow != self._follow:
            self._follow = follow
            self.followChanged.emit(follow)
        if self.follow_button.isChecked() != follow:
            self.follow_button.setChecked(follow)

    def _on_user_range(self, *_: object) -> None:
        """A pan or zoom by the user: follow stops when the newest bar leaves the view,
        and resumes when the user scrolls back to it. A zoom while following keeps the
        right edge anchored at the newest bar."""
        if self._adjusting:
            return
        n = len(self.series)
        x0, x1 = self.price_vb.viewRange()[0]
        px0, px1 = self._prev_range
        zoomed = abs((x1 - x0) - (px1 - px0)) > 1e-6 * max(1.0, x1 - x0)
        if self._follow and (zoomed or x1 >= n - 1):
            self._show_last(x1 - x0)
            return
        self._follow_set(x1 >= n - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """End: back to the newest candle and follow it; Escape: cancel a line drag."""
        if event.key() == Qt.Key.Key_Escape and self.cancel_drag():
            event.accept()
            return
        if event.key() == Qt.Key.Key_End:
            self.set_follow(True)
            event.accept()
            return
        super().keyPressEvent(event)

    def pan_by(self, bars: float) -> None:
        """Pan as the user would (positive = toward newer bars)."""
        self.price_vb.translateBy(x=bars)
        self._on_user_range()

    def zoom_by(self, factor: float) -> None:
        """Zoom around the view's centre as the user would (factor < 1 zooms in)."""
        self.price_vb.scaleBy(x=factor)
        self._on_user_range()
