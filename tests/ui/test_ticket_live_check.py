"""The pre-trade check as the user types, on the real ticket with the real order
service's check (safety gate, precautions, balance, market rules): a refusal shows
inline and disables Send before any confirmation, and clears once the ticket is fixed."""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from terminal.core.orders.service import OrderService
from terminal.core.ports import GateContext
from terminal.core.safety.gate import SafetyGate
from terminal.core.safety.lock import TestnetLock
from terminal.core.safety.precautions import PrecautionConfig, Precautions
from terminal.core.safety.stop import EmergencyStop
from terminal.domain.enums import VenueMode
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.order import OrderRequest
from terminal.journal import SqlJournal
from terminal.ui.panels.order_entry import OrderEntryPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)
from .test_panel_order_entry import btc_rules

D = Decimal
BALANCES = Balances({"USDT": Balance("USDT", D("1000"), D("0"))})


@pytest.fixture
def checked(qtbot, tmp_path):
    """A ticket whose precheck is a real OrderService's `check` behind the real safety
    gate; `calls` counts how often the ticket asked it."""
    rules = btc_rules()
    journal = SqlJournal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    stop = EmergencyStop()
    asyncio.run(stop.load(journal))  # read from the journal (empty: the stop is off)
    gate = SafetyGate(
        TestnetLock(),
        stop,
        Precautions(PrecautionConfig(max_notional={"*": D("500")})),
    )

    held = {"balances": BALANCES}  # what the market state holds now

    def context(request: OrderRequest) -> GateContext:
        return GateContext(
            market=rules, mode=VenueMode.PAPER, reference_price=D("100"), balances=held["balances"]
        )

    service = OrderService(journal, gate=gate, context_provider=context)
    calls: list[OrderRequest] = []

    def precheck(request, confirmed):
        calls.append(request)
        return service.check(request, confirmed)

    panel = OrderEntryPanel(confirm_arm_ms=0, check_debounce_ms=50)
    qtbot.addWidget(panel)
    panel.set_account("paper", VenueMode.PAPER, "default")
    panel.set_market(rules)
    panel.set_market_prices(D("99.99"), D("100.01"), D("100.00"))
    panel.set_balances(BALANCES)
    panel.set_precheck(precheck)
    panel.show()
    panel.held = held
    yield panel, calls
    panel.close()


def shown_rules(panel) -> set[str]:
    return {
        w.objectName().removeprefix("refusal_")
        for w in panel.refusals_box.findChildren(QLabel)
        if w.isVisible() and w.objectName().startswith("refusal_")
    } | set(panel.refusal_checks)


def test_a_refusal_shows_as_you_type_and_send_is_disabled_until_fixed(qtbot, checked):
    panel, calls = checked
    qtbot.keyClicks(panel.price_edit, "100")
    panel.amount_edit.setFocus()
    qtbot.keyClicks(panel.amount_edit, "8")  # 800 USDT: over the 500 USDT cap
    qtbot.waitUntil(lambda: panel.refusals_box.isVisible(), timeout=5000)
    assert "max_order_notional" in shown_rules(panel)
    assert not panel.submit_button.isEnabled()
    assert panel.confirmation is None  # nothing was asked: the refusal came while typing
    # Send (Enter) now opens no confirmation for the refused order
    qtbot.keyClick(panel.amount_edit, Qt.Key.Key_Return)
    assert panel.confirmation is None
    # fixing the amount clears the refusal and enables Send, again without a click
    panel.amount_edit.selectAll()
    qtbot.keyClicks(panel.amount_edit, "2")  # 200 USDT
    qtbot.waitUntil(lambda: calls and calls[-1].amount == D("2.00000"), timeout=5000)
    qtbot.waitUntil(lambda: panel.submit_button.isEnabled(), timeout=5000)
    assert not panel.refusals_box.isVisible()
    panel.request_submit()
    assert panel.confirmation is not None


def test_the_check_waits_for_typing_to_settle_and_follows_the_balance(qtbot, checked):
    panel, calls = checked
    qtbot.keyClicks(panel.price_edit, "100")
    panel.amount_edit.setFocus()
    calls.clear()
    qtbot.keyClicks(panel.amount_edit, "4.5")  # 450 USDT: under the cap and the balance
    # the keystrokes themselves never ran the check: it waits on the event loop's timer
    assert calls == [] and panel._live_check.due
    qtbot.waitUntil(lambda: bool(calls) and not panel._live_check.due, timeout=5000)
    assert calls[-1].amount == D("4.50000")
    assert panel.submit_button.isEnabled() and not panel.refusals_box.isVisible()
    # the free balance drops below what the ticket needs: the check runs again by itself
    lower = Balances({"USDT": Balance("USDT", D("100"), D("900"))})
    panel.held["balances"] = lower
    panel.set_balances(lower)
    qtbot.waitUntil(lambda: "insufficient_balance" in shown_rules(panel), timeout=5000)
    assert not panel.submit_button.isEnabled()


def test_no_check_while_entry_is_blocked_and_one_when_it_reopens(qtbot, checked):
    panel, calls = checked
    panel.set_entry_blocked("reconciling orders with paper")
    qtbot.keyClicks(panel.price_edit, "100")
    panel.amount_edit.setFocus()
    qtbot.keyClicks(panel.amount_edit, "8")
    qtbot.wait(200)
    assert calls == [] and not panel.refusals_box.isVisible()
    panel.set_entry_blocked(None)
    qtbot.waitUntil(lambda: "max_order_notional" in shown_rules(panel), timeout=5000)
    assert not panel.submit_button.isEnabled()
