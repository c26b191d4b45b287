"""Click-to-price on the depth chart: the widget's signal and hover readout, and the
whole window against a real paper exchange (the click lands in the order ticket, as a
chart double-click does). Real widgets offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal.core.marketstate import FeedKind, FeedStatus
from terminal.ui.widgets.depthchart import DepthChartWidget
from tests.ui.test_depthchart import RULES, book


def fed(qtbot, rules=RULES) -> DepthChartWidget:
    w = DepthChartWidget(rules)
    qtbot.addWidget(w)
    w.resize(400, 220)
    w.show()
    qtbot.waitExposed(w)
    w.set_book(book())
    assert w.refresh()
    return w


def expected_at(x: int, width: int = 400) -> str:
    """The book spans 99.60 .. 100.50 over the widget's width: x -> price on the tick."""
    price = D("99.60") + D(x) / D(width) * (D("100.50") - D("99.60"))
    return str(price.quantize(D("0.01"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    "x, price, readout",
    [
        (130, "99.89", "99.89   Σ bids 3.0000 BTC"),  # 99.8925: bids 100.00 and 99.90 above it
        (310, "100.30", "100.30   Σ asks 4.0000 BTC"),  # 100.2975: asks 100.10 and 100.20
        (3, "99.61", "99.61   Σ bids 10.0000 BTC"),  # 99.60675: the four levels 100.00 .. 99.70
    ],
)
def test_a_click_emits_the_price_at_the_cursor_on_the_tick(qtbot, x, price, readout):
    w = fed(qtbot)
    assert expected_at(x) == price
    qtbot.mouseMove(w, QPoint(x, 100))
    assert w.hover_text() == readout
    with qtbot.waitSignal(w.priceClicked, timeout=2000) as sig:
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(x, 100))
    assert sig.args == [price]
    assert D(price) == RULES.round_price(D(price))


def test_no_price_without_a_book_a_tick_or_the_left_button(qtbot):
    w = fed(qtbot)
    with qtbot.assertNotEmitted(w.priceClicked):
        qtbot.mouseClick(w, Qt.MouseButton.RightButton, pos=QPoint(130, 100))
    w.set_market(None)  # no rules: no tick to round to; also clears the book
    w.set_book(book())
    assert w.refresh()
    assert w.price_text_at(130) is None
    with qtbot.assertNotEmitted(w.priceClicked):
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(130, 100))
    empty = DepthChartWidget(RULES)
    qtbot.addWidget(empty)
    empty.resize(400, 220)
    empty.show()
    with qtbot.assertNotEmitted(empty.priceClicked):
        qtbot.mouseClick(empty, Qt.MouseButton.LeftButton, pos=QPoint(130, 100))
    assert empty.hover_text() == ""


@pytest.mark.timeout(240)
def test_depth_click_and_chart_double_click_fill_the_ticket(make_main_window, paper_for_ui):  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, p, drv = run.controller, run.panels, run.driver
    drv.until(
        lambda: c.state.feed_status(c.market.active.key(FeedKind.BOOK)) is FeedStatus.LIVE,
        20,
        "a live book",
    )
    drv.until(
        lambda: p.depth is not None and p.depth.curves() is not None,
        20,
        "the depth chart with a book",
    )
    dock = run.window.docks["depth"]
    drv.do(lambda: (dock.show(), dock.raise_()))
    drv.until(lambda: p.depth.isVisible() and p.depth.width() > 50, 10, "the depth chart on screen")
    rules = c.services.sessions["paper"].markets[c.market.active.symbol]
    depth = p.depth
    x = int(depth.width() * 0.3)
    drv.do(lambda: QTest.mouseClick(depth, Qt.MouseButton.LeftButton, pos=QPoint(x, 40)))
    # the live book moves between the click and any check, so check what must hold:
    # exact text on the tick grid, on the bid side of the mid (30 % of the width)
    text = p.entry.price_edit.text()
    assert text, "the depth click did not reach the ticket"
    assert D(text) == rules.round_price(D(text)) and D(text) > 0
    assert D(text) < D(repr(depth.curves().mid))
    assert text == rules.format_price(D(text))

    # the chart's double-click goes the same way
    chart = p.chart
    drv.until(lambda: len(chart.series) > 10, 20, "candles on the chart")
    vb = chart.price_vb
    (x0, x1), (y0, y1) = vb.viewRange()
    y = y0 + (y1 - y0) * 0.37
    pos = chart.graphics.mapFromScene(vb.mapViewToScene(QPointF((x0 + x1) / 2, y)))
    view = chart.graphics.viewport()

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

    drv.do(lambda: p.entry.set_price(""))
    drv.do(
        lambda: (
            send(QMouseEvent.Type.MouseButtonDblClick, Qt.MouseButton.LeftButton),
            send(QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
        )
    )
    text = p.entry.price_edit.text()
    assert text and D(text) == rules.round_price(D(text))
    assert abs(float(text) - y) <= (y1 - y0) / max(1.0, vb.height()) * 2 + float(rules.tick_size)
