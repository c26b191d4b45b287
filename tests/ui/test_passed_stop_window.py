"""A bracket's stop passed while the terminal was closed: the restarted window asks the
user (a dialog with three choices) and sends nothing before the choice; "Send the stop
now" closes the filled amount at market. The whole main window against the real paper
exchange (real ccxt client, loopback), real widgets offscreen; the simulated market is
paused once the bracket rests, so only forced trades move the price."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus

pytestmark = pytest.mark.timeout(300)


def test_a_passed_stop_is_put_to_the_user_and_only_the_choice_is_sent(
    make_main_window, paper_for_ui, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "passed"
    first = make_main_window(paper_for_ui, data_dir=data)
    c, drv = first.controller, first.driver
    drv.until(lambda: first.panels.entry.blocked_reason is None, 30, "entry open")
    panel = first.panels.protect
    drv.until(lambda: panel._last, 30, "a last price")
    rules, last, session = panel._rules, panel._last, c.trading.session
    r = rules.round_price
    entry, stop = r(last * Decimal("0.995")), r(last * Decimal("0.985"))
    amount = Decimal("0.01000")
    req = BracketRequest(
        entry=OrderRequest(
            session.venue,
            rules.symbol,
            Side.BUY,
            OrderType.LIMIT,
            amount,
            entry,
            mode=session.mode,
            account=session.account,
        ),
        stop_trigger=stop,
        target=r(last * Decimal("1.02")),
    )
    order_list, _entry = drv.run(c.services.orders.place_bracket(req), 30)
    list_id = order_list.list_id
    paper_for_ui.control.pause()
    try:
        first.close()
        symbol = str(rules.symbol)
        paper_for_ui.control.force_trade(symbol, "SELL", f"{entry - Decimal(5):.2f}")
        paper_for_ui.control.force_trade(symbol, "SELL", f"{stop * Decimal('0.99'):.2f}")

        second = make_main_window(paper_for_ui, data_dir=data)
        c2, drv2 = second.controller, second.driver
        dialog = drv2.until(lambda: c2.passed_stops.dialogs.get(list_id), 45, "the question")
        assert dialog.isVisible()
        journal = c2.services.journal
        legs = drv2.run(journal.list_legs(list_id), 10)
        assert [o.leg_role for o in legs] == [LegRole.ENTRY]  # nothing sent yet
        assert legs[0].status is OrderStatus.FILLED
        assert f"Bracket {list_id}" in dialog.text_label.text()
        assert "nothing has been sent" in dialog.text_label.text()
        assert dialog.send_button.text() == "Send the stop now: SELL 0.01 BTC at market"
        assert "ask again at the next start" in dialog.keep_button.text()
        assert "no stop" in dialog.cancel_button.text()
        shots = os.environ.get("SHOTS_DIR")
        if shots:
            dialog.grab().save(str(Path(shots) / "passed-stop-dialog.png"))
        drv2.sleep(1.0)  # still nothing sent while the question waits
        assert len(drv2.run(journal.list_legs(list_id), 10)) == 1
        QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

        def closed() -> object:
            got = drv2.run(journal.list_legs(list_id), 10)
            stops = [o for o in got if o.leg_role is LegRole.STOP]
            return stops[0] if stops and stops[0].status is OrderStatus.FILLED else None

        sent = drv2.until(closed, 30, "the stop sent at market and filled")
        assert sent.type is OrderType.MARKET and sent.side is Side.SELL and sent.amount == amount
        assert sent.held_by is HeldBy.TERMINAL
        assert not dialog.isVisible() and list_id not in c2.services.orders.brackets.passed
    finally:
        paper_for_ui.control.resume()
