"""The Balances panel follows a resting order: placing it moves USDT from free to locked,
cancelling it moves it back, with nothing else happening on the account.

The whole main window against a real paper exchange; the change reaches the panel only
through the exchange's account push on the private stream (no REST poll in between)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from terminal.domain.enums import Side
from terminal.ui.panels.balances import _amount
from tests.ui.test_main_window_trading import _mid, _place_from_ticket

pytestmark = pytest.mark.timeout(240)


def _usdt_row(run: Any) -> tuple[str, ...] | None:
    rows = {r.key: r.cells for r in run.panels.balances.model.rows}
    return rows.get("USDT")


def test_a_resting_order_moves_free_to_locked_in_the_balances_panel(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    drv, c = run.driver, run.controller
    session = c.services.sessions["paper"].key
    drv.until(lambda: _usdt_row(run) is not None, 20, "USDT in the balances panel")
    before = c.state.balances(session).get("USDT")
    assert before.used == 0
    mid = _mid(run)
    order = _place_from_ticket(run, Side.BUY, mid * Decimal("0.97"), "0.01")
    locked = order.price * order.amount
    want_free, want_locked = _amount(before.free - locked), _amount(locked)
    drv.until(
        lambda: (row := _usdt_row(run)) is not None and row[1:3] == (want_free, want_locked),
        10,
        f"free {want_free} and locked {want_locked} in the panel (shows {_usdt_row(run)})",
    )
    # the panel shows what the state holds, no older figure
    assert c.state.balances(session).get("USDT").used == locked

    drv.do(lambda: c.trading.cancel(str(order.client_order_id)))
    drv.until(
        lambda: (
            (row := _usdt_row(run)) is not None
            and row[1:3] == (_amount(before.free), _amount(Decimal(0)))
        ),
        10,
        f"the cancel to unlock it in the panel (shows {_usdt_row(run)})",
    )
