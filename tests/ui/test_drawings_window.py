"""Drawings on the whole main window against a real paper exchange: a horizontal line,
a trend line, a rectangle and a text note are made from the chart's right-click menu,
selected, moved and deleted, and the ones left come back after a restart (stored in the
journal per symbol, by time and price). Real widgets offscreen, loopback only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from terminal.core.drawings import DrawingKind
from terminal.ui.widgets.chart_menu import (
    DELETE_DRAWING,
    DRAW_HLINE,
    DRAW_RECT,
    DRAW_TEXT,
    DRAW_TREND,
)

pytestmark = pytest.mark.timeout(300)


def _choose(run: Any, price: str, kind: str) -> None:
    menu = run.driver.do(lambda: run.controller.chart_trading.menu.open_at(price))
    action = next(a for a in menu.actions() if a.objectName() == kind)
    run.driver.do(action.trigger)
    menu.close()


def _chart_ready(run: Any) -> Any:
    c = run.controller
    run.driver.until(
        lambda: (
            c.drawings is not None
            and c.drawings.loaded_symbol is not None
            and len(c.panels.chart.series) > 50
        ),
        60,
        "the chart with its drawings loaded",
    )
    return c.drawings


def test_drawings_are_made_moved_deleted_and_come_back_after_a_restart(
    make_main_window, paper_for_ui, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "drawings"
    first = make_main_window(paper_for_ui, data_dir=data)
    d, drv = _chart_ready(first), first.driver
    chart = first.controller.panels.chart
    tick = first.controller.panels.entry.rules.tick_size
    (y0, y1) = chart.price_vb.viewRange()[1]
    mid = Decimal(repr((y0 + y1) / 2)).quantize(tick)
    low = (mid * Decimal("0.995")).quantize(tick)
    d.menu.x_value = len(chart.series) - 40.0
    for kind in (DRAW_HLINE, DRAW_TREND, DRAW_RECT):
        _choose(first, str(mid), kind)
    _choose(first, str(low), DRAW_TEXT)
    dialog = drv.until(lambda: d.note_dialog, 5, "the note's text dialog")
    dialog.setTextValue("support here")
    drv.do(dialog.accept)
    kinds = sorted(x.kind.value for x in d.drawings.values())
    assert kinds == ["hline", "rect", "text", "trend"], kinds
    by_kind = {x.kind: x for x in d.drawings.values()}
    hline, rect = by_kind[DrawingKind.HLINE], by_kind[DrawingKind.RECT]
    assert hline.points[0].price == mid and by_kind[DrawingKind.TEXT].text == "support here"
    drv.until(lambda: hline.drawing_id in d.hlines.labels(), 5, "the horizontal line shown")

    # move the horizontal line (the chart's line drag) and the rectangle (its ROI)
    higher = (mid * Decimal("1.002")).quantize(tick)
    drv.do(lambda: d.hlines.drop(hline.drawing_id, higher))
    assert d.drawings[hline.drawing_id].points[0].price == higher
    roi = d.items[rect.drawing_id]
    drv.do(lambda: roi.setPos(roi.pos() + QPointF(-5.0, 0.0), finish=True))
    moved = d.drawings[rect.drawing_id]
    assert moved.points[0].time_ms < rect.points[0].time_ms and d.selected == rect.drawing_id

    # select the trend line by clicking it, delete it with the Delete key
    trend = by_kind[DrawingKind.TREND]
    d.select(trend.drawing_id)
    assert d.menu.selected_drawing == "trend line"
    menu = drv.do(lambda: d.menu.open_at(str(mid)))
    assert any(a.objectName() == DELETE_DRAWING for a in menu.actions())
    menu.close()
    chart.graphics.setFocus()
    drv.do(lambda: QTest.keyClick(chart.graphics, Qt.Key.Key_Delete))
    assert trend.drawing_id not in d.drawings and trend.drawing_id not in d.items
    drv.sleep(0.5)  # the journal writes finish on its own thread
    first.close()

    second = make_main_window(paper_for_ui, data_dir=data)
    d2 = _chart_ready(second)
    got = {x.drawing_id: x for x in d2.drawings.values()}
    assert set(got) == {hline.drawing_id, rect.drawing_id, by_kind[DrawingKind.TEXT].drawing_id}
    assert got[hline.drawing_id].points[0].price == higher
    assert got[rect.drawing_id].points == moved.points
    second.driver.until(lambda: hline.drawing_id in d2.hlines.labels(), 10, "the line shown")
    assert set(d2.items) == {rect.drawing_id, by_kind[DrawingKind.TEXT].drawing_id}
