"""The scoped emergency stops of the Trading menu, in the whole main window against a real
paper exchange: the stop on the active session blocks and cancels there and says where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.safety.targets import StopTarget
from terminal.domain.enums import Side
from tests.ui.test_main_window_trading import _mid, _paper_open_ids, _place_from_ticket

pytestmark = pytest.mark.timeout(240)


def test_session_stop_from_the_trading_menu(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    drv, w, c = run.driver, run.window, run.controller
    mid = _mid(run)
    placed = _place_from_ticket(run, Side.BUY, mid * Decimal("0.96"), "0.01")
    cid = str(placed.client_order_id)
    drv.until(lambda: cid in _paper_open_ids(paper_for_ui), 10, "order resting", interval=0.2)

    session = c.trading.session
    drv.do(w.actions_by_id["stop_session"].trigger)
    stop = c.services.safety.stop
    assert [s.target for s in stop.states] == [StopTarget(session=session)]
    assert stop.submissions_blocked(session) is not None
    # another session of the same venue is not inside this stop
    other = type(session)(session.venue, session.mode, type(session.account)("other"))
    assert stop.submissions_blocked(other, "BTC/USDT") is None
    drv.until(lambda: cid not in _paper_open_ids(paper_for_ui), 20, "its order cancelled")
    drv.until(lambda: c.safety.last_sweep is not None, 20, "the sweep result")
    result = c.safety.last_sweep
    assert result.ok and [v.account for v in result.venues] == [str(session.account)]
    assert session.label in w.stop_button.toolTip()

    dialog = c.safety.ask_reset()
    dialog.input.setText("RESET STOP")
    drv.do(dialog.ok_button.click)
    drv.until(lambda: not stop.engaged, 5, "the reset")


def test_second_account_of_the_venue_in_the_window(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    """A second account of the paper venue connected beside the first: the ticket's
    Send-to picks it, the order goes to that account and shows under its session."""
    from terminal.domain.ids import AccountLabel
    from terminal.ui.session_style import short_label

    run = make_main_window(paper_for_ui)
    drv, c, entry = run.driver, run.controller, run.panels.entry
    mid = _mid(run)
    first = c.trading.session
    alice = paper_for_ui.control.create_account({"USDT": "2000"})
    second = drv.run(c.connect_venue("paper", first.mode, "alice", credentials=alice), 60)
    assert second.key != first and second.key.account == AccountLabel("alice")
    drv.until(lambda: c.services.orders.entry_ready(second.key), 30, "alice's reconciliation")
    picker = entry.session_picker
    drv.until(lambda: picker.isVisible() and picker.count() == 2, 5, "the Send-to list")
    drv.do(lambda: picker.pick(second.key))
    assert c.trading.session == second.key
    assert entry.context_label.text().startswith(short_label(second.key))

    order = _place_from_ticket(run, Side.BUY, mid * Decimal("0.96"), "0.01")
    assert order.session == second.key
    ids = [o["clientOrderId"] for o in paper_for_ui.control.open_orders(alice["apiKey"])]
    assert ids == [str(order.client_order_id)]
    assert str(order.client_order_id) not in _paper_open_ids(paper_for_ui)  # not the first's
    rows = run.panels.open_orders
    drv.until(
        lambda: any(
            rows.model.row_at(r).cells[1] == short_label(second.key)
            for r in range(rows.model.rowCount())
        ),
        5,
        "the order under alice's session",
    )
    drv.run(c.services.orders.cancel(order.client_order_id), 30)
