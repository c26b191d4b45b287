"""Drawings on the chart: horizontal line, trend line, rectangle and text note.

Made from the chart's right-click menu at the clicked place; each is saved in the
journal's database for its symbol and comes back whenever that symbol is shown (also
after a restart). A drawing is selected by clicking it (or by making or moving it);
drag it to move it (the trend line and the rectangle also by their handles); the
selected one is deleted with the Delete key or the right-click menu's "Delete the
selected ...". Horizontal lines are lines of the chart's draggable price-line layer;
the others are pyqtgraph ROIs and a target marker. Points are stored as (time, price),
so a drawing keeps its place when the timeframe changes.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt

from terminal.core.drawings import ChartPoint, Drawing, DrawingError, DrawingKind
from terminal.domain.ids import Symbol
from terminal.ui.frame import FrameCounter
from terminal.ui.panels.note_dialog import NoteDialog
from terminal.ui.widgets.chart_menu import (
    DELETE_DRAWING,
    DRAW_HLINE,
    DRAW_RECT,
    DRAW_TEXT,
    DRAW_TREND,
    EDIT_NOTE,
)
from terminal.ui.widgets.price_lines import LineStyle, PriceLine

if TYPE_CHECKING:
    from terminal.core.supervision import TaskOwner
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.market import MarketWiring

log = logging.getLogger(__name__)

KINDS = {
    DRAW_HLINE: DrawingKind.HLINE,
    DRAW_TREND: DrawingKind.TREND,
    DRAW_RECT: DrawingKind.RECT,
    DRAW_TEXT: DrawingKind.TEXT,
}
NAMES = {
    DrawingKind.HLINE: "horizontal line",
    DrawingKind.TREND: "trend line",
    DrawingKind.RECT: "rectangle",
    DrawingKind.TEXT: "text note",
}
COLOUR = "#4aa8ff"
SELECTED = "#ffffff"
NEW_BARS = 20  # a new trend line or rectangle spans this many bars
NEW_PRICE = Decimal("0.01")  # and this fraction of the price


class NoteItem(pg.TargetItem):
    """A text note's marker: a click selects it, a double-click edits its text."""

    def __init__(self, *args: Any, on_click: Any, on_double: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_click, self._on_double = on_click, on_double

    def mouseClickEvent(self, ev: Any) -> None:
        if not self.moving and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            (self._on_double if ev.double() else self._on_click)()
            return
        super().mouseClickEvent(ev)


class DrawingsWiring(QObject):
    """`store` is the journal's chart store (None: drawings are not kept); `market`
    says which market the chart shows."""

    def __init__(
        self,
        chart: Any,
        menu: Any,
        store: Any,
        market: MarketWiring,
        tasks: TaskOwner,
        window: MainWindow,
    ) -> None:
        super().__init__(chart)
        self.store = store
        self.market = market
        self.tasks = tasks
        self.window = window
        self.chart = chart
        self.menu = menu
        self.plot: pg.PlotItem = chart.price_plot
        self.hlines = chart.line_layer(z=41.0)
        self.hlines.dropped.connect(self._hline_dropped)
        self.drawings: dict[str, Drawing] = {}
        self.items: dict[str, Any] = {}
        self.selected: str | None = None
        self.symbol: Symbol | None = None
        self.loaded_symbol: Symbol | None = None
        self.last_message = ""
        self.note_dialog: NoteDialog | None = None
        self._placed_for: tuple[Any, ...] = ()
        self._loading = False
        self.frames = FrameCounter()
        menu.chosen.connect(self.chosen)
        chart.graphics.installEventFilter(self)

    # -- time <-> chart x ----------------------------------------------------------------
    def _time_of(self, x: float) -> int:
        s = self.chart.series
        n = len(s)
        if n == 0:
            return int(time.time() * 1000)
        i = max(0, min(n - 1, math.floor(x)))
        return int(s.t[i]) + round((x - i) * s.span_ms)

    def _x_of(self, t: int) -> float:
        s = self.chart.series
        if len(s) == 0:
            return 0.0
        i = int(np.searchsorted(s.t, t, side="right")) - 1
        i = max(0, i)
        return i + (t - int(s.t[i])) / s.span_ms

    # -- symbol and loading ---------------------------------------------------------------------
    def _store(self) -> Any:
        return self.store

    def refresh(self) -> bool:
        """Frame clock: load the shown symbol's drawings; re-place them when the bars
        under them changed (new history, another timeframe)."""
        active = self.market.active
        symbol = active.symbol if active is not None else None
        if symbol != self.symbol and not self._loading:
            self.symbol = symbol
            self._clear()
            if symbol is not None:
                self._loading = True
                self.tasks.spawn(self._load(symbol), "drawings-load")
        s = self.chart.series
        key = (s.timeframe, len(s), int(s.t[0]) if len(s) else 0)
        if key != self._placed_for and len(s):
            self._placed_for = key
            self._place_all()
            self.frames.mark()
            return True
        return False

    async def _load(self, symbol: Symbol) -> None:
        try:
            store = self._store()
            found = await store.drawings(symbol) if store is not None else []
        finally:
            self._loading = False
        if symbol != self.symbol:
            return
        for drawing in found:
            self.drawings[drawing.drawing_id] = drawing
        self.loaded_symbol = symbol
        self._place_all()

    def _clear(self) -> None:
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items.clear()
        self.drawings.clear()
        self.hlines.set([])
        self.selected = None
        self.menu.selected_drawing = ""
        self.menu.selected_note = False
        self.loaded_symbol = None

    # -- making, moving, deleting ------------------------------------------------------------------
    def chosen(self, kind: str, price_text: str) -> None:
        if kind == DELETE_DRAWING:
            self.delete_selected()
            return
        if kind == EDIT_NOTE:
            self.edit_note()
            return
        if kind not in KINDS:
            return
        x = self.menu.x_value
        if x is None:
            x = max(0.0, len(self.chart.series) - NEW_BARS - 1.0)
        price = Decimal(price_text)
        if kind == DRAW_TEXT:
            self.ask_note(x, price)
            return
        self.create(KINDS[kind], x, price)

    def ask_note(self, x: float, price: Decimal) -> NoteDialog:
        dialog = self._open_note_dialog(NoteDialog("Text note", "", self.chart))
        dialog.submitted.connect(lambda text: self.create(DrawingKind.TEXT, x, price, text))
        return dialog

    def edit_note(self, drawing_id: str | None = None) -> NoteDialog | None:
        """Open the text of a note (the selected one by default) for editing."""
        drawing_id = drawing_id or self.selected
        drawing = self.drawings.get(drawing_id) if drawing_id else None
        if drawing is None or drawing.kind is not DrawingKind.TEXT:
            self.say("Select a text note first (click it)")
            return None
        self.select(drawing.drawing_id)
        dialog = self._open_note_dialog(NoteDialog("Edit text note", drawing.text, self.chart))
        dialog.submitted.connect(lambda text, k=drawing.drawing_id: self.set_text(k, text))
        return dialog

    def _open_note_dialog(self, dialog: NoteDialog) -> NoteDialog:
        if self.note_dialog is not None:
            self.note_dialog.close()
            self.note_dialog.deleteLater()
        self.note_dialog = dialog
        dialog.open()  # no nested event loop
        return dialog

    def set_text(self, drawing_id: str, text: str) -> Drawing | None:
        """A note's new text: checked, shown and saved (refused with the reason, unchanged)."""
        old = self.drawings.get(drawing_id)
        if old is None:
            self.say("That text note is gone")
            return None
        try:
            new = old.with_text(text)
        except DrawingError as exc:
            self.say(f"Not saved: {exc}")
            return None
        if new.text == old.text:
            return old
        self.drawings[drawing_id] = new
        item = self.items.pop(drawing_id, None)
        if item is not None:
            self.plot.removeItem(item)
        self._place(new)
        self.select(drawing_id)
        self._save(new)
        self.say("Text note changed")
        return new

    def create(self, kind: DrawingKind, x: float, price: Decimal, text: str = "") -> Drawing | None:
        if self.symbol is None:
            self.say("No market shown: nothing to draw on")
            return None
        t0 = self._time_of(x)
        points = [ChartPoint(t0, price)]
        if kind in (DrawingKind.TREND, DrawingKind.RECT):
            step = price * NEW_PRICE
            points.append(ChartPoint(self._time_of(x + NEW_BARS), price + step))
        drawing = Drawing(
            uuid.uuid4().hex,
            self.symbol,
            kind,
            tuple(points),
            text,
            int(time.time() * 1000),
        )
        try:
            drawing.check()
        except DrawingError as exc:
            self.say(f"Not drawn: {exc}")
            return None
        self.drawings[drawing.drawing_id] = drawing
        self._place(drawing)
        self.select(drawing.drawing_id)
        self._save(drawing)
        self.say(f"{NAMES[kind].capitalize()} drawn on {self.symbol}")
        return drawing

    def _save(self, drawing: Drawing) -> None:
        store = self._store()
        if store is not None:
            self.tasks.spawn(store.save_drawing(drawing), "drawing-save")

    def moved(self, drawing_id: str, points: tuple[ChartPoint, ...]) -> None:
        old = self.drawings.get(drawing_id)
        if old is None or points == old.points:
            return
        new = Drawing(old.drawing_id, old.symbol, old.kind, points, old.text, old.created_ms)
        self.drawings[drawing_id] = new
        self.select(drawing_id)
        self._save(new)

    def delete_selected(self) -> bool:
        drawing_id = self.selected
        drawing = self.drawings.pop(drawing_id, None) if drawing_id else None
        if drawing is None:
            self.say("Select a drawing first (click it)")
            return False
        item = self.items.pop(drawing.drawing_id, None)
        if item is not None:
            self.plot.removeItem(item)
        self._show_hlines()
        self.selected = None
        self.menu.selected_drawing = ""
        self.menu.selected_note = False
        store = self._store()
        if store is not None:
            self.tasks.spawn(store.delete_drawing(drawing.drawing_id), "drawing-delete")
        self.say(f"{NAMES[drawing.kind].capitalize()} deleted")
        return True

    def select(self, drawing_id: str | None) -> None:
        self.selected = drawing_id if drawing_id in self.drawings else None
        drawing = self.drawings.get(self.selected) if self.selected else None
        self.menu.selected_drawing = NAMES[drawing.kind] if drawing is not None else ""
        self.menu.selected_note = drawing is not None and drawing.kind is DrawingKind.TEXT
        for key, item in self.items.items():
            colour = SELECTED if key == self.selected else COLOUR
            if isinstance(item, pg.ROI):
                item.setPen(pg.mkPen(colour, width=2))
            elif isinstance(item, NoteItem):
                item.setPen(pg.mkPen(colour))
        self._show_hlines()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)  # type: ignore[attr-defined]
            and self.selected is not None
        ):
            self.delete_selected()
            return True
        return False

    def say(self, text: str) -> None:
        self.last_message = text
        self.window.show_status(text)

    # -- graphics ----------------------------------------------------------------------------------
    def _place_all(self) -> None:
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items.clear()
        for drawing in self.drawings.values():
            self._place(drawing)
        self._show_hlines()

    def _show_hlines(self) -> None:
        self.hlines.set(
            [
                PriceLine(
                    d.drawing_id,
                    d.points[0].price,
                    f"{d.points[0].price}",
                    SELECTED if d.drawing_id == self.selected else COLOUR,
                    LineStyle.SOLID,
                    draggable=True,
                    tooltip="Horizontal line: drag to move; click, then Delete to remove",
                )
                for d in self.drawings.values()
                if d.kind is DrawingKind.HLINE
            ]
        )
        for key in self.hlines.labels():
            line = self.hlines.item(key)
            if line is not None and not getattr(line, "_drawing_hooked", False):
                line._drawing_hooked = True
                line.sigClicked.connect(lambda *_, k=key: self.select(k))

    def _hline_dropped(self, drawing_id: str, price: Decimal) -> None:
        d = self.drawings.get(drawing_id)
        if d is not None:
            self.moved(drawing_id, (ChartPoint(d.points[0].time_ms, price),))

    def _place(self, d: Drawing) -> None:
        if d.kind is DrawingKind.HLINE:
            self._show_hlines()
            return
        pts = [(self._x_of(p.time_ms), float(p.price)) for p in d.points]
        pen = pg.mkPen(COLOUR, width=2)
        item: Any
        if d.kind is DrawingKind.TREND:
            item = pg.LineSegmentROI(pts, pen=pen, movable=True)
            item.sigRegionChangeFinished.connect(lambda r, k=d.drawing_id: self._roi_moved(k, r))
        elif d.kind is DrawingKind.RECT:
            (x0, y0), (x1, y1) = pts
            item = pg.RectROI(
                (min(x0, x1), min(y0, y1)), (abs(x1 - x0), abs(y1 - y0)), pen=pen, movable=True
            )
            item.sigRegionChangeFinished.connect(lambda r, k=d.drawing_id: self._roi_moved(k, r))
        else:
            item = NoteItem(
                pts[0],
                size=8,
                pen=pg.mkPen(COLOUR),
                movable=True,
                label=d.text,
                labelOpts={"color": COLOUR, "offset": (8, -8)},
                on_click=lambda k=d.drawing_id: self.select(k),
                on_double=lambda k=d.drawing_id: self.edit_note(k),
            )
            item.sigPositionChangeFinished.connect(
                lambda it, k=d.drawing_id: self._target_moved(k, it)
            )
        if isinstance(item, pg.ROI):
            item.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
            item.sigClicked.connect(lambda *_, k=d.drawing_id: self.select(k))
        item.setZValue(39)
        self.plot.addItem(item, ignoreBounds=True)
        self.items[d.drawing_id] = item

    def _point(self, x: float, y: float) -> ChartPoint:
        return ChartPoint(self._time_of(x), Decimal(repr(round(y, 10))).normalize())

    def _roi_moved(self, drawing_id: str, roi: Any) -> None:
        if isinstance(roi, pg.LineSegmentROI):
            ends = [roi.mapToParent(h.pos()) for h in roi.getHandles()]
            points = tuple(self._point(p.x(), p.y()) for p in ends)
        else:
            pos, size = roi.pos(), roi.size()
            points = (
                self._point(pos.x(), pos.y()),
                self._point(pos.x() + size.x(), pos.y() + size.y()),
            )
        self.moved(drawing_id, points)

    def _target_moved(self, drawing_id: str, item: Any) -> None:
        pos = item.pos()
        self.moved(drawing_id, (self._point(pos.x(), pos.y()),))
