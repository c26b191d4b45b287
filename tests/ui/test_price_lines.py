"""The chart's price-line layer (order lines, alerts, drawings): lines follow `set`, a
mouse drag reports one drop on the tick, Escape and right-click cancel a drag, a drop
is answered by `restore` (snap back) or by a new `set`, and a line being dragged is not
moved by a `set` arriving meanwhile. Real widgets, offscreen."""

from __future__ import annotations

import time
from decimal import Decimal

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.price_lines import LineStyle, PriceLine

RULES = MarketRules(
    symbol=Symbol("BTC/USDT"),
    base="BTC",
    quote="USDT",
    tick_size=Decimal("0.5"),
    step_size=Decimal("0.001"),
)


def _chart(qtbot) -> CandleChartWidget:  # type: ignore[no-untyped-def]
    w = CandleChartWidget(RULES)
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.show()
    QApplication.processEvents()
    w.price_vb.setYRange(0, 100, padding=0)
    QApplication.processEvents()
    return w


def _at(w: CandleChartWidget, price: float) -> QPoint:
    (x0, x1), _ = w.price_vb.viewRange()
    return w.graphics.mapFromScene(w.price_vb.mapViewToScene(QPointF((x0 + x1) / 2, price)))


def _send(w: CandleChartWidget, kind: QEvent.Type, pos: QPoint, button, buttons) -> None:  # type: ignore[no-untyped-def]
    vp = w.graphics.viewport()
    ev = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(vp.mapToGlobal(pos)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, ev)


def _drag(w: CandleChartWidget, start: float, end: float, release: bool = True) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    a, b = _at(w, start), _at(w, end)
    _send(w, QEvent.Type.MouseButtonPress, a, left, left)
    for i in range(1, 9):
        time.sleep(0.03)  # pyqtgraph drops moves closer together than its rate limit
        _send(
            w,
            QEvent.Type.MouseMove,
            QPoint(a.x(), round(a.y() + (b.y() - a.y()) * i / 8)),
            none,
            left,
        )
    if release:
        _send(w, QEvent.Type.MouseButtonRelease, b, left, none)


def _line(key: str, price: str, draggable: bool = True) -> PriceLine:
    return PriceLine(key, Decimal(price), f"ALERT {price}", "#e0a000", LineStyle.DASHED, draggable)


def test_a_drag_drops_once_on_the_tick_and_restore_snaps_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = _chart(qtbot)
    layer = w.line_layer()
    drops: list[tuple[str, Decimal]] = []
    moves: list[Decimal] = []
    layer.dropped.connect(lambda k, p: drops.append((k, p)))
    layer.moved.connect(lambda _k, p: moves.append(p))
    layer.set([_line("a", "60"), _line("fixed", "40", draggable=False)])
    assert layer.labels() == {"a": "ALERT 60", "fixed": "ALERT 40"}
    _drag(w, 60.0, 30.0)
    assert len(drops) == 1 and drops[0][0] == "a"
    price = drops[0][1]
    assert price % RULES.tick_size == 0 and abs(float(price) - 30.0) < 1.0, price
    assert moves and all(p % RULES.tick_size == 0 for p in moves)
    assert layer.shown_price("a") == float(price)
    # the label while dragging: where it would go (no last price here: no distance)
    assert layer.item("a").label.toPlainText() == (
        f"ALERT 60 @ {RULES.format_price(price)}  (Esc: cancel)"
    )
    layer.restore("a")  # e.g. the venue refused
    assert layer.shown_price("a") == 60.0 and layer.item("a").label.toPlainText() == "ALERT 60"
    # a line that is not draggable does not move, nothing is dropped
    _drag(w, 40.0, 20.0)
    assert layer.shown_price("fixed") == 40.0 and len(drops) == 1


def test_escape_cancels_a_drag_and_set_does_not_move_the_dragged_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = _chart(qtbot)
    layer = w.line_layer()
    drops: list[object] = []
    layer.dropped.connect(lambda *a: drops.append(a))
    layer.set([_line("a", "60")])
    _drag(w, 60.0, 30.0, release=False)
    assert layer.dragging == "a"
    moved_to = layer.shown_price("a")
    layer.set([_line("a", "61"), _line("b", "20")])  # a refresh during the drag
    assert layer.shown_price("a") == moved_to and layer.spec("a").price == Decimal("61")
    QTest.keyClick(w.graphics, Qt.Key.Key_Escape)
    assert layer.dragging is None and layer.shown_price("a") == 61.0
    _send(
        w,
        QEvent.Type.MouseButtonRelease,
        _at(w, 30.0),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.NoButton,
    )
    assert drops == [] and layer.shown_price("a") == 61.0
    # programmatic drop (keyboard, tests): the same signal as a mouse drop
    layer.drop("b", Decimal("25.5"))
    assert drops == [("b", Decimal("25.5"))] and layer.shown_price("b") == 25.5
    layer.clear()
    assert layer.specs() == []
