"""The chart's time axis on real widgets: round local times in bar-index x, gaps,
100,000 candles, and labels that never overlap as drawn. Offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
from datetime import datetime

import numpy as np
from PySide6.QtGui import QImage, QPainter

from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.chart_items import _major_ticks
from terminal.ui.widgets.time_ticks import LADDER
from tests.ui.test_chart import MIN, RULES, T0, candles_100k, make_candles  # noqa: F401


def chart(qtbot, candles) -> CandleChartWidget:
    w = CandleChartWidget(RULES)
    qtbot.addWidget(w)
    w.resize(1200, 600)
    w.show()
    qtbot.waitExposed(w)
    w.set_candles(candles)
    return w


def local(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000)  # the machine's zone, like the readout


def axis_ticks(w: CandleChartWidget) -> list[tuple[float, str]]:
    x0, x1 = w.visible_range()
    return w.time_axis.ticks(x0, x1, w.time_axis.geometry().width())


def drawn_labels(w: CandleChartWidget) -> list[tuple[float, float, str]]:
    """(left, right, text) of every label the axis would draw now."""
    ax = w.time_axis
    img = QImage(10, 10, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    try:
        _, _, texts = ax.generateDrawSpecs(p)
    finally:
        p.end()
    return sorted((r.left(), r.right(), text) for r, _, text in texts)


def check_ticks(w: CandleChartWidget) -> list[tuple[float, str]]:
    """Every tick sits on the bar that holds its round time, labelled like the readout
    would write that time; drawn labels keep clear of each other and of the edges."""
    s = w.series
    ticks = axis_ticks(w)
    step = w.time_axis.step
    assert ticks, "no ticks"
    for x, label in ticks:
        i = int(np.floor(x))
        if 0 <= i < len(s):
            t = int(s.t[i]) + round((x - i) * s.span_ms)
            assert int(s.t[i]) <= t < int(s.t[i]) + s.span_ms  # inside bar i: no gap
        else:
            t = int(s.t[-1]) + round((x - len(s) + 1) * s.span_ms)
        when = local(t)
        assert when.second == 0
        if step.unit == "minute":
            assert when.minute % step.count == 0, (label, when)
        elif step.unit == "hour":
            assert when.minute == 0 and when.hour % step.count == 0, (label, when)
        else:
            assert (when.hour, when.minute) == (0, 0), (label, when)
        assert label in (
            when.strftime("%H:%M"),
            f"{when.day} {when.strftime('%b')}",
            when.strftime("%b"),
            str(when.year),
        ), (label, when)
    # the grid lines are drawn at the labelled ticks
    x0, x1 = w.visible_range()
    grid = w.grid_items[0]
    assert _major_ticks(grid._x_axis, x0, x1, grid._view.width()) == [x for x, _ in ticks]
    drawn = drawn_labels(w)
    assert drawn, "the axis draws no label"
    width = w.time_axis.boundingRect().width()
    for (_l0, r0, a), (l1, _r1, b) in itertools.pairwise(drawn):
        assert l1 - r0 >= 8, f"labels {a!r} and {b!r} overlap or touch ({r0:.0f} vs {l1:.0f})"
    assert drawn[0][0] >= 0 and drawn[-1][1] <= width
    return ticks


def test_one_minute_bars_get_quarter_hours_like_the_readout(qtbot):
    w = chart(qtbot, make_candles(300))
    ticks = check_ticks(w)
    assert w.time_axis.step.name in ("5m", "15m", "30m")
    # a tick's label is the time the crosshair readout shows for that bar
    x, label = next((x, lab) for x, lab in ticks if ":" in lab and float(x).is_integer())
    w.hover_index(int(x))
    assert f" {label}  O " in w.readout_text()


def test_gaps_get_no_ticks_and_ticks_after_them_stay_true(qtbot):
    candles = make_candles(400)
    # an exchange outage: 97 minutes without candles after bar 150
    shifted = candles[:150] + [
        c.__class__(c.open_time_ms + 97 * MIN, c.open, c.high, c.low, c.close, c.volume)
        for c in candles[150:]
    ]
    w = chart(qtbot, shifted)
    w.price_vb.setXRange(100, 250, padding=0)
    ticks = check_ticks(w)
    gap0, gap1 = shifted[149].open_time_ms + MIN, shifted[150].open_time_ms
    s = w.series
    for x, _ in ticks:
        i = int(np.floor(x))
        t = int(s.t[i]) + round((x - i) * s.span_ms)
        assert not gap0 <= t < gap1


def test_ticks_stay_round_across_100k_candles_while_zooming_and_panning(qtbot, candles_100k):  # noqa: F811
    w = chart(qtbot, candles_100k)
    seen = set()
    check_ticks(w)
    for factor in (3.0, 3.0, 3.0, 3.0, 3.0, 3.0):  # out to the whole history
        w.zoom_by(factor)
        check_ticks(w)
        seen.add(w.time_axis.step.name)
    assert "1w" in seen and len(seen) == 6, seen
    for bars in (-1234.5, -40_000.0, 17.25):
        w.zoom_by(1 / 50)
        w.pan_by(bars)
        check_ticks(w)
    # the same range asks for nothing new: the axis and both grids share one result
    x0, x1 = w.visible_range()
    size = w.time_axis.geometry().width()
    assert w.time_axis.tickValues(x0, x1, size) is w.time_axis.tickValues(x0, x1, size)


def test_new_history_under_the_same_range_relabels_the_axis(qtbot):
    w = chart(qtbot, make_candles(300))
    before = axis_ticks(w)
    w.set_candles(make_candles(300, t0=T0 + 7 * 60 * MIN))  # same length, 7 h later
    after = check_ticks(w)
    assert after != before


def test_the_ladder_reaches_whole_history_of_daily_bars(qtbot):
    day = 24 * 60 * MIN
    candles = [
        c.__class__(T0 + i * day, c.open, c.high, c.low, c.close, c.volume)
        for i, c in enumerate(make_candles(3000))
    ]
    w = chart(qtbot, candles)
    w.set_timeframe("1d")
    w.set_candles(candles)
    w.price_vb.setXRange(0, 3000, padding=0)
    check_ticks(w)
    assert w.time_axis.step in LADDER and w.time_axis.step.unit in ("month", "year")
