"""The crosshair readout is never cut off: on a narrow chart it takes a shorter form
(one line always, so the plots do not jump). Real widget, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from terminal.ui.widgets.chart import CandleChartWidget
from tests.ui.test_chart import RULES, make_candles


def test_the_readout_fits_at_every_width_and_keeps_the_close(qtbot):
    candles = make_candles(300)
    w = CandleChartWidget(RULES)
    qtbot.addWidget(w)
    w.resize(1100, 500)
    w.show()
    qtbot.waitExposed(w)
    w.set_candles(candles)
    w.set_stale(True, "reconnecting")
    k = candles[-1]
    close = f"C {RULES.format_price(k.close)}"
    forms = set()
    for width in (1100, 900, 760, 700, 640, 560, 500):  # 492: the toolbar's minimum
        w.resize(width, 500)
        qtbot.waitUntil(lambda width=width: w.width() == width, timeout=2000)
        text = w.readout_text()
        fm = w.readout.fontMetrics()
        assert fm.horizontalAdvance(text) <= w.readout.width() - 14, (width, text)
        assert close in text and text.startswith("STALE — reconnecting")
        forms.add(text.count("  "))
        assert w.readout.height() == w.readout.sizeHint().height()  # one line
    assert len(forms) >= 3  # it did shorten, step by step
    w.resize(1100, 500)
    qtbot.waitUntil(lambda: w.width() == 1100, timeout=2000)
    assert f"V {RULES.format_amount(k.volume)}" in w.readout_text()
    assert w.readout_text().split("   ")[1].startswith(w.describe(len(candles) - 1)[:10])
