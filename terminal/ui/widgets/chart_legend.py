"""The chart's indicator legend: one row in the price pane's top-left corner naming each
shown indicator beside a sample of its line's colour (SMA 20, EMA 50, VWAP), so the
lines can be told apart without knowing the palette. Hidden indicators leave it; with
none shown the legend is hidden."""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg
from PySide6.QtGui import QColor

from .indicators import Indicator
from .palette import Palette

OFFSET = (6, 6)  # px from the pane's top-left corner


class IndicatorLegend:
    def __init__(self, view: pg.ViewBox, palette: Palette) -> None:
        self._palette = palette
        self.item = pg.LegendItem(offset=OFFSET, horSpacing=10, colCount=3, labelTextSize="8pt")
        self.item.setParentItem(view)
        self.item.setZValue(60)
        self._shown: list[str] = []
        self._style()

    def _style(self) -> None:
        fill = QColor(self._palette.background)
        fill.setAlpha(200)
        self.item.setBrush(pg.mkBrush(fill))
        self.item.setPen(pg.mkPen(None))
        self.item.setLabelTextColor(self._palette.text)

    def set_palette(self, palette: Palette, indicators: Iterable[Indicator]) -> None:
        self._palette = palette
        self._style()
        self._shown = []  # rebuilt with the new colours
        self.sync(indicators)

    def sync(self, indicators: Iterable[Indicator]) -> None:
        """Show exactly the visible indicators, in their order."""
        shown = [i for i in indicators if i.visible]
        if [i.label for i in shown] == self._shown:
            return
        self.item.clear()
        for ind in shown:
            colour = getattr(self._palette, ind.colour_field)
            sample = pg.PlotDataItem(pen=pg.mkPen(colour, width=2))
            self.item.addItem(sample, ind.label)
        self._shown = [i.label for i in shown]
        self.item.setVisible(bool(shown))

    def entries(self) -> list[tuple[str, str]]:
        """(label, colour name) of each row shown, for tests and accessibility."""
        out = []
        for sample, label in self.item.items:
            pen = sample.item.opts["pen"]
            out.append((label.text, pg.mkPen(pen).color().name()))
        return out
