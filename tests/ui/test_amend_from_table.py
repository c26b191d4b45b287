"""Amend from the open-orders table: the whole main window against a real paper exchange.

A far-from-market limit buy placed from the ticket is amended from its row (Ctrl+E in
the table, the non-modal dialog, a price a few ticks up): the table then shows one open
order, the replacement, at the new price; the paper exchange rests exactly that order;
the journal has the original CANCELED. Real ccxt client, real widgets offscreen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from terminal.core.marketstate import FeedKind
from terminal.core.ports import Refusal
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.order import Order, OrderStatus
from terminal.ui.frame import FrameClock
from terminal.ui.panels._style import grouped
from terminal.ui.panels.amend_dialog import AmendDialog
from terminal.ui.panels.open_orders import C_AMOUNT, C_PRICE, C_STATUS, STATUS_TEXT, OpenOrdersPanel
from terminal.ui.panels.ticket import EntryKind

pytestmark = pytest.mark.timeout(180)


def _order(
    n: int, kind: OrderType = OrderType.LIMIT, status: OrderStatus = OrderStatus.OPEN
) -> Order:
    now = datetime.now(UTC)
    o = Order(
        client_order_id=ClientOrderId(f"am{n:016d}"),
        venue=VenueId("paper"),
        symbol=Symbol("BTC/USDT"),
        side=Side.SELL,
        type=kind,
        amount=Decimal("0.5"),
        price=Decimal("100.5") if kind is OrderType.LIMIT else None,
        created_at=now,
        updated_at=now,
    )
    o.status = status
    return o


RULES = MarketRules(
    symbol=Symbol("BTC/USDT"),
    base="BTC",
    quote="USDT",
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
)


def test_amend_is_disabled_with_the_reason_and_refusals_show_inline(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OpenOrdersPanel(frame_clock=FrameClock())
    qtbot.addWidget(panel)
    limit, market, pending = (
        _order(1),
        _order(2, OrderType.MARKET),
        _order(3, status=OrderStatus.PENDING_SUBMIT),
    )
    panel.set_orders([limit, market, pending])
    panel.refresh()
    why: dict[str, str | None] = {"reason": "paper cannot amend orders: cancel and place a new one"}
    for o, expected in (
        (limit, "not available"),
        (market, "only a limit order"),
        (pending, "not resting"),
    ):
        assert panel.select(str(o.client_order_id))
        panel._update_buttons()
        assert not panel.amend_button.isEnabled() and expected in panel.amend_button.toolTip()
        assert panel.open_amend() is None and panel.amend_dialog is None
    panel.set_amend_support(lambda o: why["reason"], lambda o: RULES)
    assert panel.select(str(limit.client_order_id))
    panel._update_buttons()
    assert not panel.amend_button.isEnabled()
    assert "cannot amend orders" in panel.amend_button.toolTip()
    why["reason"] = None
    panel._update_buttons()
    assert panel.amend_button.isEnabled()
    # with the market known, the table writes its numbers with the venue's precision
    panel.set_orders([limit])
    panel.refresh()
    row = [panel.model.data(panel.model.index(0, c)) for c in range(panel.model.columnCount())]
    assert "100.5" in row and "0.500" in row and "0.000" in row, row

    asked: list[AmendDialog] = []
    panel.amendRequested.connect(asked.append)
    dialog = panel.open_amend()
    assert dialog is not None and not dialog.isModal()
    assert (dialog.price_input.text(), dialog.amount_input.text()) == ("100.5", "0.500")
    dialog.set_values(price="100.63", amount="0.2999")
    assert (dialog.price, dialog.amount) == (Decimal("100.6"), Decimal("0.299"))
    assert dialog.summary_label.text() == "Amend SELL 0.500 BTC @ 100.5 -> 0.299 @ 100.6 on paper"
    QTest.mouseClick(dialog.amend_button, Qt.MouseButton.LeftButton)
    assert asked == [dialog] and dialog.busy and not dialog.amend_button.isEnabled()
    dialog.reject()  # not while the amend is under way
    assert dialog.isVisible()
    dialog.show_refusals(
        [
            Refusal("price_band", "price far from the market", overridable=True),
            Refusal("balance", "not enough BTC"),
        ]
    )
    assert not dialog.busy and not dialog.amend_button.isEnabled()
    assert dialog.findChild(QLabel, "refusal_balance") is not None
    dialog.show_refusals([Refusal("price_band", "price far from the market", overridable=True)])
    assert not dialog.amend_button.isEnabled()
    dialog.refusal_checks["price_band"].setChecked(True)
    assert dialog.amend_button.isEnabled() and dialog.confirmed == frozenset({"price_band"})
    dialog.amend_failed("Not amended: venue said no")
    assert dialog.isVisible() and "venue said no" in dialog.status_label.text()
    dialog.reject()
    assert panel.amend_dialog is None and panel.last_amended is None
    # a double click on the amount cell opens it too (on the order clicked)
    panel.resize(900, 300)
    panel.show()
    qtbot.waitExposed(panel)
    row = panel.model.row_of(str(limit.client_order_id))
    rect = panel.table.visualRect(panel.model.index(row, C_AMOUNT))
    viewport = panel.table.viewport()
    # Qt 6's mouseDClick sends no first click: the view needs the press it pairs with
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.amend_dialog is not None
    assert panel.amend_dialog.client_order_id == str(limit.client_order_id)
    panel.amend_dialog.reject()


def _place_buy(run: Any, price: Decimal, amount: str) -> Any:
    """Fill the ticket like a user and press Send in its confirmation."""
    entry, drv = run.panels.entry, run.driver
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    rules = run.controller.services.sessions["paper"].markets[run.controller.market.active.symbol]
    entry.set_kind(EntryKind.LIMIT)
    entry.set_side(Side.BUY)
    entry.set_price(rules.format_price(rules.round_price(price)))
    entry.set_amount(amount)
    drv.until(entry.can_submit, 5, "a complete ticket")
    drv.do(entry.request_submit)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not entry.pending and entry.confirmation is None, 20, "the submit")
    order = run.controller.trading.last_submit
    assert order is not None and order.status is OrderStatus.OPEN, entry.status_label.text()
    return order


def _paper_open_ids(paper: Any) -> set[str]:
    key = paper.accounts[0][0]
    return {o["clientOrderId"] for o in paper.control.open_orders(key)}


def _open_rows(table: Any) -> list[Any]:
    rows = [table.model.row_at(r) for r in range(table.model.rowCount())]
    return [r for r in rows if r.cells[C_STATUS] == STATUS_TEXT[OrderStatus.OPEN]]


def test_amend_a_resting_buy_from_the_table(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    # the first window of a full tests/ui session (this module sorts first) has been seen
    # to need more than the default 45 s to connect to the fault-injecting paper exchange
    run = make_main_window(paper_for_ui, ready_timeout=90.0)
    c, drv = run.controller, run.driver
    market = c.market.active
    mid = drv.until(
        lambda: (v := c.state.book_view(market.key(FeedKind.BOOK), 1)) and v.mid,
        20,
        "a book with a mid price",
    )
    rules = c.services.sessions["paper"].markets[market.symbol]
    assert c.services.sessions["paper"].has_edit_order
    original = _place_buy(run, mid * Decimal("0.97"), "0.01")
    old_id = str(original.client_order_id)
    drv.until(
        lambda: old_id in _paper_open_ids(paper_for_ui), 10, "the buy on the exchange", interval=0.2
    )

    table = run.panels.open_orders
    drv.until(lambda: table.select(old_id), 10, "the buy in the open orders table")
    drv.until(table.amend_button.isEnabled, 10, "Amend to be enabled for a resting limit buy")
    # the context menu offers it too, enabled
    rect = table.table.visualRect(table.model.index(table.model.row_of(old_id), C_PRICE))
    drv.do(lambda: table._context_menu(rect.center()))
    menu = table.context_menu
    amend_items = [a for a in menu.actions() if a.text().startswith("Amend")]
    assert len(amend_items) == 1 and amend_items[0].isEnabled()
    drv.do(menu.close)

    # Ctrl+E in the table opens the non-modal dialog, prefilled
    run.window.activateWindow()
    drv.until(run.window.isActiveWindow, 5, "the main window to be active")
    table.table.setFocus()
    drv.until(table.table.hasFocus, 5, "the focus in the open orders table")
    drv.until(table.amend_action.isEnabled, 10, "Ctrl+E to be enabled (entry open)")
    drv.do(lambda: QTest.keyClick(table.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier))
    dialog = drv.until(lambda: table.amend_dialog, 5, "the amend dialog")
    assert isinstance(dialog, AmendDialog) and not dialog.isModal() and dialog.isVisible()
    assert dialog.price_input.text() == rules.format_price(original.price)
    assert dialog.amount_input.text() == rules.format_amount(Decimal("0.01"))
    assert not dialog.amend_button.isEnabled()  # nothing changed yet

    tick = rules.tick_size
    new_price = original.price + 3 * tick
    # typed off the grid: snaps to the nearest tick; the amount truncates to the step
    drv.do(
        lambda: dialog.set_values(
            price=str(new_price + tick / 4), amount=str(Decimal("0.012") + rules.step_size / 2)
        )
    )
    assert dialog.price == new_price and dialog.price_input.text() == rules.format_price(new_price)
    assert dialog.amount == Decimal("0.012")
    assert dialog.summary_label.text() == (
        f"Amend BUY {rules.format_amount(Decimal('0.01'))} {rules.base} @ "
        f"{grouped(rules.format_price(original.price))} -> "
        f"{rules.format_amount(Decimal('0.012'))} @ {grouped(rules.format_price(new_price))}"
        " on paper"
    )
    assert dialog.amend_button.isEnabled()

    drv.do(lambda: QTest.mouseClick(dialog.amend_button, Qt.MouseButton.LeftButton))
    drv.until(
        lambda: table.amend_dialog is None or dialog.status_label.text().startswith("Not"),
        30,
        "the amend to finish and the dialog to close",
    )
    assert table.amend_dialog is None, dialog.status_label.text()
    new = table.last_amended
    assert new is not None and str(new.client_order_id) != old_id
    new_id = str(new.client_order_id)
    assert new.status is OrderStatus.OPEN and new.price == new_price

    # the table: one open order, the replacement, at the new price
    def replacement_row() -> Any:
        rows = _open_rows(table)
        return rows[0] if len(rows) == 1 and rows[0].key == new_id else None

    row = drv.until(replacement_row, 10, "the replacement as the only open row")
    assert Decimal(row.cells[C_PRICE].replace(",", "")) == new_price
    # the exchange rests exactly that one order
    assert drv.until(
        lambda: _paper_open_ids(paper_for_ui) == {new_id},
        10,
        "only the replacement on the exchange",
        interval=0.2,
    )
    # the journal: the original CANCELED, the replacement OPEN at the new price
    old = drv.run(c.services.journal.get_order(original.client_order_id))
    stored = drv.run(c.services.journal.get_order(new.client_order_id))
    assert old.status is OrderStatus.CANCELED
    assert stored.status is OrderStatus.OPEN and stored.price == new_price
    assert stored.amount == Decimal("0.012")

    # the emergency stop blocks amending, with the reason; its sweep cancels the order
    drv.do(lambda: QTest.mouseClick(run.window.stop_button, Qt.MouseButton.LeftButton))
    reason = c.trading.amend_block_reason(stored)
    assert reason and "stop" in reason.lower()
    drv.until(lambda: not _paper_open_ids(paper_for_ui), 15, "the stop's sweep", interval=0.2)
    drv.until(lambda: c.safety.last_sweep is not None, 15, "the sweep result")
