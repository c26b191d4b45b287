"""Right-click on the chart's price pane: trade at the clicked price.

The menu offers "Buy limit here", "Sell limit here", "Stop here" and "Alert here" at the
clicked price on the market's tick; it only says what was chosen (`chosen(kind, price_text)`),
the wiring decides what that does (always through the ticket's check and confirmation).
The menu is opened with `popup()`, never `exec()`: a nested event loop would stall the
qasync loop.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

BUY_LIMIT = "buy_limit"
SELL_LIMIT = "sell_limit"
STOP = "stop"
ALERT = "alert"
DRAW_HLINE = "draw_hline"
DRAW_TREND = "draw_trend"
DRAW_RECT = "draw_rect"
DRAW_TEXT = "draw_text"
DELETE_DRAWING = "delete_drawing"
EDIT_NOTE = "edit_note"
CHOICES = (
    (BUY_LIMIT, "Buy limit here"),
    (SELL_LIMIT, "Sell limit here"),
    (STOP, "Stop here (stop-market)"),
)
# After a separator: not an order
OTHER_CHOICES = (
    (ALERT, "Alert here (last price crosses)"),
    (DRAW_HLINE, "Draw a horizontal line here"),
    (DRAW_TREND, "Draw a trend line from here"),
    (DRAW_RECT, "Draw a rectangle from here"),
    (DRAW_TEXT, "Add a text note here…"),
)


class ChartTradeMenu(QObject):
    """Attached to a CandleChartWidget: a right-click on its price pane opens the menu."""

    chosen = Signal(str, str)  # kind, price text on the tick

    def __init__(self, chart) -> None:
        super().__init__(chart)
        self.chart = chart
        self.menu: QMenu | None = None
        self.price_text: str | None = None
        self.x_value: float | None = None  # where on the time axis it was opened (drawings)
        self.selected_drawing = ""  # a drawing is selected: the menu offers to delete it
        self.selected_note = False  # ... and, when it is a text note, to edit its text
        chart.graphics.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event) -> None:  # pyqtgraph event
        if event.button() != Qt.MouseButton.RightButton:
            return
        pos = event.scenePos()
        vb = self.chart.price_vb
        if not vb.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        text = self.chart.price_text(point.y())
        if text is None:
            return
        event.accept()
        self.x_value = point.x()
        self.open_at(text)

    def open_at(self, price_text: str) -> QMenu:
        """Build and pop up the menu for `price_text` (also what a test calls)."""
        if self.menu is not None:
            self.menu.close()
            self.menu.deleteLater()
        self.price_text = price_text
        menu = QMenu(self.chart)
        menu.setObjectName("chartTradeMenu")
        title = menu.addAction(f"At {price_text}")
        title.setEnabled(False)
        menu.addSeparator()
        for kind, label in CHOICES:
            action = menu.addAction(label)
            action.setObjectName(kind)
            action.triggered.connect(lambda _=False, k=kind, p=price_text: self.chosen.emit(k, p))
        menu.addSeparator()
        for kind, label in OTHER_CHOICES:
            action = menu.addAction(label)
            action.setObjectName(kind)
            action.triggered.connect(lambda _=False, k=kind, p=price_text: self.chosen.emit(k, p))
        if self.selected_note:
            action = menu.addAction("Edit text…")
            action.setObjectName(EDIT_NOTE)
            action.triggered.connect(lambda _=False, p=price_text: self.chosen.emit(EDIT_NOTE, p))
        if self.selected_drawing:
            action = menu.addAction(f"Delete the selected {self.selected_drawing}")
            action.setObjectName(DELETE_DRAWING)
            action.triggered.connect(
                lambda _=False, p=price_text: self.chosen.emit(DELETE_DRAWING, p)
            )
        self.menu = menu
        menu.popup(QCursor.pos())
        return menu
