"""The protective ticket in the main window (Order entry dock, second tab) against a real
paper exchange through the real ccxt client: it is fed the venue's types, the last
price and the balances; Review refuses what the order service refuses (no dialog); a
bracket sized by risk is confirmed leg by leg and lands on the venue: the market entry
fills and its stop and target rest there as one order list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from terminal.domain.enums import HeldBy, LegRole
from terminal.domain.order import OrderStatus
from terminal.ui.panels.order_groups import GROUP_PREFIX
from terminal.ui.panels.ticket_tabs import PROTECT_TAB, TicketTabs
from tests.fixtures_paper import paper_rest

pytestmark = pytest.mark.timeout(240)


def _venue_orders(run: Any, paper: Any) -> dict[str, dict]:
    async def fetch() -> list[dict]:
        async with paper_rest(paper) as ex:
            return await ex.fetch_open_orders("BTC/USDT")

    return {o["clientOrderId"]: o for o in run.driver.run(fetch(), 30)}


def test_protective_ticket_refuses_before_send_and_places_a_risk_sized_bracket(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, drv = run.controller, run.driver
    tabs = run.window.panels["entry"]
    assert isinstance(tabs, TicketTabs) and tabs.entry is run.panels.entry
    drv.do(tabs.show_protect)
    assert tabs.currentIndex() == PROTECT_TAB
    panel = run.panels.protect
    drv.until(lambda: run.panels.entry.blocked_reason is None, 30, "order entry to open")
    drv.until(lambda: "bracket" in panel.offered() and panel._last, 30, "the venue's types")
    assert panel.offered() == [
        "stop_market",
        "stop_limit",
        "take_profit",
        "take_profit_limit",
        "oco",
        "bracket",
    ]
    assert "Reduce-only: reduce-only applies to derivatives" in panel.missing_label.text()
    assert not panel.reduce_only.isEnabled()
    rules = panel._rules
    last = panel._last

    # the order service's refusal comes before any confirmation: a sell stop above the price
    panel.set_kind("stop_market")
    panel.side_combo.setCurrentIndex(1)
    panel.trigger_field.setText(rules.format_price(last * Decimal("1.05")).replace(",", ""))
    panel.amount_field.setText("0.01")
    assert panel.request is not None, panel.problem_label.text()
    drv.do(lambda: QTest.mouseClick(panel.review_button, Qt.MouseButton.LeftButton))
    assert panel.confirmation is None
    assert panel.problem_label.text().startswith("Not sent: "), panel.problem_label.text()
    assert "trigger" in panel.problem_label.text()

    # a bracket sized by risk: buy at market, stop 2 % under, target 4 % over, risk 20 USDT
    panel.set_kind("bracket")
    panel.side_combo.setCurrentIndex(0)
    stop = rules.round_price(last * Decimal("0.98"))
    target = rules.round_price(last * Decimal("1.04"))
    panel.trigger_field.setText(str(stop))
    panel.target_field.setText(str(target))
    panel.risk_check.setChecked(True)
    panel.risk_field.setText("20")
    plan = panel.plan
    assert plan is not None, panel.problem_label.text()
    assert plan.loss_at_stop <= Decimal(20) and plan.amount == rules.round_amount(plan.amount)
    assert plan.r_multiple is not None and plan.r_multiple > Decimal("1.5")
    drv.do(lambda: QTest.mouseClick(panel.review_button, Qt.MouseButton.LeftButton))
    dialog = drv.until(lambda: panel.confirmation, 5, "the legs' confirmation")
    rows = dialog.rows_text()
    amount = rules.format_amount(plan.amount)
    assert [r[:6] for r in rows] == [
        ("entry", "market", "BUY", amount, "", ""),
        ("stop (on fill)", "stop-market", "SELL", amount, rules.format_price(stop), ""),
        ("target (on fill)", "limit post-only", "SELL", amount, "", rules.format_price(target)),
    ]
    assert all("this terminal" in r[7] for r in rows[1:]), rows
    drv.until(dialog.send_button.isEnabled, 5, "Send to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    result = drv.until(lambda: c.trading.protect.last_result, 30, "the bracket")
    order_list, entry = result
    assert entry.amount == plan.amount
    svc = c.services.orders
    legs = drv.until(
        lambda: [
            o
            for o in svc.open_orders(entry.session)
            if o.leg_role in (LegRole.STOP, LegRole.TARGET) and o.list_id is not None
        ],
        30,
        "the stop and target after the entry's fill",
    )
    assert svc.tracker.cached(str(entry.client_order_id)).status is OrderStatus.FILLED
    assert {o.leg_role for o in legs} == {LegRole.STOP, LegRole.TARGET}
    assert all(o.held_by is HeldBy.VENUE and o.amount == plan.amount for o in legs)
    venue = _venue_orders(run, paper_for_ui)
    for leg in legs:
        assert str(leg.client_order_id) in venue
    assert c.trading.protect.last_message.startswith(f"Bracket {order_list.list_id}")

    # Open orders: the pair under one group row; one cancel of that row cancels both legs
    table = run.panels.open_orders
    group_key = GROUP_PREFIX + legs[0].list_id
    drv.until(lambda: table.model.row_of(group_key) is not None, 10, "the group row")
    assert drv.do(lambda: table.select(group_key))
    drv.do(lambda: QTest.mouseClick(table.cancel_button, Qt.MouseButton.LeftButton))
    drv.until(
        lambda: (
            not (set(_venue_orders(run, paper_for_ui)) & {str(o.client_order_id) for o in legs})
        ),
        30,
        "both legs cancelled on the venue",
        interval=0.3,
    )
