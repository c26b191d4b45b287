"""Price alerts on the chart: a dotted line in the warning colour at each active
crossing alert's level of the shown market, labelled with what it watches
("ALERT last ▲ 65000.00"). A fired one-shot alert's line goes away; a change alert
(% within a window) has no level and so no line.

The lines sit on the chart's price plot, beside the order lines, and are added or
removed only when the set of alerts changes (never per market message).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

LABEL_AT = 0.75  # right of the order lines' labels


@dataclass(frozen=True)
class AlertMark:
    key: str  # alert id
    price: Decimal
    text: str


class AlertLines:
    def __init__(self, chart: Any) -> None:
        self._chart = chart
        self._plot: pg.PlotItem = chart.price_plot
        self._lines: dict[str, tuple[pg.InfiniteLine, AlertMark]] = {}

    def _colour(self) -> str:
        palette = getattr(self._chart, "_palette", None)
        return str(getattr(palette, "warning", "#f0b90b"))

    def set(self, marks: list[AlertMark]) -> None:
        wanted = {m.key: m for m in marks}
        for key in list(self._lines):
            if wanted.get(key) != self._lines[key][1]:
                line, _ = self._lines.pop(key)
                self._plot.removeItem(line)
        for key, mark in wanted.items():
            if key not in self._lines:
                self._add(mark)

    def _add(self, mark: AlertMark) -> None:
        colour = self._colour()
        fill = QColor(str(getattr(getattr(self._chart, "_palette", None), "background", "#000")))
        fill.setAlpha(200)
        line = pg.InfiniteLine(
            pos=float(mark.price),
            angle=0,
            movable=False,
            pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
            label=mark.text,
            labelOpts={
                "position": LABEL_AT,
                "color": colour,
                "fill": fill,
                "anchors": [(0, 1), (0, 1)],
            },
        )
        line.setZValue(38)
        self._plot.addItem(line, ignoreBounds=True)
        self._lines[mark.key] = (line, mark)

    def labels(self) -> dict[str, str]:
        """Alert id -> label of the lines shown."""
        return {key: mark.text for key, (_, mark) in self._lines.items()}

    def clear(self) -> None:
        self.set([])
