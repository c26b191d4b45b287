"""The chart's value axes: the price pane's lowest label and the volume pane's highest
never print over each other where the panes meet. Real widget, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage, QPainter

from terminal.ui.widgets.chart import CandleChartWidget
from terminal.ui.widgets.palette import LIGHT
from tests.ui.test_chart import RULES, make_candles


def label_rects(axis):  # scene rects of the labels the axis would draw now
    img = QImage(10, 10, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    try:
        specs = axis.generateDrawSpecs(p)
    finally:
        p.end()
    return [(axis.mapRectToScene(r), text) for r, _, text in (specs[2] if specs else [])]


def test_price_and_volume_labels_never_overlap_where_the_panes_meet(qtbot):
    w = CandleChartWidget(RULES, palette=LIGHT)
    qtbot.addWidget(w)
    w.resize(1000, 520)
    w.show()
    qtbot.waitExposed(w)
    w.set_candles(make_candles(3000))
    price_axis = w.price_plot.getAxis("right")
    volume_axis = w.volume_plot.getAxis("right")
    checked = near = 0
    for _step in range(60):  # many price and volume ranges
        w.pan_by(-37)
        w.graphics.grab()
        prices, volumes = label_rects(price_axis), label_rects(volume_axis)
        assert prices and volumes
        pane_bottom = w.price_vb.sceneBoundingRect().bottom()
        for r, text in prices:
            assert r.bottom() <= price_axis.sceneBoundingRect().bottom() + 0.5, text
        for pr, pt in prices:
            for vr, vt in volumes:
                assert not pr.intersects(vr), (pt, vt, pr, vr)
                checked += 1
        near += any(pane_bottom - r.bottom() < 20 for r, _ in prices)
    assert checked and near >= 5  # the panes' meeting point was really exercised
