"""A small custom-painted line of recent values (REST latency), with its p95 marked.

Custom painting because it is tiny and redrawn often; a plot widget per venue would
cost far more than the few lines drawn here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ._style import AMBER, MUTED


class Sparkline(QWidget):
    def __init__(self, parent: QWidget | None = None, colour: str = "#5aa9e6") -> None:
        super().__init__(parent)
        self._values: tuple[float, ...] = ()
        self._mark: float | None = None
        self._colour = QColor(colour)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def sizeHint(self) -> QSize:
        return QSize(120, 22)

    def set_values(self, values: Sequence[float], mark: float | None = None) -> None:
        """Values oldest first; `mark` (e.g. p95) is drawn as a dashed line."""
        values = tuple(values)
        if values != self._values or mark != self._mark:
            self._values, self._mark = values, mark
            self.update()

    @property
    def values(self) -> tuple[float, ...]:
        return self._values

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = self.width(), self.height()
        p.setPen(QPen(QColor(MUTED), 1))
        p.drawLine(0, h - 1, w, h - 1)
        vals = self._values
        if len(vals) < 2:
            p.end()
            return
        top = max(max(vals), self._mark or 0.0) or 1.0
        pad = 2.0
        usable = h - 2 * pad
        step = (w - 1) / (len(vals) - 1)

        def y(v: float) -> float:
            return pad + usable * (1.0 - v / top)

        if self._mark is not None:
            pen = QPen(QColor(AMBER), 1, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(0, y(self._mark)), QPointF(w, y(self._mark)))
        poly = QPolygonF([QPointF(i * step, y(v)) for i, v in enumerate(vals)])
        p.setPen(QPen(self._colour, 1.3))
        p.drawPolyline(poly)
        p.end()
