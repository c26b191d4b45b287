"""Renders the README's protective-order screenshots (docs/protect-1280x800.png and
docs/protect-1920x1080.png): the whole window on the paper exchange with a filled
bracket (its stop and target resting), a limit bracket whose legs wait for the fill
(dotted), and the protective ticket in risk mode. In the suite the pictures go to a
temporary folder (the test checks the brackets' lines, the risk plan and the saved
sizes); SHOTS_DIR names the folder that keeps them:

    SHOTS_DIR=docs QT_QPA_PLATFORM=offscreen python -m pytest tests/ui/test_readme_protect_shots.py
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.enums import OrderType, Side
from terminal.domain.order import OrderRequest

OUT = os.environ.get("SHOTS_DIR")
pytestmark = pytest.mark.timeout(300)


def test_render(make_main_window, paper_for_ui, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = Path(OUT) if OUT else tmp_path
    run = make_main_window(paper_for_ui)
    c, drv = run.controller, run.driver
    drv.until(lambda: c.chart_trading is not None and len(c.panels.chart.series) > 50, 40, "chart")
    drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "entry")
    panel = run.panels.protect
    drv.until(lambda: panel._last and "bracket" in panel.offered(), 30, "protect")
    rules, last = panel._rules, panel._last
    session = c.trading.session
    r = rules.round_price
    # a filled bracket (market entry): its stop and target rest on the venue
    req = BracketRequest(
        entry=OrderRequest(
            session.venue,
            rules.symbol,
            Side.BUY,
            OrderType.MARKET,
            Decimal("0.01000"),
            mode=session.mode,
            account=session.account,
        ),
        stop_trigger=r(last * Decimal("0.9965")),
        target=r(last * Decimal("1.006")),
    )
    drv.run(c.services.orders.place_bracket(req), 30)
    # a limit entry below the price: its stop and target are drawn dotted until it fills
    req2 = BracketRequest(
        entry=OrderRequest(
            session.venue,
            rules.symbol,
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.01500"),
            r(last * Decimal("0.9985")),
            mode=session.mode,
            account=session.account,
        ),
        stop_trigger=r(last * Decimal("0.995")),
        target=r(last * Decimal("1.004")),
    )
    drv.run(c.services.orders.place_bracket(req2), 30)
    c.trading.orders_version += 1
    tabs = run.window.panels["entry"]
    drv.do(tabs.show_protect)
    panel.set_kind("bracket")
    panel.side_combo.setCurrentIndex(0)
    panel.entry_field.setText(str(r(last * Decimal("0.999"))))
    panel.trigger_field.setText(str(r(last * Decimal("0.994"))))
    panel.target_field.setText(str(r(last * Decimal("1.01"))))
    panel.risk_check.setChecked(True)
    panel.risk_unit.setCurrentIndex(1)
    panel.risk_field.setText("0.2")
    assert panel.plan is not None, panel.problem_label.text()
    chart = c.panels.chart
    drv.until(
        lambda: (
            any(t.startswith("SL SELL") for t in chart.order_line_labels().values())
            and any("(on fill)" in t for t in chart.order_line_labels().values())
        ),
        20,
        "the brackets' lines",
    )
    for w, h in ((1280, 800), (1920, 1080)):
        run.window.resize(w, h)
        drv.sleep(2.0)
        c.panels.chart.set_follow(True)
        drv.sleep(1.0)
        image = run.window.grab()
        assert (image.width(), image.height()) == (run.window.width(), run.window.height())
        assert image.save(str(out / f"protect-{w}x{h}.png"))
