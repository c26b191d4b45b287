"""Rendering benchmark, the candle chart: the visible-range candles item against a QPicture
of all bars, and the whole chart widget."""
# Each closure below is timed inside the loop iteration that made it (B023 does not apply).
# ruff: noqa: B023

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from decimal import Decimal as D
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPicture
from PySide6.QtWidgets import QApplication

from terminal.bench.paint_timing import RULES, timed
from terminal.domain.marketdata import Candle
from terminal.ui.widgets.candles import CandleSeries, VisibleSlice, visible_slice
from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.chart_items import CandlesItem


# ---- candles ---------------------------------------------------------------------------
def make_candles(n: int) -> list[Candle]:
    rng = np.random.default_rng(5)
    c = 50_000 + np.cumsum(rng.normal(0, 20, n))
    o = np.concatenate(([50_000.0], c[:-1]))
    h = np.maximum(o, c) + np.abs(rng.normal(0, 8, n))
    lo = np.minimum(o, c) - np.abs(rng.normal(0, 8, n))
    v = np.abs(rng.normal(5, 2, n)) + 0.001
    t0 = 1_700_000_000_000
    return [
        Candle(
            t0 + i * 60_000,
            D(f"{o[i]:.2f}"),
            D(f"{h[i]:.2f}"),
            D(f"{lo[i]:.2f}"),
            D(f"{c[i]:.2f}"),
            D(f"{v[i]:.5f}"),
        )
        for i in range(n)
    ]


class QPictureCandles(pg.GraphicsObject):
    """The pyqtgraph example's CandlestickItem: one QPicture of every bar."""

    def __init__(self, data: list[tuple[float, float, float, float, float]]) -> None:
        super().__init__()
        self.data = data
        self.picture = QPicture()
        p = QPainter(self.picture)
        p.setPen(pg.mkPen("w"))
        w = 0.35
        for t, open_, close, low, high in data:
            p.drawLine(QPointF(t, low), QPointF(t, high))
            p.setBrush(pg.mkBrush("r" if open_ > close else "g"))
            p.drawRect(QRectF(t - w, open_, w * 2, close - open_))
        p.end()

    def paint(self, p, *args) -> None:
        p.drawPicture(0, 0, self.picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self.picture.boundingRect())


def _repaint(view) -> None:
    view.viewport().repaint()


def _warm_up() -> None:
    """One throwaway round, so the first measured size does not pay first-use costs
    (font caches, pyqtgraph's lazy imports and shaders of the raster engine)."""
    candles = make_candles(500)
    for make in (
        lambda: QPictureCandles(
            [
                (float(i), float(k.open), float(k.close), float(k.low), float(k.high))
                for i, k in enumerate(candles)
            ]
        ),
        None,
    ):
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        if make is not None:
            pw.addItem(make())
        else:
            w = CandleChartWidget(RULES)
            w.resize(1200, 700)
            w.show()
            w.set_candles(candles)
            for _ in range(5):
                _repaint(w.graphics)
            w.close()
        for _ in range(5):
            _repaint(pw)
        pw.close()


def bench_chart(sizes: list[int], repeat: int) -> dict[int, dict[str, float]]:
    """Per size: QPicture and visible-range item, last 200 bars and pan step (ms)."""
    _warm_up()
    out: dict[int, dict[str, float]] = {}
    print("\n== Candles: PlotWidget 1200x700 (ms; median of paints) ==")
    print(f"{'N':>7} | {'QPicture of all bars':^36} | {'visible range only (CandlesItem)':^36}")
    print(
        f"{'':>7} | {'build':>8} {'full':>8} {'last200':>8} {'pan':>8} |"
        f" {'build':>8} {'full':>8} {'last200':>8} {'pan':>8}  bars drawn (last200/full)"
    )
    for n in sizes:
        candles = make_candles(n)
        tuples = [
            (float(i), float(k.open), float(k.close), float(k.low), float(k.high))
            for i, k in enumerate(candles)
        ]
        row = []
        # baseline
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        t = time.perf_counter()
        item = QPictureCandles(tuples)
        pw.addItem(item)
        row.append((time.perf_counter() - t) * 1000)
        row += _paint_figures(pw, n, repeat)
        pw.close()
        # visible-range item
        pw = pg.PlotWidget()
        pw.resize(1200, 700)
        pw.show()
        vb = pw.getViewBox()
        series = CandleSeries("1m")
        t = time.perf_counter()
        series.set(candles)
        cache: dict[str, Any] = {}

        def source() -> VisibleSlice:
            x0, x1 = vb.viewRange()[0]
            key = (x0, x1, vb.width())
            if cache.get("key") != key:
                cache["key"], cache["slice"] = key, visible_slice(series, x0, x1, vb.width())
            return cache["slice"]

        citem = CandlesItem(series, source, QColor("#0ecb81"), QColor("#f6465d"))
        citem.set_bounds(
            QRectF(-0.5, float(series.l.min()), n, float(series.h.max() - series.l.min()))
        )
        pw.addItem(citem)
        build_ms = (time.perf_counter() - t) * 1000
        figures = _paint_figures(pw, n, repeat, citem)
        print(
            f"{n:>7} | {row[0]:8.1f} {row[1]:8.1f} {row[2]:8.1f} {row[3]:8.1f} |"
            f" {build_ms:8.1f} {figures[0]:8.1f} {figures[1]:8.1f} {figures[2]:8.1f}"
            f"  {figures[3]}/{figures[4]}"
        )
        out[n] = {
            "qpicture_last200": row[2],
            "qpicture_pan": row[3],
            "visible_last200": figures[1],
            "visible_pan": figures[2],
        }
        pw.close()
    print(
        "  (build of the visible-range item includes converting the Candle Decimals "
        "to numpy columns)"
    )

    print("\n== Whole chart widget (candles + volume + SMA/EMA/VWAP + axes), 1200x700 ==")
    print(
        f"{'N':>7} {'set_candles':>12} {'last150 paint':>14} {'pan step':>9} "
        f"{'full range':>11} {'live update+paint':>18}"
    )
    for n in sizes:
        candles = make_candles(n + 1)
        w = CandleChartWidget(RULES)
        w.resize(1200, 700)
        w.show()
        QApplication.processEvents()
        t = time.perf_counter()
        w.set_candles(candles[:n])
        set_ms = (time.perf_counter() - t) * 1000
        last, _ = timed(lambda: _repaint(w.graphics), repeat)

        def pan_step() -> None:
            w.pan_by(-3)
            _repaint(w.graphics)

        pan, _ = timed(pan_step, repeat)
        w.price_vb.setXRange(0, n, padding=0)
        full, _ = timed(lambda: _repaint(w.graphics), max(3, repeat // 5))
        w.price_vb.setXRange(n - 150, n, padding=0)  # back to the newest 150 bars
        w.set_follow(True)
        k = candles[n]
        seq = [k]
        for j in range(1, repeat + 1):
            seq.append(Candle(k.open_time_ms, k.open, k.high + j, k.low, k.high + j, k.volume))
        it = iter(seq)

        def live() -> None:
            w.update_last(next(it))
            w.refresh()
            _repaint(w.graphics)

        upd, _ = timed(live, repeat)
        print(f"{n:>7} {set_ms:12.1f} {last:14.2f} {pan:9.2f} {full:11.2f} {upd:18.2f}")
        w.close()
    return out


def _paint_figures(pw, n: int, repeat: int, item: CandlesItem | None = None) -> list:
    vb = pw.getViewBox()
    vb.disableAutoRange()
    vb.setRange(xRange=(0, n), yRange=_y_range(pw), padding=0)
    QApplication.processEvents()
    full, _ = timed(lambda: _repaint(pw), max(3, repeat // 5))
    full_bars = item.last_paint_bars if item else n
    vb.setXRange(n - 200, n, padding=0)
    last, _ = timed(lambda: _repaint(pw), repeat)
    last_bars = item.last_paint_bars if item else n

    def pan_step() -> None:
        vb.translateBy(x=-3)
        _repaint(pw)

    pan, _ = timed(pan_step, repeat)
    return [full, last, pan, last_bars, full_bars]


def _y_range(pw) -> tuple[float, float]:
    """The candles' price extent (the first item's bounds)."""
    items = [i for i in pw.getPlotItem().items if hasattr(i, "boundingRect")]
    br = items[0].boundingRect() if items else QRectF(0, 0, 1, 1)
    return br.top(), br.bottom()
