"""Open orders on the price chart: a dashed, labelled line at each order's price, and a
marker on the top or bottom edge of the chart for each order whose price is outside the
visible price range (above: at the top with ▲, below: at the bottom with ▼), naming its
side, amount and price, so an order is never out of sight without a sign of it.

Markers follow every pan and zoom (the view box's range signal); at most MAX_PER_EDGE
are listed per edge, nearest price first, then one "+N more" line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from terminal.domain.enums import Side

from .palette import Palette

MAX_PER_EDGE = 3
LABEL_AT = 0.06  # where along the line (0 = left) a line's label sits
EDGE_AT = 0.5  # where along the top or bottom edge the markers sit (clear of the legend)


@dataclass(frozen=True)
class OrderMark:
    key: str  # client order id
    price: Decimal
    side: Side
    text: str  # "BUY 0.50000 @ 49900.00"


@dataclass(frozen=True)
class EdgeMarker:
    edge: str  # "top" (orders above the view) or "bottom"
    text: str
    keys: tuple[str, ...]  # the orders it stands for


class OrderMarks:
    """The order lines and edge markers of one price plot."""

    def __init__(self, plot: pg.PlotItem, view: pg.ViewBox, palette: Palette) -> None:
        self._plot = plot
        self._view = view
        self._palette = palette
        self._lines: dict[str, tuple[pg.InfiniteLine, OrderMark]] = {}
        self._edge_items: list[tuple[pg.TextItem, EdgeMarker]] = []
        self._last_edges: tuple | None = None
        view.sigRangeChanged.connect(self.update_edges)

    # ---- orders ----------------------------------------------------------------------
    def set(self, marks: list[OrderMark]) -> None:
        wanted = {m.key: m for m in marks}
        for key in list(self._lines):
            if wanted.get(key) != self._lines[key][1]:
                line, _ = self._lines.pop(key)
                self._plot.removeItem(line)
        for key, mark in wanted.items():
            if key not in self._lines:
                self._add_line(mark)
        self.update_edges(force=True)

    def clear(self) -> None:
        self.set([])

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        marks = [mark for _, mark in self._lines.values()]
        self.clear()
        self.set(marks)

    def labels(self) -> dict[str, str]:
        """Client order id -> label text of the order lines shown."""
        return {key: mark.text for key, (_, mark) in self._lines.items()}

    def edge_markers(self) -> list[EdgeMarker]:
        return [marker for _, marker in self._edge_items]

    def _colour(self, side: Side) -> str:
        return self._palette.order_buy if side is Side.BUY else self._palette.order_sell

    def _fill(self) -> QColor:
        fill = QColor(self._palette.background)
        fill.setAlpha(200)
        return fill

    def _add_line(self, mark: OrderMark) -> None:
        colour = self._colour(mark.side)
        line = pg.InfiniteLine(
            pos=float(mark.price),
            angle=0,
            movable=False,
            pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
            label=mark.text,
            labelOpts={
                "position": LABEL_AT,
                "color": colour,
                "fill": self._fill(),
                "anchors": [(0, 1), (0, 1)],
            },
        )
        line.setZValue(40)
        self._plot.addItem(line, ignoreBounds=True)
        self._lines[mark.key] = (line, mark)

    # ---- edge markers ------------------------------------------------------------------
    def update_edges(self, *_: object, force: bool = False) -> None:
        (x0, x1), (y0, y1) = self._view.viewRange()
        above = sorted(
            (m for _, m in self._lines.values() if float(m.price) > y1), key=lambda m: m.price
        )
        below = sorted(
            (m for _, m in self._lines.values() if float(m.price) < y0),
            key=lambda m: m.price,
            reverse=True,
        )
        state = (tuple(m.key for m in above), tuple(m.key for m in below), x0, y0, y1)
        if state == self._last_edges and not force:
            return
        self._last_edges = state
        for item, _ in self._edge_items:
            self._plot.removeItem(item)
        self._edge_items = []
        x = x0 + (x1 - x0) * EDGE_AT
        for edge, marks, arrow, y in (("top", above, "▲", y1), ("bottom", below, "▼", y0)):
            rows = [(f"{arrow} {m.text}", m.side, (m.key,)) for m in marks[:MAX_PER_EDGE]]
            rest = marks[MAX_PER_EDGE:]
            if rest:
                rows.append(
                    (f"{arrow} +{len(rest)} more", rest[0].side, tuple(m.key for m in rest))
                )
            for i, (text, side, keys) in enumerate(rows):
                # anchor y: 0 hangs the text below the top edge, 1 sits it on the bottom
                # edge; each further row one text height further in
                anchor = (0.5, -float(i)) if edge == "top" else (0.5, 1.0 + i)
                item = pg.TextItem(text, color=self._colour(side), fill=self._fill(), anchor=anchor)
                item.setZValue(45)
                item.setPos(x, y)
                self._plot.addItem(item, ignoreBounds=True)
                self._edge_items.append((item, EdgeMarker(edge, text, keys)))
