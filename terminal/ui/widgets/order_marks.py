"""Open orders on the price chart: a dashed, labelled line at each order's price, and a
marker on the top or bottom edge of the chart for each order whose price is outside the
visible price range (above: at the top with ▲, below: at the bottom with ▼), naming its
side, amount and price, so an order is never out of sight without a sign of it.

Markers follow every pan and zoom (the view box's range signal); at most MAX_PER_EDGE
are listed per edge, nearest price first, then one "+N more" line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtGui import QColor

from terminal.domain.enums import Side

from .palette import Palette
from .price_lines import LineStyle, PriceLine, PriceLineLayer, Snap

MAX_PER_EDGE = 3
EDGE_AT = 0.5  # where along the top or bottom edge the markers sit (clear of the legend)


@dataclass(frozen=True)
class OrderMark:
    key: str  # client order id
    price: Decimal
    side: Side
    text: str  # "BUY 0.50000 @ 49900.00"
    style: LineStyle = LineStyle.DASHED  # solid: resting limit; dashed: pending trigger
    draggable: bool = False
    tooltip: str = ""  # details, or why it cannot be dragged
    colour: str | None = None  # None: the side's colour
    edge_text: str = ""  # shorter text for an edge marker ("" = the label)
    short: str = ""  # the line's label on a narrow chart ("" = edge_text)


@dataclass(frozen=True)
class EdgeMarker:
    edge: str  # "top" (orders above the view) or "bottom"
    text: str
    keys: tuple[str, ...]  # the orders it stands for


class OrderMarks:
    """The order lines and edge markers of one price plot."""

    def __init__(
        self,
        plot: pg.PlotItem,
        view: pg.ViewBox,
        palette: Palette,
        snap: Snap,
        drag_text: Callable[[PriceLine, Decimal], str] | None = None,
        top_reserved: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._plot = plot
        self._top_reserved = top_reserved  # px at the top taken (the indicator legend)
        self._view = view
        self._palette = palette
        self.layer = PriceLineLayer(plot, snap, palette.background, z=40, drag_text=drag_text)
        self._lines: dict[str, OrderMark] = {}
        self._edge_items: list[tuple[pg.TextItem, EdgeMarker]] = []
        self._last_edges: tuple | None = None
        view.sigRangeChanged.connect(self.update_edges)

    # ---- orders ----------------------------------------------------------------------
    def set(self, marks: list[OrderMark]) -> None:
        self._lines = {m.key: m for m in marks}
        self.layer.set([self._spec(m) for m in marks])
        self.update_edges(force=True)

    def clear(self) -> None:
        self.set([])

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.layer.set_background(palette.background)
        self.set(list(self._lines.values()))

    def labels(self) -> dict[str, str]:
        """Client order id -> label text of the order lines shown."""
        return {key: mark.text for key, mark in self._lines.items()}

    def marks(self) -> list[OrderMark]:
        return list(self._lines.values())

    def edge_markers(self) -> list[EdgeMarker]:
        return [marker for _, marker in self._edge_items]

    def _colour(self, side: Side) -> str:
        return self._palette.order_buy if side is Side.BUY else self._palette.order_sell

    def _fill(self) -> QColor:
        fill = QColor(self._palette.background)
        fill.setAlpha(200)
        return fill

    def _spec(self, mark: OrderMark) -> PriceLine:
        return PriceLine(
            key=mark.key,
            price=mark.price,
            text=mark.text,
            colour=mark.colour or self._colour(mark.side),
            style=mark.style,
            draggable=mark.draggable,
            tooltip=mark.tooltip,
            short=mark.short or mark.edge_text,
        )

    # ---- edge markers ------------------------------------------------------------------
    def update_edges(self, *_: object, force: bool = False) -> None:
        (x0, x1), (y0, y1) = self._view.viewRange()
        above = sorted(
            (m for m in self._lines.values() if float(m.price) > y1), key=lambda m: m.price
        )
        below = sorted(
            (m for m in self._lines.values() if float(m.price) < y0),
            key=lambda m: m.price,
            reverse=True,
        )
        state = (tuple(m.key for m in above), tuple(m.key for m in below), x0, y0, y1)
        if state == self._last_edges and not force:
            return
        self._last_edges = state
        for item, _marker in self._edge_items:
            self._plot.removeItem(item)
        self._edge_items = []
        x = x0 + (x1 - x0) * EDGE_AT
        height = self._view.height()
        below_legend = y1 - self._top_reserved() * (y1 - y0) / height if height > 0 else y1
        for edge, marks, arrow, y in (("top", above, "▲", y1), ("bottom", below, "▼", y0)):
            rows: list[tuple[str, Side, tuple[str, ...]]] = [
                (f"{arrow} {m.edge_text or m.text}", m.side, (m.key,)) for m in marks[:MAX_PER_EDGE]
            ]
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
                item.setPos(x, below_legend if edge == "top" else y)
                self._plot.addItem(item, ignoreBounds=True)
                self._edge_items.append((item, EdgeMarker(edge, text, keys)))
