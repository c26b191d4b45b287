"""The chart's indicator legend: a row per shown indicator with its line's colour,
following the toggles and the theme. Real chart widget, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from terminal.ui.widgets.palette import DARK, LIGHT

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)
from .test_chart import chart, make_candles


def test_legend_names_each_shown_indicator_in_its_colour(qtbot, shot) -> None:  # type: ignore[no-untyped-def]
    w = chart(qtbot, make_candles(300))
    QApplication.processEvents()
    shot(w, "chart_legend")
    legend = w.legend.item
    assert legend.isVisible() and legend.parentItem() is w.price_vb
    assert w.legend.entries() == [("SMA 20", DARK.sma), ("EMA 50", DARK.ema), ("VWAP", DARK.vwap)]
    # inside the price pane, in its top-left corner
    pane = w.price_vb.sceneBoundingRect()
    box = legend.sceneBoundingRect()
    assert pane.contains(box) and box.left() - pane.left() < 20 and box.top() - pane.top() < 20

    w.indicator_buttons["ema"].click()  # the toolbar toggle hides the line and its row
    assert [label for label, _ in w.legend.entries()] == ["SMA 20", "VWAP"]
    w.set_palette(LIGHT)
    assert w.legend.entries() == [("SMA 20", LIGHT.sma), ("VWAP", LIGHT.vwap)]
    for name in ("sma", "vwap"):
        w.set_indicator_visible(name, False)
    assert w.legend.entries() == [] and not legend.isVisible()
