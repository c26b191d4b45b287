"""Drawings on the whole main window against a real paper exchange: a horizontal line,
a trend line, a rectangle and a text note are made from the chart's right-click menu,
selected, moved and deleted, the note's text is edited (a double-click on the note, then
the menu's "Edit text..."; bad text refused in the dialog), and the ones left come back
after a restart (stored in the journal per symbol, by time and price, the note with its
edited text). Real widgets offscreen, loopback only."""

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
    EDIT_NOTE,
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
    dialog.edit.setText("")
    assert not drv.do(dialog.submit) and dialog.isVisible()  # nothing drawn yet
    assert dialog.error_label.text() == "Not saved: a text note needs some text"
    assert not any(x.kind is DrawingKind.TEXT for x in d.drawings.values())
    dialog.edit.setText("support here")
    assert drv.do(dialog.submit) and not dialog.isVisible()
    kinds = sorted(x.kind.value for x in d.drawings.values())
    assert kinds == ["hline", "rect", "text", "trend"], kinds
    by_kind = {x.kind: x for x in d.drawings.values()}
    hline, rect = by_kind[DrawingKind.HLINE], by_kind[DrawingKind.RECT]
    assert hline.points[0].price == mid and by_kind[DrawingKind.TEXT].text == "support here"
    drv.until(lambda: hline.drawing_id in d.hlines.labels(), 5, "the horizontal line shown")

    # edit the note: a double-click on it opens its text; bad text is refused in the dialog
    note = by_kind[DrawingKind.TEXT]
    marker = d.items[note.drawing_id]
    d.select(rect.drawing_id)
    at = chart.graphics.mapFromScene(marker.mapToScene(QPointF(0, 0)))
    view, left, plain = chart.graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    # a double-click as Qt delivers it: press, release, double-click (the second press), release
    drv.do(lambda: QTest.mouseClick(view, left, plain, at))
    drv.do(lambda: QTest.mouseDClick(view, left, plain, at))
    drv.do(lambda: QTest.mouseRelease(view, left, plain, at))
    editor = drv.until(lambda: d.note_dialog is not dialog and d.note_dialog, 5, "the editor")
    assert editor.edit.text() == "support here" and d.selected == note.drawing_id
    for bad, reason in (
        ("two\nlines", "one line of printable text"),
        ("x" * 201, "at most 200 characters"),
        ("  ", "needs some text"),
    ):
        editor.edit.setText(bad)
        assert not drv.do(editor.submit) and editor.isVisible()
        shown = editor.error_label.text()
        assert shown.startswith("Not saved: ") and reason in shown and "\n" not in shown
        assert d.drawings[note.drawing_id].text == "support here"  # unchanged
    editor.edit.setText("support broke")
    assert drv.do(editor.submit) and not editor.isVisible()
    assert d.drawings[note.drawing_id].text == "support broke"
    assert d.items[note.drawing_id].label().toPlainText() == "support broke"
    assert d.last_message == "Text note changed"

    # the same through the menu: offered only while a text note is selected
    menu = drv.do(lambda: d.menu.open_at(str(mid)))
    assert any(a.objectName() == EDIT_NOTE for a in menu.actions())
    menu.close()
    _choose(first, str(mid), EDIT_NOTE)
    editor = drv.until(lambda: d.note_dialog, 5, "the editor from the menu")
    assert editor.edit.text() == "support broke"
    editor.edit.setText("support broke, 2nd test")
    assert drv.do(editor.submit)
    d.select(rect.drawing_id)
    menu = drv.do(lambda: d.menu.open_at(str(mid)))
    assert not any(a.objectName() == EDIT_NOTE for a in menu.actions())
    menu.close()

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
    assert got[note.drawing_id].text == "support broke, 2nd test"  # the edit was saved
    second.driver.until(lambda: hline.drawing_id in d2.hlines.labels(), 10, "the line shown")
    assert set(d2.items) == {rect.drawing_id, by_kind[DrawingKind.TEXT].drawing_id}
