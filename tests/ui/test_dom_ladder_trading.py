"""The price ladder on the whole main window against a real paper exchange.

Disarmed, a click on a bid cell fills the ticket and sends nothing; armed, it places
exactly one limit order at the clicked row's price (through the ticket's confirmation,
or without it when the user ticked that for this arming); a drag of that order to
another row amends it; a modifier click is refused in words; the ladder disarms on a
symbol change and on a testnet-lock change. What rests on the venue is read with a
separate ccxt client. Real widgets offscreen, loopback only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from terminal.core.marketstate import FeedKind
from terminal.domain.enums import Side
from terminal.domain.order import OrderStatus
from terminal.ui.widgets.dom import Column
from tests.fixtures_paper import paper_rest

pytestmark = pytest.mark.timeout(300)

GROUP = Decimal(50)  # fifty-dollar rows: the test's rows rest well away from the market


def _venue_orders(run: Any, paper: Any, symbol: str = "BTC/USDT") -> list[dict]:
    """The open orders as the venue lists them, read by a separate ccxt client."""

    async def fetch() -> list[dict]:
        async with paper_rest(paper) as ex:
            return await ex.fetch_open_orders(symbol)

    return run.driver.run(fetch(), 30)


def _venue_open(run: Any, paper: Any, symbol: str = "BTC/USDT") -> dict[str, Decimal | None]:
    """clientOrderId -> limit price (None for a stop-market) of the venue's open orders."""
    return {
        o["clientOrderId"]: Decimal(str(o["price"])) if o.get("price") else None
        for o in _venue_orders(run, paper, symbol)
    }


def _open_ladder(run: Any) -> Any:
    """View > Panels > Price ladder, fifty-dollar rows, auto-centre paused (rows hold still)."""
    drv, c = run.driver, run.controller
    action = run.window.docks["dom"].toggleViewAction()
    assert action in run.window.panels_menu.actions() and not action.isChecked()
    drv.do(action.trigger)  # what View > Panels > Price ladder does
    panel = run.panels.dom
    drv.until(
        lambda: panel.view.isVisible() and panel.view.height() > 200, 10, "the ladder dock to show"
    )
    drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "order entry to open")
    panel.set_grouping(GROUP)
    drv.until(
        lambda: not panel.view.ladder().is_empty and panel.view.frames.total > 0,
        20,
        "the ladder to paint rows",
    )
    panel.auto_box.setChecked(False)
    assert not panel.view.auto_centre
    book = c.state.book_view(c.market.active.key(FeedKind.BOOK), 1)
    assert book is not None and book.best_bid is not None
    return panel


def _row_below_bid(run: Any, panel: Any, rows_below: int) -> tuple[int, Decimal]:
    """A row `rows_below` rows under the best bid's row (a resting buy, inside the
    precautions' price band)."""
    c = run.controller
    bid = c.state.book_view(c.market.active.key(FeedKind.BOOK), 1).best_bid.price
    target = (bid // GROUP) * GROUP - GROUP * rows_below
    index = panel.view.ladder().row_of(target)
    assert index is not None, (target, [r.price for r in panel.view.ladder().rows][:3])
    return index, target


def _click(
    run: Any,
    panel: Any,
    index: int,
    column: Column,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    pos = panel.view.cell_rect(index, column).center().toPoint()
    run.driver.do(lambda: QTest.mouseClick(panel.view, Qt.MouseButton.LeftButton, modifier, pos))


def test_disarmed_click_fills_ticket_armed_click_places_one_order_drag_amends(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv, entry = run.controller, run.driver, run.panels.entry
    panel = _open_ladder(run)
    assert not panel.armed and "Disarmed" in panel.state_label.text()
    entry.set_amount("0.01")
    before = _venue_open(run, paper_for_ui)
    last = c.trading.last_submit

    # disarmed: the click fills the ticket (side and price), nothing is sent
    index, price = _row_below_bid(run, panel, 2)
    entry.set_side(Side.SELL)
    _click(run, panel, index, Column.BID)
    assert entry.current_side() is Side.BUY
    assert Decimal(entry.price_edit.text()) == price
    assert entry.confirmation is None
    drv.sleep(1.0)
    assert c.trading.last_submit is last
    assert _venue_open(run, paper_for_ui) == before

    # a modifier click (a stop) while disarmed: nothing sent, it says to arm
    _click(run, panel, index, Column.BID, Qt.KeyboardModifier.ShiftModifier)
    assert "Arm the ladder" in panel.status_label.text()
    assert entry.confirmation is None and c.dom.stops.confirmation is None

    # armed: the frame and the label say so; the click goes through the confirmation
    drv.do(lambda: QTest.mouseClick(panel.arm_button, Qt.MouseButton.LeftButton))
    assert panel.armed and panel.view.armed
    assert panel.state_label.text().startswith("ARMED")
    assert not panel.skip_confirm
    index = panel.view.ladder().row_of(price)
    _click(run, panel, index, Column.BID)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(
        lambda: c.trading.last_submit is not last and not entry.pending,
        20,
        "the ladder's order to be sent",
    )
    order = c.trading.last_submit
    assert order.status is OrderStatus.OPEN, (order.status, order.reason)
    assert order.side is Side.BUY and order.price == price and order.amount == Decimal("0.01")
    coid = str(order.client_order_id)
    after = drv.until(
        lambda: (v := _venue_open(run, paper_for_ui)) and coid in v and v,
        15,
        "the order on the venue",
        interval=0.3,
    )
    assert set(after) - set(before) == {coid}, "exactly one new order on the venue"
    assert after[coid] == price

    # the ladder shows it in my orders at that row
    drv.until(
        lambda: (
            (r := panel.view.row(panel.view.ladder().row_of(price))) is not None
            and r.orders is not None
            and coid in r.orders.client_order_ids
        ),
        10,
        "my order on the ladder",
    )

    # "send without confirmation" (for this arming): one order, no dialog
    panel.skip_confirm_box.setChecked(True)
    assert panel.skip_confirm
    index2, price2 = _row_below_bid(run, panel, 3)
    _click(run, panel, index2, Column.BID)
    assert entry.confirmation is None
    drv.until(
        lambda: c.trading.last_submit is not order and not entry.pending,
        20,
        "the one-click order to be sent",
    )
    second = c.trading.last_submit
    assert second.price == price2 and second.status is OrderStatus.OPEN
    coid2 = str(second.client_order_id)
    now = drv.until(
        lambda: (v := _venue_open(run, paper_for_ui)) and coid2 in v and v,
        15,
        "the one-click order on the venue",
        interval=0.3,
    )
    assert set(now) - set(before) == {coid, coid2}

    # drag my first order two rows down: the order service amends it (cancel-replace)
    view = panel.view
    # two rows down, but never onto the second order's row (the market may have moved a
    # row between the two clicks): the cancel click below must hit the amended one alone
    target_price = next(
        p for p in (price - 2 * GROUP, price - 3 * GROUP, price - 4 * GROUP) if p != price2
    )
    index, target_index = view.ladder().row_of(price), view.ladder().row_of(target_price)
    assert index is not None and target_index is not None
    start = view.cell_rect(index, Column.ORDERS).center().toPoint()
    end = view.cell_rect(target_index, Column.ORDERS).center().toPoint()
    drv.do(
        lambda: QTest.mousePress(
            view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start
        )
    )
    drv.do(lambda: QTest.mouseMove(view, QPoint(end.x(), (start.y() + end.y()) // 2)))
    drv.do(lambda: QTest.mouseMove(view, end))
    drv.do(
        lambda: QTest.mouseRelease(
            view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end
        )
    )
    amend = drv.until(lambda: c.dom.last_amend, 5, "the amend request")
    drv.until(lambda: amend.result is not None or amend.failed, 30, "the amend to finish")
    assert amend.result is not None, amend.failed
    new_id = str(amend.result.client_order_id)
    assert amend.result.price == target_price
    drv.until(
        lambda: (v := _venue_open(run, paper_for_ui)).get(new_id) == target_price and coid not in v,
        15,
        "the amended order on the venue",
        interval=0.3,
    )

    # a click on my orders while armed cancels them
    drv.until(
        lambda: (
            (i := view.ladder().row_of(target_price)) is not None and view.row(i).orders is not None
        ),
        10,
        "the amended order on the ladder",
    )
    _click(run, panel, view.ladder().row_of(target_price), Column.ORDERS)
    drv.until(
        lambda: new_id not in _venue_open(run, paper_for_ui),
        15,
        "the click to cancel it",
        interval=0.3,
    )
    assert coid2 in _venue_open(run, paper_for_ui)

    # Shift+click below the last price while armed: a sell stop-market triggered at that
    # row, through the confirmation (showing the trigger), the gate and the journal
    panel.skip_confirm_box.setChecked(False)
    stop_index, trigger = _row_below_bid(run, panel, 2)
    _click(run, panel, stop_index, Column.BID, Qt.KeyboardModifier.ShiftModifier)
    dialog = drv.until(lambda: c.dom.stops.confirmation, 5, "the stop's confirmation")
    shown = {k: v.text() for k, v in dialog.value_labels.items()}
    assert shown["Type"] == "STOP_MARKET" and shown["Side"] == "SELL", shown
    assert shown["Price"] == "market, once triggered"
    assert shown["Trigger"].startswith(panel.view.rules.format_price(trigger)), shown
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    stop = drv.until(lambda: c.dom.stops.last_order, 20, "the stop to be sent")
    assert stop.status is OrderStatus.PENDING_TRIGGER, (stop.status, stop.reason)
    assert stop.side is Side.SELL and stop.trigger_price == trigger
    assert stop.amount == Decimal("0.01")
    listed = {o["clientOrderId"]: o for o in _venue_orders(run, paper_for_ui)}
    assert str(stop.client_order_id) in listed
    venue_stop = listed[str(stop.client_order_id)]
    assert Decimal(str(venue_stop["triggerPrice"] or venue_stop["stopPrice"])) == trigger
    journaled = drv.run(c.services.journal.get_order(stop.client_order_id))
    assert journaled is not None and journaled.trigger_price == trigger


def test_ladder_disarms_on_symbol_and_lock_changes(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    from terminal.core.safety.lock import confirmation_phrase
    from terminal.domain.enums import VenueMode
    from terminal.exchange.catalogue import paper_live_info

    run = make_main_window(paper_for_ui, extra_venues=[paper_live_info("paperlive")])
    c, drv, w = run.controller, run.driver, run.window
    drv.run(c.connect_venue("paperlive", VenueMode.LIVE, "default"), 30)
    panel = _open_ladder(run)

    def arm() -> None:
        drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "entry open")
        drv.do(lambda: QTest.mouseClick(panel.arm_button, Qt.MouseButton.LeftButton))
        assert panel.armed
        panel.skip_confirm_box.setChecked(True)

    arm()
    c.select_symbol("ETH/USDT")
    drv.until(lambda: not panel.armed, 10, "the ladder to disarm on the symbol change")
    assert "symbol changed" in panel.state_label.text()
    assert not panel.view.armed and not panel.skip_confirm_box.isChecked()
    drv.until(
        lambda: panel.view.rules is not None and str(panel.view.rules.symbol) == "ETH/USDT",
        10,
        "the ladder to follow ETH/USDT",
    )

    # disarmed after the switch: a click fills the ticket, nothing is sent
    drv.until(lambda: not panel.view.ladder().is_empty, 20, "ETH rows")
    last = c.trading.last_submit
    view = panel.view
    row = view.row(len(view.ladder().rows) - 2)
    _click(run, panel, len(view.ladder().rows) - 2, Column.BID)
    assert Decimal(run.panels.entry.price_edit.text()) == row.price
    drv.sleep(0.5)
    assert c.trading.last_submit is last and run.panels.entry.confirmation is None

    # a change of the testnet lock (unlocking another venue) disarms it too
    arm()
    dialog = drv.do(c.safety.ask_unlock)
    dialog.input.setText(confirmation_phrase("paperlive", "default"))
    drv.do(lambda: QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: "LIVE" in w.lock_switch.text(), 5, "the lock to open for paperlive")
    drv.until(lambda: not panel.armed, 5, "the ladder to disarm on the lock change")
    assert "testnet lock changed" in panel.state_label.text()
    arm()
    drv.do(lambda: QTest.mouseClick(w.lock_switch, Qt.MouseButton.LeftButton))  # lock again
    drv.until(lambda: w.lock_switch.text() == "TESTNET", 5, "locked again")
    drv.until(lambda: not panel.armed, 5, "the ladder to disarm on locking")

    # a switch to another venue session disarms it as well
    arm()
    drv.run(c.switch_venue("paperlive"), 10)
    drv.until(lambda: not panel.armed, 5, "the ladder to disarm on the session change")
    assert "venue session changed" in panel.state_label.text()
