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
