"""The candle chart: indicator math, the visible slice, 100k candles, crosshair readout,
order lines, follow mode and the timeframe selector. Real widgets, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math
from decimal import Decimal as D

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Candle
from terminal.domain.order import Order, OrderStatus
from terminal.ui.frame import LatestValue
from terminal.ui.widgets.candles import CandleSeries, visible_slice
from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.indicators import (
    DAY_MS,
    IndicatorSet,
    ema,
    session_keys,
    sma,
    vwap,
)
from terminal.ui.widgets.palette import DARK

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"))
T0 = 1_763_683_200_000  # 2025-11-21 00:00 UTC
MIN = 60_000


def make_candles(n: int, t0: int = T0, seed: int = 7) -> list[Candle]:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 20, n)
    wig = np.abs(rng.normal(0, 8, (n, 2)))
    vols = np.abs(rng.normal(5, 2, n)) + 0.001
    out = []
    price = 50_000.0
    for i in range(n):
        o = price
        c = o + steps[i]
        price = c
        out.append(
            Candle(
                t0 + i * MIN,
                D(f"{o:.2f}"),
                D(f"{max(o, c) + wig[i, 0]:.2f}"),
                D(f"{min(o, c) - wig[i, 1]:.2f}"),
                D(f"{c:.2f}"),
                D(f"{vols[i]:.5f}"),
            )
        )
    return out


@pytest.fixture(scope="module")
def candles_100k() -> list[Candle]:
    return make_candles(100_000)


def chart(qtbot, candles=None, **kwargs) -> CandleChartWidget:
    w = CandleChartWidget(RULES, **kwargs)
    qtbot.addWidget(w)
    w.resize(1000, 600)
    w.show()
    qtbot.waitExposed(w)
    if candles is not None:
        w.set_candles(candles)
    return w


def order(
    coid: str, side: Side, price: str, status=OrderStatus.OPEN, symbol=SYM, amount="0.5"
) -> Order:
    return Order(
        ClientOrderId(coid),
        VenueId("paper"),
        symbol,
        side,
        OrderType.LIMIT,
        D(amount),
        price=D(price),
        status=status,
    )


# ---- indicator math against hand-computed values --------------------------------------
def test_sma_hand_values():
    out = sma(np.array([1.0, 2.0, 3.0, 10.0, 4.0]), 3)
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == pytest.approx([2.0, 5.0, 17 / 3])


def test_ema_hand_values():
    # alpha = 2/(3+1) = 0.5, seeded with the SMA of the first 3 values (2.0)
    out = ema(np.array([1.0, 2.0, 3.0, 10.0, 4.0]), 3)
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == pytest.approx([2.0, 6.0, 5.0])


def test_vwap_hand_values_restart_each_utc_day():
    h = np.array([11.0, 12.0, 13.0, 20.0])
    lo = np.array([9.0, 10.0, 11.0, 18.0])
    c = np.array([10.0, 11.0, 12.0, 19.0])  # typical prices 10, 11, 12, 19
    v = np.array([1.0, 3.0, 0.0, 2.0])
    t = np.array([T0, T0 + MIN, T0 + DAY_MS, T0 + DAY_MS + MIN], dtype=np.int64)
    out = vwap(h, lo, c, v, session_keys(t, MIN))
    assert out[0] == pytest.approx(10.0)
    assert out[1] == pytest.approx((10 * 1 + 11 * 3) / 4)  # 10.75
    assert math.isnan(out[2])  # a new day with no volume yet
    assert out[3] == pytest.approx(19.0)
    # daily bars: one session across days
    out_d = vwap(h, lo, c, v, session_keys(t, DAY_MS))
    assert out_d[3] == pytest.approx((10 + 33 + 0 + 38) / 6)


def test_incremental_indicators_match_a_full_recompute():
    candles = make_candles(3000)
    live = CandleSeries("1m")
    live.set(candles[:2500])
    inds = IndicatorSet()
    inds.recompute(live, 0)
    for k in candles[2500:]:  # each bar first forms (a flat candle), then closes
        forming = Candle(k.open_time_ms, k.open, k.open, k.open, k.open, k.volume / 3)
        inds.recompute(live, live.upsert(forming))
        inds.recompute(live, live.upsert(k))
    full = CandleSeries("1m")
    full.set(candles)
    ref = IndicatorSet()
    ref.recompute(full, 0)
    for name in ("sma", "ema", "vwap"):
        np.testing.assert_allclose(
            inds.items[name].values, ref.items[name].values, rtol=1e-9, equal_nan=True
        )
    # the live tail crossed midnight (bar 2880): the VWAP restarted there
    np.testing.assert_array_equal(inds.items["vwap"].breaks, ref.items["vwap"].breaks)
    assert np.flatnonzero(ref.items["vwap"].breaks).tolist() == [1440, 2880]


def test_visible_slice_merges_bars_per_pixel():
    s = CandleSeries("1m")
    s.set(make_candles(10))
    sl = visible_slice(s, 0, 9, width_px=5)  # 10 bars on 5 pixels: 2 per drawn bar
    assert sl.per_bar == 2 and sl.count == 5
    assert sl.h[0] == max(s.h[0], s.h[1]) and sl.l[0] == min(s.l[0], s.l[1])
    assert sl.o[0] == s.o[0] and sl.c[0] == s.c[1]
    assert sl.v[0] == pytest.approx(s.v[0] + s.v[1])
    one = visible_slice(s, 2.3, 5.6, width_px=500)
    assert (one.i0, one.i1, one.per_bar) == (2, 7, 1)


# ---- the widget ---------------------------------------------------------------------------
def test_100k_candles_draw_only_the_visible_slice_and_pan_and_zoom(qtbot, candles_100k):
    w = chart(qtbot, candles_100k)
    n = len(candles_100k)
    w.grab()
    x0, x1 = w.visible_range()
    assert x1 >= n - 1 and x1 - x0 < 200  # opens on the newest ~150 bars
    drawn = w.candles_item.last_paint_bars
    assert abs(drawn - (n - math.floor(x0))) <= 1 and drawn < 160, (drawn, x0)
    assert w.candles_item.last_paint_range[1] == n
    assert w.volume_item.last_paint_bars == drawn
    assert w.line_items["sma"].last_paint_bars == drawn
    # pan 5000 bars back: same number drawn, different slice, follow stops
    w.pan_by(-5000)
    assert not w.follow
    w.grab()
    i0, i1 = w.candles_item.last_paint_range
    px0, px1 = w.visible_range()
    assert i1 <= n - 4900 and i1 - i0 == w.candles_item.last_paint_bars
    assert abs(w.candles_item.last_paint_bars - (px1 - px0)) <= 2
    # zoom all the way out: bars are merged per pixel, never 100k drawn
    w.zoom_by(10_000)
    w.grab()
    x0, x1 = w.visible_range()
    assert x1 - x0 > 50_000
    assert w.candles_item.last_paint_bars <= w.price_vb.width() + 2
    # y follows the visible slice (auto-scaled to what is in view; indicators off so
    # only the candles count)
    for name in ("sma", "ema", "vwap"):
        w.set_indicator_visible(name, False)
    w.price_vb.setXRange(1000, 1100, padding=0)
    lo = min(float(k.low) for k in candles_100k[1000:1102])
    hi = max(float(k.high) for k in candles_100k[1000:1102])
    y0, y1 = w.price_vb.viewRange()[1]
    assert y0 < lo < hi < y1 and (y1 - y0) < (hi - lo) * 1.3


def test_mouse_wheel_zooms_and_drag_pans(qtbot):
    w = chart(qtbot, make_candles(2000))
    view = w.graphics.viewport()
    center = w.graphics.mapFromScene(w.price_vb.sceneBoundingRect().center())
    width_before = np.diff(w.visible_range())[0]
    ev = QWheelEvent(
        QPointF(center),
        QPointF(view.mapToGlobal(center)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, ev)
    assert np.diff(w.visible_range())[0] < width_before * 0.9  # zoomed in
    assert w.follow  # a zoom while following keeps the newest bar anchored
    assert w.visible_range()[1] >= 1999
    # drag to the right = look at older bars
    x_before = w.visible_range()[1]
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=center)
    for dx in (10, 60, 200):
        _drag_move(view, center + QPoint(dx, 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=center + QPoint(200, 0))
    assert w.visible_range()[1] < x_before - 5
    assert not w.follow


def _drag_move(view, pos: QPoint) -> None:
    ev = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(view.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, ev)


def test_crosshair_readout_shows_the_hovered_candle(qtbot):
    candles = make_candles(500)
    w = chart(qtbot, candles)
    k = candles[480]
    w.hover_index(480, float(k.close))
    text = w.readout_text()
    for value in (k.open, k.high, k.low, k.close):
        assert RULES.format_price(value) in text
    assert f"V {RULES.format_amount(k.volume)}" in text
    assert f"O {RULES.format_price(k.open)}  H {RULES.format_price(k.high)}" in text
    assert w.vline.isVisible() and w.vline.value() == 480
    # a real mouse move over bar 470 puts the crosshair there
    scene_pt = w.price_vb.mapViewToScene(QPointF(470, float(candles[470].close)))
    pos = w.graphics.mapFromScene(scene_pt)
    qtbot.mouseMove(w.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: w.hovered_index == 470, timeout=2000)
    assert f"C {RULES.format_price(candles[470].close)}" in w.readout_text()
    w.hover_index(None)  # leaving: the readout shows the newest candle
    assert f"C {RULES.format_price(candles[-1].close)}" in w.readout_text()
    assert not w.vline.isVisible()


def test_order_lines_appear_and_disappear(qtbot):
    w = chart(qtbot, make_candles(300))
    buy = order("ttbuy1", Side.BUY, "49900.00")
    sell = order("ttsell1", Side.SELL, "50100.50", amount="0.25")
    other = order("ttother", Side.BUY, "10.00", symbol=Symbol("ETH/USDT"))
    w.set_orders([buy, sell, other])
    last = w.last_price()
    labels = w.order_line_labels()
    assert labels.keys() == {"ttbuy1", "ttsell1"}
    assert labels["ttbuy1"].startswith("BUY 0.50000 @ 49900.00  ")
    assert labels["ttsell1"].startswith("SELL 0.25000 @ 50100.50  ")
    # the distance from the last price, in % and in quote, exact
    diff = D("49900.00") - last
    pct = (diff * 100 / last).quantize(D("0.01"))
    sign = "+" if diff >= 0 else ""
    assert labels["ttbuy1"].endswith(f"{sign}{pct:f}% ({sign}{RULES.format_price(diff)})")
    lines = [
        item
        for item in w.price_plot.items
        if getattr(item, "label", None) is not None
        and item.label.toPlainText().startswith(("BUY", "SELL"))
    ]
    assert sorted(line.value() for line in lines) == [49900.0, 50100.5]
    w.set_orders([buy, order("ttsell1", Side.SELL, "50100.50", OrderStatus.FILLED)])
    assert list(w.order_line_labels()) == ["ttbuy1"]
    w.set_orders([])
    assert w.order_line_labels() == {}
    assert not [
        item
        for item in w.price_plot.items
        if getattr(item, "label", None) is not None
        and item.label.toPlainText().startswith(("BUY", "SELL"))
    ]


def test_follow_moves_with_a_new_candle_and_stops_after_a_pan(qtbot):
    candles = make_candles(600)
    w = chart(qtbot, candles[:500])
    x0, x1 = w.visible_range()
    assert w.follow
    w.update_last(candles[500])  # a new bar
    assert w.visible_range() == (x0, x1)  # stored, not applied per message
    assert w.refresh()
    nx0, nx1 = w.visible_range()
    assert (nx0, nx1) == pytest.approx((x0 + 1, x1 + 1))
    # the forming candle updates in place
    forming = Candle(
        candles[500].open_time_ms,
        candles[500].open,
        candles[500].high + 5,
        candles[500].low,
        candles[500].close + 5,
        candles[500].volume + 1,
    )
    w.update_last(forming)
    w.refresh()
    assert len(w.series) == 501 and w.series.c[-1] == float(forming.close)
    assert f"C {RULES.format_price(forming.close)}" in w.readout_text()
    assert w.visible_range() == pytest.approx((nx0, nx1))
    # the user pans away: new candles no longer move the view
    with qtbot.waitSignal(w.followChanged) as sig:
        w.pan_by(-100)
    assert sig.args == [False]
    here = w.visible_range()
    w.update_last(candles[501])
    w.refresh()
    assert w.visible_range() == pytest.approx(here)
    assert not w.follow_button.isChecked()
    # scrolling back to the end resumes following
    w.pan_by(+100)
    assert w.follow
    w.pan_by(-50)
    assert not w.follow
    # End key resumes too, jumping to the newest bar
    w.graphics.setFocus()
    qtbot.keyClick(w.graphics, Qt.Key.Key_End)
    assert w.follow and w.visible_range()[1] >= len(w.series) - 1


def test_provider_sync_is_incremental_then_resets_on_new_history(qtbot):
    candles = make_candles(400)
    w = chart(qtbot)
    cell: LatestValue[list[Candle]] = LatestValue(candles[:300])
    w.set_provider(cell)
    assert w.refresh()
    assert len(w.series) == 300 and w.follow
    version = w.series.version
    cell.set(candles[:302])
    assert w.refresh()
    assert len(w.series) == 302 and w.series.version == version + 3  # 1 update + 2 appends
    assert not w.refresh()  # same version: nothing to do
    cell.set(make_candles(50, t0=T0 + 10 * DAY_MS))  # another symbol / timeframe
    assert w.refresh()
    assert len(w.series) == 50 and w.series.t[0] == T0 + 10 * DAY_MS


def test_timeframe_selector_emits_and_indicators_toggle(qtbot):
    w = chart(qtbot, make_candles(300))
    with qtbot.waitSignal(w.timeframeChanged) as sig:
        qtbot.mouseClick(w.tf_buttons["4h"], Qt.MouseButton.LeftButton)
    assert sig.args == ["4h"]
    with qtbot.assertNotEmitted(w.timeframeChanged):
        w.set_timeframe("1h")
    assert w.tf_buttons["1h"].isChecked()
    w.set_candles(make_candles(100), timeframe="1h")
    assert w.timeframe == "1h" and w.series.span_ms == 3_600_000
    with qtbot.waitSignal(w.indicatorToggled) as sig:
        qtbot.mouseClick(w.indicator_buttons["vwap"], Qt.MouseButton.LeftButton)
    assert sig.args == ["vwap", False]
    assert not w.line_items["vwap"].isVisible()
    w.set_indicator_visible("vwap", True)
    assert w.line_items["vwap"].isVisible() and w.indicator_buttons["vwap"].isChecked()
    np.testing.assert_allclose(w.indicator_values("sma")[19:], sma(w.series.c, 20)[19:])


def test_chart_renders_candles_in_both_colours(qtbot):
    w = chart(qtbot, make_candles(300))
    w.set_orders([order("ttbuy1", Side.BUY, str(make_candles(300)[-1].low))])
    img = w.grab().toImage()
    img.save("/tmp/f1_chart_test.png")
    rect = w.graphics.geometry()
    up, down = QColor(DARK.candle_up), QColor(DARK.candle_down)
    n_up = n_down = 0
    for y in range(rect.top(), rect.bottom(), 2):
        for x in range(rect.left(), rect.right() - 80, 2):
            c = QColor(img.pixel(x, y))
            n_up += c == up
            n_down += c == down
    assert n_up > 200 and n_down > 200, (n_up, n_down)


def test_stale_chart_says_so(qtbot):
    w = chart(qtbot, make_candles(50))
    w.set_stale(True, "reconnecting")
    assert w.readout_text().startswith("STALE — reconnecting")
    assert w.candles_item.opacity() < 1
    w.set_stale(False)
    assert not w.readout_text().startswith("STALE")


def test_last_price_line_follows_the_forming_candle(qtbot):
    candles = make_candles(100)
    w = chart(qtbot, candles)
    assert w.last_line.value() == float(candles[-1].close)
    assert w.last_line.label.toPlainText() == RULES.format_price(candles[-1].close)
    k = candles[-1]
    w.update_last(Candle(k.open_time_ms, k.open, k.high + 1, k.low, k.high + 1, k.volume))
    w.refresh()
    assert w.last_line.label.toPlainText() == RULES.format_price(k.high + 1)


def test_vwap_line_breaks_at_the_session_start(qtbot):
    candles = make_candles(200, t0=T0 - 100 * MIN)  # the UTC day changes at bar 100
    w = chart(qtbot, candles)
    breaks = w.indicators.items["vwap"].breaks
    assert breaks is not None and np.flatnonzero(breaks).tolist() == [100]
    w.price_vb.setXRange(80, 120, padding=0)
    w.grab()
    assert w.line_items["vwap"].last_pieces == 2  # two sessions, two pieces of line
    assert w.line_items["sma"].last_pieces == 1
    sl = w.visible()
    vals = w.indicator_values("vwap")[sl.i0 : sl.i1]
    assert np.isfinite(vals).all()
    assert vals[100 - sl.i0] == pytest.approx(
        (float(candles[100].high) + float(candles[100].low) + float(candles[100].close)) / 3
    )


def test_provider_rolling_window_keeps_history_and_the_view(qtbot):
    candles = make_candles(700)
    w = chart(qtbot)
    cell: LatestValue[list[Candle]] = LatestValue(candles[:500])
    w.set_provider(cell)
    w.refresh()
    w.pan_by(-200)  # the user looks at older bars
    here = w.visible_range()
    for end in range(501, 520):  # the core keeps a 500-candle window: the oldest drop off
        cell.set(candles[end - 500 : end])
        w.refresh()
    assert len(w.series) == 519 and w.series.t[0] == candles[0].open_time_ms
    assert w.visible_range() == pytest.approx(here)  # bars did not shift under the user
    assert not w.follow
    # a timeframe switch: the provider now hands out other candles -> new history
    w.set_timeframe("5m")
    cell.set(make_candles(80, t0=T0 + 50 * DAY_MS))
    assert w.refresh()
    assert len(w.series) == 80 and w.follow and w.series.span_ms == 300_000


def test_set_market_clears_and_pulls_the_provider_again(qtbot):
    candles = make_candles(120)
    w = chart(qtbot)
    w.set_provider(lambda: (1, candles))
    assert w.refresh() and len(w.series) == 120
    w.set_orders([order("ttbuy1", Side.BUY, "49900.00")])
    w.set_market(RULES)
    assert len(w.series) == 0 and w.order_line_labels() == {}
    assert w.refresh() and len(w.series) == 120


def test_double_click_on_the_price_pane_emits_a_tick_price(qtbot):
    candles = make_candles(200)
    w = chart(qtbot, candles)
    assert w.price_text(50123.456789) == "50123.46"
    y = float(candles[-10].close)
    pos = w.graphics.mapFromScene(w.price_vb.mapViewToScene(QPointF(190, y)))
    view = w.graphics.viewport()

    def send(kind, buttons) -> None:  # the event sequence a real double-click produces
        QApplication.sendEvent(
            view,
            QMouseEvent(
                kind,
                QPointF(pos),
                QPointF(view.mapToGlobal(pos)),
                Qt.MouseButton.LeftButton,
                buttons,
                Qt.KeyboardModifier.NoModifier,
            ),
        )

    with qtbot.assertNotEmitted(w.priceClicked):  # a single click does nothing
        send(QMouseEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton)
        send(QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)
    with qtbot.waitSignal(w.priceClicked, timeout=2000) as sig:
        send(QMouseEvent.Type.MouseButtonDblClick, Qt.MouseButton.LeftButton)
        send(QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)
    price = D(sig.args[0])
    assert price == RULES.round_price(price)  # on the tick grid
    px_per_price = w.price_vb.height() / (
        w.price_vb.viewRange()[1][1] - w.price_vb.viewRange()[1][0]
    )
    assert abs(float(price) - y) <= 1.5 / px_per_price  # within a pixel or so


def test_zoomed_out_volume_has_no_holes(qtbot):
    w = chart(qtbot, make_candles(20_000))
    w.price_vb.setXRange(0, 20_000, padding=0)
    img = w.grab().toImage()
    vb = w.volume_vb.sceneBoundingRect()
    top_left = w.graphics.mapTo(w, w.graphics.mapFromScene(vb.topLeft()))
    bottom_right = w.graphics.mapTo(w, w.graphics.mapFromScene(vb.bottomRight()))
    y = bottom_right.y() - 4  # just above the zero line: every bar covers it
    bg = QColor(DARK.background)
    x0, x1 = top_left.x() + 5, bottom_right.x() - 5
    holes = [x for x in range(x0, x1) if QColor(img.pixel(x, y)) == bg]
    assert len(holes) <= 2, holes[:20]
    assert w.volume_item.last_paint_bars <= vb.width() + 2
