"""The depth chart: stepped cumulative areas around the mid, bids left, asks right."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor

from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView
from terminal.ui.widgets.depthchart import DepthChartWidget, depth_curves

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.0001"))


def book() -> BookView:
    bids = tuple(BookLevel(D("100.00") - D("0.10") * i, D(1 + i)) for i in range(10))
    asks = tuple(BookLevel(D("100.10") + D("0.10") * i, D(2)) for i in range(5))
    return BookView(SYM, bids, asks)


def test_curves_are_cumulative_and_symmetric_about_the_mid():
    cv = depth_curves(book())
    assert cv is not None
    assert cv.bid_cum.tolist() == [1, 3, 6, 10, 15, 21, 28, 36, 45, 55]
    assert cv.ask_cum.tolist() == [2, 4, 6, 8, 10]
    assert cv.mid == pytest.approx(100.05)
    # both sides shown to the nearer extent: asks reach 100.50, so 0.45 each way
    assert (cv.x_min, cv.x_max) == pytest.approx((99.60, 100.50))
    # y fits the bids inside the range (down to 99.60: 1+...+5 = 15) with a little room
    assert cv.y_max == pytest.approx(15 * 1.08)
    assert cv.cumulative_at(99.95) == ("bid", 1.0)
    assert cv.cumulative_at(99.85) == ("bid", 3.0)
    assert cv.cumulative_at(100.25) == ("ask", 4.0)
    assert depth_curves(None) is None
    assert depth_curves(BookView(SYM, (), ())) is None


def test_renders_bids_green_left_asks_red_right(qtbot):
    w = DepthChartWidget(RULES)
    qtbot.addWidget(w)
    w.resize(400, 220)
    w.show()
    qtbot.waitExposed(w)
    w.set_book(book())
    assert w.refresh()
    qtbot.mouseMove(w, QPoint(100, 100))
    img = w.grab().toImage()
    img.save("/tmp/f1_depth_test.png")

    def counts(x0: int, x1: int) -> tuple[int, int]:
        g = r = 0
        for y in range(30, 200, 2):  # below the hover readout at the top
            for x in range(x0, x1, 2):
                c = QColor(img.pixel(x, y))
                g += c.green() > c.red() + 30
                r += c.red() > c.green() + 30
        return g, r

    g_left, r_left = counts(0, 190)
    g_right, r_right = counts(210, 400)
    assert g_left > 200 and r_left < 10, (g_left, r_left)
    assert r_right > 200 and g_right < 10, (g_right, r_right)
    assert not w.refresh()  # nothing new: no repaint


def test_stale_greys_and_empty_shows_placeholder(qtbot):
    w = DepthChartWidget(RULES)
    qtbot.addWidget(w)
    w.resize(300, 160)
    w.show()
    img = w.grab().toImage()
    assert any(QColor(img.pixel(x, 80)).lightness() > 90 for x in range(300))  # "Connecting…"
    w.set_book(book())
    w.refresh()
    w.set_stale(True, "resyncing")
    img = w.grab().toImage()
    assert not any(
        QColor(img.pixel(x, y)).green() > QColor(img.pixel(x, y)).red() + 30
        for x in range(0, 300, 3)
        for y in range(0, 160, 3)
    )


def test_labels_without_a_market_are_plain_digits(qtbot):
    w = DepthChartWidget()  # no rules yet: no tick to format with
    qtbot.addWidget(w)
    assert w._fmt(1_000_000.0) == "1000000" and w._fmt(1.5e-7) == "0.00000015"
