"""The order book ladder: rows from a BookView, grouping, depth, clicks, keyboard, stale.

Real widgets, offscreen; pixels are read back from grab() to check what the user sees.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from terminal.domain.enums import Side
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView
from terminal.ui.widgets.ladder import build_ladder, grouping_steps
from terminal.ui.widgets.orderbook import OrderBookLadder, OrderBookWidget
from terminal.ui.widgets.palette import DARK, LIGHT

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.0001"))


def book(levels: int = 30) -> BookView:
    """Bids 100.00, 99.97, ...; asks 100.02, 100.05, ...; amounts 1.0000, 1.1000, ..."""
    bids = tuple(
        BookLevel(D("100.00") - D("0.03") * i, D("1.0") + D("0.1") * i) for i in range(levels)
    )
    asks = tuple(
        BookLevel(D("100.02") + D("0.03") * i, D("0.5") + D("0.2") * i) for i in range(levels)
    )
    return BookView(SYM, bids, asks, sequence=1)


def colour_counts(img: QImage, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int]:
    """(greenish, reddish) pixels in a rectangle of an image."""
    green = red = 0
    for y in range(max(0, y0), min(img.height(), y1)):
        for x in range(max(0, x0), min(img.width(), x1)):
            c = QColor(img.pixel(x, y))
            if c.green() > c.red() + 40 and c.green() > c.blue() + 20:
                green += 1
            elif c.red() > c.green() + 40 and c.red() > c.blue() + 20:
                red += 1
    return green, red


def shown_ladder(qtbot, **kwargs) -> OrderBookLadder:
    w = OrderBookLadder(RULES, **kwargs)
    qtbot.addWidget(w)
    w.resize(320, 520)
    w.show()
    qtbot.waitExposed(w)
    return w


# ---- rows (pure) --------------------------------------------------------------------
def test_ladder_rows_cumulative_and_formatting():
    lad = build_ladder(book(), depth=3, step=D("0.01"), rules=RULES)
    assert [r.price_text for r in lad.asks] == ["100.02", "100.05", "100.08"]
    assert [r.price_text for r in lad.bids] == ["100.00", "99.97", "99.94"]
    assert [r.size_text for r in lad.bids] == ["1.0000", "1.1000", "1.2000"]
    assert [r.cum_text for r in lad.bids] == ["1.0000", "2.1000", "3.3000"]
    assert [r.cum_text for r in lad.asks] == ["0.5000", "1.2000", "2.1000"]
    # one scale for both sides: the largest cumulative is the bids' 3.3
    assert lad.bids[-1].cum_frac == pytest.approx(1.0)
    assert lad.asks[-1].cum_frac == pytest.approx(2.1 / 3.3)
    assert lad.bids[2].size_frac == pytest.approx(1.0)  # 1.2 is the largest amount shown
    assert lad.mid_text == "100.01"
    assert lad.spread_text.startswith("0.02 (")
    assert not lad.crossed


def test_grouping_floors_bids_and_ceils_asks():
    lad = build_ladder(book(), depth=4, step=D("0.1"), rules=RULES)
    # asks 100.02..100.08 -> 100.1, 100.11..100.17 -> 100.2, ...; bids 100.00 -> 100.0,
    # 99.97..99.91 -> 99.9
    assert [r.price_text for r in lad.asks][:2] == ["100.1", "100.2"]
    assert [r.price_text for r in lad.bids][:2] == ["100.0", "99.9"]
    assert lad.asks[0].size_text == "2.1000"  # 0.5 + 0.7 + 0.9
    assert lad.bids[1].size_text == "3.6000"  # 1.1 + 1.2 + 1.3


def test_grouping_choices_are_multiples_of_the_tick():
    steps = grouping_steps(D("0.01"))
    assert steps[0] == D("0.01") and D("0.1") in steps and D("10") in steps
    assert all((s / D("0.01")) == (s / D("0.01")).to_integral_value() for s in steps)
    assert grouping_steps(None) == []


def test_mid_between_two_ticks_gets_one_more_place():
    view = BookView(SYM, (BookLevel(D("100.00"), D("1")),), (BookLevel(D("100.03"), D("1")),))
    lad = build_ladder(view, rules=RULES)
    assert lad.mid_text == "100.015"
    assert lad.spread_text == "0.03 (0.0300%)"


def test_crossed_book_is_flagged():
    view = BookView(SYM, (BookLevel(D("100.05"), D("1")),), (BookLevel(D("100.00"), D("1")),))
    assert build_ladder(view, rules=RULES).crossed


# ---- the painted widget -------------------------------------------------------------
def test_renders_green_bids_below_red_asks(qtbot):
    w = shown_ladder(qtbot)
    w.set_book(book())
    assert w.refresh()
    img = w.grab().toImage()
    bid = w.row_rect(Side.BUY, 0).toRect()
    ask = w.row_rect(Side.SELL, 0).toRect()
    assert bid.top() > ask.bottom()  # bids below the asks
    g_bid, r_bid = colour_counts(img, 0, bid.top(), w.width(), bid.bottom())
    g_ask, r_ask = colour_counts(img, 0, ask.top(), w.width(), ask.bottom())
    assert g_bid > 50 and r_bid == 0, (g_bid, r_bid)
    assert r_ask > 50 and g_ask == 0, (g_ask, r_ask)
    # the price text of the best bid is drawn in the bid colour
    g_text, _ = colour_counts(img, 4, bid.top(), 60, bid.bottom())
    assert g_text > 10
    img.save("/tmp/f1_orderbook_test.png")


def test_set_book_paints_only_on_the_frame_tick(qtbot):
    w = shown_ladder(qtbot)
    qtbot.wait(20)
    before = w.frames.total
    for i in range(50):  # a burst of messages
        w.set_book(book(10 + i % 5))
    qtbot.wait(30)
    assert w.frames.total == before  # nothing painted per message
    assert w.refresh()
    qtbot.waitUntil(lambda: w.frames.total == before + 1, timeout=2000)
    assert not w.refresh()  # no new data: no repaint


def test_provider_is_pulled_and_applied_once_per_version(qtbot):
    w = shown_ladder(qtbot, depth=5)
    state = {"version": 1, "view": book()}
    w.set_provider(lambda: (state["version"], state["view"]))
    assert w.refresh()
    assert not w.refresh()
    assert len(w.ladder().bids) == 5
    state["version"], state["view"] = 2, book(2)
    assert w.refresh()
    assert len(w.ladder().bids) == 2


def test_click_on_a_level_emits_its_price_text(qtbot):
    w = shown_ladder(qtbot)
    w.set_book(book())
    w.refresh()
    center = w.row_rect(Side.BUY, 1).center().toPoint()
    with qtbot.waitSignal(w.priceClicked, timeout=1000) as sig:
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=center)
    assert sig.args == ["99.97"]
    assert isinstance(sig.args[0], str)
    center = w.row_rect(Side.SELL, 2).center().toPoint()
    with qtbot.waitSignal(w.priceClicked, timeout=1000) as sig:
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=center)
    assert sig.args == ["100.08"]
    # the spread row and the header emit nothing
    with qtbot.assertNotEmitted(w.priceClicked):
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(10, int(w._spread_top() + 3)))
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(10, 3))


def test_panel_grouping_selector_changes_rows_and_clicked_price(qtbot):
    panel = OrderBookWidget(RULES)
    qtbot.addWidget(panel)
    panel.resize(320, 560)
    panel.show()
    panel.set_book(book())
    panel.refresh()
    assert panel.ladder.ladder().bids[1].price_text == "99.97"
    options = panel.grouping_options()
    assert options[0] == D("0.01")
    with qtbot.waitSignal(panel.groupingChanged) as sig:
        panel.grouping_box.setCurrentIndex(options.index(D("0.1")))
    assert sig.args == ["0.1"]
    rows = panel.ladder.ladder()
    assert [r.price_text for r in rows.bids][:2] == ["100.0", "99.9"]
    center = panel.ladder.row_rect(Side.BUY, 1).center().toPoint()
    with qtbot.waitSignal(panel.priceClicked) as sig:
        qtbot.mouseClick(panel.ladder, Qt.MouseButton.LeftButton, pos=center)
    assert sig.args == ["99.9"]
    with pytest.raises(ValueError):
        panel.set_grouping(D("0.03"))


def test_depth_selector_limits_rows_per_side(qtbot):
    panel = OrderBookWidget(RULES, depth=20)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_book(book(30))
    panel.refresh()
    assert len(panel.ladder.ladder().asks) == 20
    with qtbot.waitSignal(panel.depthChanged) as sig:
        panel.depth_box.setCurrentIndex(panel.depth_box.findData(5))
    assert sig.args == [5]
    lad = panel.ladder.ladder()
    assert len(lad.asks) == len(lad.bids) == 5


def test_stale_greys_the_book_and_says_stale(qtbot):
    w = shown_ladder(qtbot)
    w.set_book(book())
    w.refresh()
    bid = w.row_rect(Side.BUY, 3).toRect()
    live = w.grab().toImage()
    g_live, _ = colour_counts(live, 0, bid.top(), w.width(), bid.bottom())
    w.set_stale(True, "no book update for 12 s")
    assert w.is_stale and w.status_text().startswith("STALE")
    img = w.grab().toImage()
    g_stale, r_stale = colour_counts(img, 0, bid.top(), w.width(), bid.bottom())
    assert g_live > 50 and g_stale == 0 and r_stale == 0
    # the STALE banner in the middle is painted in the stale colour (amber on dark)
    amber = QColor(DARK.stale_text)
    mid_y = w.height() // 2
    hits = sum(
        1
        for y in range(mid_y - 30, mid_y + 30)
        for x in range(0, w.width())
        if _close(QColor(img.pixel(x, y)), amber)
    )
    assert hits > 30
    img.save("/tmp/f1_orderbook_stale_test.png")
    w.set_stale(False)
    assert w.status_text() == ""


def test_empty_book_shows_connecting(qtbot):
    w = shown_ladder(qtbot)
    assert w.status_text() == "Connecting…"
    w.set_placeholder("No market selected")
    w.set_book(BookView(SYM, (), ()))
    w.refresh()
    assert w.ladder().is_empty and w.status_text() == "No market selected"
    img = w.grab().toImage()
    text_pixels = sum(
        1
        for x in range(w.width())
        for y in range(w.height() // 2 - 8, w.height() // 2 + 8)
        if QColor(img.pixel(x, y)).lightness() > 90
    )
    assert text_pixels > 20


def test_keyboard_selects_and_emits_without_trapping_focus(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    lay = QVBoxLayout(host)
    w = OrderBookLadder(RULES)
    after = QLineEdit()
    lay.addWidget(w)
    lay.addWidget(after)
    host.resize(320, 600)
    host.show()
    qtbot.waitExposed(host)
    w.set_book(book())
    w.refresh()
    w.setFocus()
    qtbot.waitUntil(w.hasFocus, timeout=1000)
    qtbot.keyClick(w, Qt.Key.Key_Down)  # best bid
    qtbot.keyClick(w, Qt.Key.Key_Down)  # second bid
    with qtbot.waitSignal(w.priceClicked) as sig:
        qtbot.keyClick(w, Qt.Key.Key_Return)
    assert sig.args == ["99.97"]
    qtbot.keyClick(w, Qt.Key.Key_Up)
    qtbot.keyClick(w, Qt.Key.Key_Up)  # best ask
    with qtbot.waitSignal(w.priceClicked) as sig:
        qtbot.keyClick(w, Qt.Key.Key_Space)
    assert sig.args == ["100.02"]
    qtbot.keyClick(w, Qt.Key.Key_Tab)
    qtbot.waitUntil(after.hasFocus, timeout=1000)


def test_light_palette(qtbot):
    w = shown_ladder(qtbot, palette=LIGHT)
    w.set_book(book())
    w.refresh()
    img = w.grab().toImage()
    bg = QColor(img.pixel(w.width() // 3, w.height() - 3))
    assert bg.lightness() > 200
    bid = w.row_rect(Side.BUY, 0).toRect()
    g, r = colour_counts(img, 0, bid.top(), w.width(), bid.bottom())
    assert g > 20 and r == 0
    w.set_palette(DARK)
    assert QColor(w.grab().toImage().pixel(w.width() // 3, w.height() - 3)).lightness() < 60


def _close(a: QColor, b: QColor, tol: int = 40) -> bool:
    return (
        abs(a.red() - b.red()) < tol
        and abs(a.green() - b.green()) < tol
        and abs(a.blue() - b.blue()) < tol
    )


def test_set_market_drops_the_book_and_pulls_the_provider_again(qtbot):
    w = shown_ladder(qtbot)
    w.set_provider(lambda: (7, book()))
    assert w.refresh() and not w.ladder().is_empty
    w.set_market(MarketRules(SYM, "BTC", "USDT", tick_size=D("0.1"), step_size=D("0.01")))
    assert w.ladder().is_empty
    assert w.refresh()  # same provider version, but the widget dropped its state
    assert w.ladder().bids[0].size_text == "1.00"  # formatted by the new market's step
