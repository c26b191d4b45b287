"""Horizontal price lines on a chart's price pane, optionally draggable: one mechanism for
order lines (working orders, stops, targets, bracket legs), price alerts and drawings.

A `PriceLineLayer` owns one set of lines on a plot. Its whole API:

- `set(specs)`: show exactly these `PriceLine`s (added, changed and removed by `key`);
  a line being dragged keeps its place until the drag ends.
- `dropped(key, price)` (signal): a draggable line was dropped; `price` is a Decimal on
  the market's tick (the layer's `snap`). The line stays where it was dropped until the
  owner answers with `set(...)` (the accepted price) or `restore(key)` (snap back, e.g.
  the venue refused).
- `moved(key, price)` (signal): while dragging, the line's price on the tick (for a live
  label: the layer already rewrites the label through `drag_text` when one is given).
- `cancel_drag()`: Escape while dragging: the line returns to its place, no `dropped`.
- `drop(key, price)`: the same path as a mouse drop, for the keyboard and tests.
- `fit_labels()`: each line shows `text`, or `short` where `text` would not fit the
  pane (called on `set` and whenever the pane is resized).

Pending triggers are drawn dashed, resting limits solid (`LineStyle`); the label sits at
the left of the line, in the line's colour on the chart's background.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF

LABEL_AT = 0.06  # where along the line (0 = left) its label sits


class LineStyle(Enum):
    SOLID = Qt.PenStyle.SolidLine  # a resting limit order, a drawing
    DASHED = Qt.PenStyle.DashLine  # a pending trigger (stop, take-profit), an alert
    DOTTED = Qt.PenStyle.DotLine


@dataclass(frozen=True)
class PriceLine:
    key: str  # unique within its layer (an order's client id, an alert's id, ...)
    price: Decimal
    text: str  # the label
    colour: str  # "#rrggbb"
    style: LineStyle = LineStyle.DASHED
    draggable: bool = False
    tooltip: str = ""  # details, or why the line cannot be dragged
    short: str = ""  # the label on a pane too narrow for `text` ("" = always `text`)


Snap = Callable[[float], Decimal | None]  # chart y -> price on the tick (None: no market)
DragText = Callable[[PriceLine, Decimal], str]  # label while dragging to a price


class _Line(pg.InfiniteLine):
    """An InfiniteLine that reports drag start and can have its drag cancelled."""

    def __init__(self, layer: PriceLineLayer, spec: PriceLine, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._layer = layer
        self.spec = spec

    def mouseDragEvent(self, ev) -> None:
        if not (self.movable and ev.button() == Qt.MouseButton.LeftButton):
            return super().mouseDragEvent(ev)
        if ev.isStart():
            self._layer._dragging = self.spec.key
        elif not self.moving:  # the drag was cancelled (Escape): swallow the rest
            ev.accept()
            return
        super().mouseDragEvent(ev)

    def mouseClickEvent(self, ev) -> None:
        if self.moving and ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self._layer.cancel_drag()
            return
        super().mouseClickEvent(ev)


class PriceLineLayer(QObject):
    dropped = Signal(str, object)  # key, Decimal price on the tick
    moved = Signal(str, object)  # key, Decimal price on the tick while dragging

    def __init__(
        self,
        plot: pg.PlotItem,
        snap: Snap,
        background: str = "#000000",
        z: float = 40.0,
        drag_text: DragText | None = None,
    ) -> None:
        super().__init__()
        self._plot = plot
        self._snap = snap
        self._background = background
        self._z = z
        self._drag_text = drag_text
        self._lines: dict[str, _Line] = {}
        self._dragging: str | None = None
        plot.getViewBox().sigResized.connect(lambda *_: self.fit_labels())

    # ---- content ------------------------------------------------------------------------
    def set(self, specs: Sequence[PriceLine]) -> None:
        wanted = {s.key: s for s in specs}
        for key in list(self._lines):
            if key == self._dragging:
                continue
            if wanted.get(key) != self._lines[key].spec:
                self._plot.removeItem(self._lines.pop(key))
        for key, spec in wanted.items():
            if key not in self._lines:
                self._add(spec)
            elif key == self._dragging:
                self._lines[key].spec = spec
        self.fit_labels()

    def shown_label(self, key: str) -> str | None:
        line = self._lines.get(key)
        return line.label.toPlainText() if line is not None and line.label else None

    def fit_labels(self) -> None:
        room = self._plot.getViewBox().width() * (1.0 - LABEL_AT) - 8
        for key, line in self._lines.items():
            if key == self._dragging or line.label is None:
                continue
            text = self._fitting(line, room)
            if line.label.toPlainText() != text:
                line.label.setFormat(text)

    def _fitting(self, line: _Line, room: float) -> str:
        spec = line.spec
        if not spec.short or room <= 0:
            return spec.text
        metrics = QFontMetricsF(line.label.textItem.font())
        return spec.text if metrics.horizontalAdvance(spec.text) <= room else spec.short

    def clear(self) -> None:
        self._dragging = None
        self.set([])

    def specs(self) -> list[PriceLine]:
        return [line.spec for line in self._lines.values()]

    def spec(self, key: str) -> PriceLine | None:
        line = self._lines.get(key)
        return line.spec if line is not None else None

    def labels(self) -> dict[str, str]:
        return {key: line.spec.text for key, line in self._lines.items()}

    def item(self, key: str) -> pg.InfiniteLine | None:
        """The graphics item of a line (its place on screen, for tests and hit-testing)."""
        return self._lines.get(key)

    def shown_price(self, key: str) -> float | None:
        line = self._lines.get(key)
        return float(line.value()) if line is not None else None

    def set_background(self, colour: str) -> None:
        self._background = colour
        specs = self.specs()
        for key in list(self._lines):
            self._plot.removeItem(self._lines.pop(key))
        self.set(specs)

    # ---- dragging -----------------------------------------------------------------------
    @property
    def dragging(self) -> str | None:
        return self._dragging

    def restore(self, key: str) -> None:
        """Put a line back at its spec's price and label (a refused or abandoned move)."""
        line = self._lines.get(key)
        if line is None:
            return
        if self._dragging == key:
            self._dragging = None
        line.moving = False
        line.blockSignals(True)
        line.setPos(float(line.spec.price))
        line.blockSignals(False)
        if line.label is not None:
            room = self._plot.getViewBox().width() * (1.0 - LABEL_AT) - 8
            line.label.setFormat(self._fitting(line, room))
        self._plot.update()

    def cancel_drag(self) -> bool:
        """Escape: the line being dragged goes back, nothing is dropped. False: no drag."""
        key = self._dragging
        if key is None:
            return False
        self.restore(key)
        return True

    def drop(self, key: str, price: Decimal) -> None:
        """Move a draggable line to `price` as a mouse drop would, and report it."""
        line = self._lines.get(key)
        if line is None or not line.spec.draggable:
            return
        line.blockSignals(True)
        line.setPos(float(price))
        line.blockSignals(False)
        self._relabel(line, price)
        self._dragging = None
        self.dropped.emit(key, price)

    def _on_dragged(self, line: _Line) -> None:
        price = self._snap(float(line.value()))
        if price is None:
            return
        self._relabel(line, price)
        self.moved.emit(line.spec.key, price)

    def _on_finished(self, line: _Line) -> None:
        key = line.spec.key
        if self._dragging != key:
            return  # cancelled (or a programmatic move): nothing to report
        self._dragging = None
        price = self._snap(float(line.value()))
        if price is None or price <= 0 or price == line.spec.price:
            self.restore(key)
            return
        line.blockSignals(True)
        line.setPos(float(price))  # on the tick
        line.blockSignals(False)
        self.dropped.emit(key, price)

    def _relabel(self, line: _Line, price: Decimal) -> None:
        if self._drag_text is not None and line.label is not None:
            line.label.setFormat(self._drag_text(line.spec, price))

    def _add(self, spec: PriceLine) -> None:
        fill = QColor(self._background)
        fill.setAlpha(200)
        width = 2 if spec.draggable else 1
        line = _Line(
            self,
            spec,
            pos=float(spec.price),
            angle=0,
            movable=spec.draggable,
            pen=pg.mkPen(spec.colour, width=width, style=spec.style.value),
            hoverPen=pg.mkPen(spec.colour, width=3, style=spec.style.value),
            label=spec.text,
            labelOpts={
                "position": LABEL_AT,
                "color": spec.colour,
                "fill": fill,
                "anchors": [(0, 1), (0, 1)],
            },
        )
        if spec.tooltip:
            line.setToolTip(spec.tooltip)
        if spec.draggable:
            line.setCursor(Qt.CursorShape.SizeVerCursor)
        line.setZValue(self._z)
        line.sigDragged.connect(self._on_dragged)
        line.sigPositionChangeFinished.connect(self._on_finished)
        self._plot.addItem(line, ignoreBounds=True)
        self._lines[spec.key] = line
