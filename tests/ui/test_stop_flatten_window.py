"""The emergency stop's flatten option in the main window, against the paper exchange's
perpetuals: off by default (a stop then leaves the position), turned on only after its
own question is answered Yes, and then a stop on the perpetual session closes the
position with a reduce-only market order and opens nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from terminal.core.safety.targets import StopTarget
from terminal.domain.enums import Side
from terminal.domain.ids import Symbol
from terminal.domain.order import OrderStatus
from terminal.domain.position import PositionSide
from terminal.ui.panels.ticket import EntryKind

from .test_perp_window import answer, connect_paper_perp, send_ticket

pytestmark = pytest.mark.timeout(300)
PERP_BTC = Symbol("BTC/USDT:USDT")


def open_long(run: Any, amount: str) -> None:
    entry, drv = run.panels.entry, run.driver
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    futures = run.panels.futures
    drv.until(lambda: futures.current_leverage() is not None, 20, "the symbol's leverage")
    run.panels.futures.reduce_only_box.setChecked(False)
    entry.set_kind(EntryKind.MARKET)
    entry.set_side(Side.BUY)
    entry.set_amount_in_quote(False)
    entry.set_amount(amount)
    order = send_ticket(run)
    assert order.status is OrderStatus.FILLED, (order.status, order.reason)


def test_flatten_is_off_by_default_confirmed_separately_and_closes_reduce_only(
    make_main_window, paper_for_ui, ui_memory_keyring
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv = run.controller, run.driver
    perp = connect_paper_perp(run, paper_for_ui)
    drv.until(lambda: c.trading.session == perp.key, 10, "the ticket on the perpetual session")
    for p in drv.run(perp.fetch_positions()):  # what an earlier test of the module left
        assert p.symbol != PERP_BTC or p.size == 0
    open_long(run, "0.01")
    drv.until(lambda: drv.run(perp.fetch_positions()), 20, "the long at the venue")

    flatten = c.stop_flatten
    assert not flatten.enabled  # off by default
    stop = c.services.safety.stop
    target = StopTarget(session=perp.key)

    # off: the stop cancels orders and leaves the position
    done = []
    c.safety.sweep_finished.connect(done.append)
    drv.do(lambda: c.safety.engage_target(target))
    drv.until(lambda: done, 90, "the stop's sweep")
    drv.sleep(1.0)
    (kept,) = drv.run(perp.fetch_positions())
    assert kept.side is PositionSide.LONG and kept.size == Decimal("0.01")
    stop.reset(confirmed=True, target=target)
    drv.until(lambda: not stop.engaged, 5, "the stop reset")

    # turning it on asks first: No keeps it off, Yes turns it on
    drv.do(flatten.action.trigger)
    answer(drv, lambda: flatten.question, QMessageBox.StandardButton.No)
    assert not flatten.enabled
    drv.do(flatten.action.trigger)
    answer(drv, lambda: flatten.question, QMessageBox.StandardButton.Yes)
    assert flatten.enabled

    # on: the stop on the session closes the position, reduce-only, and opens nothing
    done.clear()
    drv.do(lambda: c.safety.engage_target(target))
    drv.until(lambda: done, 90, "the stop's sweep")
    drv.until(lambda: flatten.results, 30, "the flatten result")
    (result,) = flatten.results
    assert result.ok, result.summary()
    assert [o.reduce_only for o in result.sent] == [True]
    assert result.sent[0].side is Side.SELL and result.sent[0].amount == Decimal("0.01")
    drv.sleep(1.0)
    assert drv.run(perp.fetch_positions()) == []  # flat, not reversed into a short
    stop.reset(confirmed=True, target=target)
