"""Order entry panel: real widgets, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.core.ports import Refusal
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.order import OrderRequest
from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.panels.ticket import EntryKind

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

D = Decimal


def btc_rules() -> MarketRules:
    return MarketRules(
        symbol=Symbol("BTC/USDT"),
        base="BTC",
        quote="USDT",
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_amount=D("0.00001"),
        min_notional=D("5"),
        maker_fee=D("0.001"),
        taker_fee=D("0.001"),
    )


@pytest.fixture
def entry(qtbot):
    panel = OrderEntryPanel(confirm_arm_ms=0)
    qtbot.addWidget(panel)
    panel.set_account("paper", VenueMode.PAPER, "default")
    panel.set_market(btc_rules())
    panel.set_market_prices(D("99.99"), D("100.01"), D("100.00"))
    panel.set_balances(
        Balances(
            {"USDT": Balance("USDT", D("1000"), D("0")), "BTC": Balance("BTC", D("0.3"), D("0.1"))}
        )
    )
    panel.show()
    return panel


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_price_and_amount_snap_to_tick_and_step_and_show_the_rounding(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100.123")
    assert entry.state.price == D("100.12")
    assert entry.price_note.text() == "→ 100.12 (tick 0.01)"
    type_into(qtbot, entry.amount_edit, "0.123456")
    assert entry.state.amount == D("0.12345")  # truncated, never rounded up
    assert "0.12345" in entry.amount_note.text()
    entry.price_edit.editingFinished.emit()
    assert entry.price_edit.text() == "100.12"
    entry.amount_edit.editingFinished.emit()
    assert entry.amount_edit.text() == "0.12345"
    assert entry.state.request is not None
    assert entry.state.request.price == D("100.12")
    assert entry.state.request.amount == D("0.12345")


def test_text_that_is_not_a_number_is_kept_and_marked_never_repaired(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    for typed, why in (
        ("1a,2", "not a number"),
        ("1,5", None),
        ("1e-3", "0.001"),
        ("-1", "above zero"),
        ("-0.5", "above zero"),
        ("1e12", "scientific"),
        ("1,500", "ambiguous"),
    ):
        type_into(qtbot, entry.amount_edit, typed)
        assert entry.amount_edit.text() == typed  # every keystroke kept
        if why is None:
            assert entry.state.request.amount == D("1.5") and not entry.amount_edit.problem
            continue
        assert entry.state.request is None
        assert why in entry.amount_edit.problem and why in entry.problems_label.text()
        assert entry.problems_label.isVisible() and why in entry.amount_edit.toolTip()
        assert not entry.submit_button.isEnabled()
        qtbot.keyClick(entry.amount_edit, Qt.Key.Key_Up)  # no step replaces the text
        assert entry.amount_edit.text() == typed
    type_into(qtbot, entry.price_edit, "1e5")
    assert "100000" in entry.price_edit.problem and entry.state.request is None


def test_quote_amount_converts_to_base_at_the_limit_price(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    entry.set_amount_in_quote(True)
    type_into(qtbot, entry.amount_edit, "50")
    assert entry.state.amount == D("0.50000")
    assert entry.amount_note.text() == "≈ 0.50000 BTC"
    assert entry.state.request.amount == D("0.50000")
    assert entry.cost_label.text() == "Est. cost: 50.00 USDT"


def test_market_order_is_valued_at_the_ask_and_has_no_price(qtbot, entry):
    entry.set_kind(EntryKind.MARKET)
    assert not entry.price_edit.isEnabled()
    type_into(qtbot, entry.amount_edit, "1")
    req = entry.state.request
    assert req.type is OrderType.MARKET and req.price is None
    assert entry.state.cost == D("100.01")
    assert entry.cost_label.text().startswith("Est. cost: ≈ 100.01")
    assert entry.fee_label.text() == "Fee: ≈ 0.10001 USDT (taker 0.1%)"


def test_percent_buttons_use_the_free_balance(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    qtbot.mouseClick(entry.percent_buttons[25], Qt.MouseButton.LeftButton)
    # 250 USDT / (100 * 1.001), on the step
    assert entry.amount_edit.text() == "2.49750"
    entry.set_side(Side.SELL)
    qtbot.mouseClick(entry.percent_buttons[50], Qt.MouseButton.LeftButton)
    assert entry.amount_edit.text() == "0.15000"  # half of the free 0.3 BTC
    assert entry.available_label.text() == "Available: 0.3 BTC"
    entry.set_amount_in_quote(True)
    qtbot.mouseClick(entry.percent_buttons[100], Qt.MouseButton.LeftButton)
    assert entry.amount_edit.text() == "30.00"  # 0.3 BTC valued at 100
    assert entry.state.amount == D("0.30000")


def test_rule_violation_is_shown_and_blocks_submit(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "0.01")  # 1 USDT < min notional 5
    assert "below the minimum" in entry.problems_label.text()
    assert not entry.submit_button.isEnabled()
    assert entry.state.request is None


def test_confirmation_shows_exactly_the_request_and_emits_once(qtbot, entry):
    sent = []
    entry.submitRequested.connect(lambda req, ov: sent.append((req, ov)))
    type_into(qtbot, entry.price_edit, "100.5")
    type_into(qtbot, entry.amount_edit, "0.2")
    entry.set_time_in_force(TimeInForce.IOC)
    assert entry.submit_button.isEnabled()
    qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
    dlg = entry.confirmation
    assert dlg is not None and dlg.isVisible()
    shown = {k: v.text() for k, v in dlg.value_labels.items()}
    assert shown == {
        "Session": "paper PAPER",
        "Venue": "paper",
        "Mode": "Paper (simulated)",
        "Account": "default",
        "Symbol": "BTC/USDT",
        "Side": "BUY",
        "Type": "LIMIT",
        "Time in force": "IOC",
        "Post-only": "no",
        "Amount": "0.20000 BTC",
        "Price": "100.50 USDT",
        "Est. cost": "20.10 USDT",
        "Est. fee": "≈ 0.0201 USDT",
    }
    assert not entry.submit_button.isEnabled()  # one confirmation at a time
    send = dlg.send_button
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)  # double click
    dlg._send()  # and a programmatic second confirm
    assert len(sent) == 1
    req, overrides = sent[0]
    assert req == OrderRequest(
        venue="paper",
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("0.20000"),
        price=D("100.50"),
        time_in_force=TimeInForce.IOC,
        post_only=False,
        mode=VenueMode.PAPER,
    )
    assert overrides == frozenset()
    # pending: no second order can even be prepared until the service answers
    assert entry.pending and not entry.submit_button.isEnabled()
    assert entry.submit_button.text() == "Sending…"
    entry.request_submit()
    assert entry.confirmation is None
    entry.submit_finished(True, "Order accepted")
    assert entry.submit_button.isEnabled() and entry.submit_button.text() == "Buy BTC"


def test_double_enter_opens_the_confirmation_but_cannot_confirm_it(qtbot):
    panel = OrderEntryPanel(confirm_arm_ms=300)
    qtbot.addWidget(panel)
    panel.set_account("paper", VenueMode.PAPER)
    panel.set_market(btc_rules())
    panel.show()
    sent = []
    panel.submitRequested.connect(lambda req, ov: sent.append(req))
    panel.set_price("100")
    type_into(qtbot, panel.amount_edit, "0.1")
    qtbot.keyClick(panel.amount_edit, Qt.Key.Key_Return)
    dlg = panel.confirmation
    assert dlg is not None and not dlg.armed
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    qtbot.keyClick(panel.amount_edit, Qt.Key.Key_Return)
    assert sent == []
    qtbot.waitUntil(lambda: dlg.armed, timeout=2000)
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert len(sent) == 1


def test_post_only_sends_gtc_with_the_flag_and_maker_fee(qtbot, entry):
    entry.set_kind(EntryKind.POST_ONLY)
    entry.set_time_in_force(TimeInForce.FOK)
    assert not entry.tif_combo.isEnabled()
    type_into(qtbot, entry.price_edit, "99")
    type_into(qtbot, entry.amount_edit, "1")
    req = entry.state.request
    assert req.post_only and req.time_in_force is TimeInForce.GTC and req.type is OrderType.LIMIT
    assert "maker" in entry.fee_label.text()


def test_refusals_inline_with_explicit_override(qtbot, entry):
    sent = []
    entry.submitRequested.connect(lambda req, ov: sent.append(ov))
    tickets = []
    entry.ticketChanged.connect(tickets.append)
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "2")
    assert tickets[-1] is not None and tickets[-1].amount == D("2.00000")
    entry.show_refusals([Refusal("max_price_deviation", "price is 6% from mid", True)])
    box = entry.refusal_checks["max_price_deviation"]
    assert box.isVisible() and "6% from mid" in box.text()
    assert not entry.submit_button.isEnabled()
    box.setChecked(True)
    assert entry.submit_button.isEnabled()
    entry.request_submit()
    assert (
        "6% from mid"
        in entry.confirmation.findChild(type(entry.blocked_label), "overrideList").text()
    )
    entry.confirmation.send_button.click()
    assert sent == [frozenset({"max_price_deviation"})]
    entry.submit_finished(True)
    # a non-overridable refusal disables submit with no checkbox
    entry.show_refusals([Refusal("balance", "not enough USDT", False)])
    assert not entry.refusal_checks
    assert not entry.submit_button.isEnabled()
    # editing the ticket clears refusals meant for the old one
    type_into(qtbot, entry.amount_edit, "3")
    assert entry.submit_button.isEnabled()


def test_market_price_ticks_keep_a_ticked_override(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "2")
    entry.show_refusals([Refusal("max_notional", "big", True)])
    entry.refusal_checks["max_notional"].setChecked(True)
    entry.set_market_prices(D("99.98"), D("100.02"), D("100.00"))
    assert entry.confirmed_overrides() == frozenset({"max_notional"})


def test_blocked_reason_disables_entry_and_closes_an_open_confirmation(qtbot, entry):
    sent = []
    entry.submitRequested.connect(lambda req, ov: sent.append(req))
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "1")
    entry.request_submit()
    dlg = entry.confirmation
    assert dlg is not None
    entry.set_entry_blocked("Emergency stop engaged")
    assert entry.confirmation is None and not dlg.isVisible()
    assert entry.blocked_label.isVisible()
    assert "Emergency stop engaged" in entry.blocked_label.text()
    assert not entry.submit_button.isEnabled()
    assert entry.submit_button.toolTip() == "Emergency stop engaged"
    entry.request_submit()
    assert entry.confirmation is None and sent == []
    entry.set_entry_blocked(None)
    assert not entry.blocked_label.isVisible() and entry.submit_button.isEnabled()


def test_book_click_price_and_hotkeys(qtbot, entry):
    entry.set_kind(EntryKind.MARKET)
    entry.set_price("101.237")
    assert entry.current_kind() is EntryKind.LIMIT
    assert entry.price_edit.text() == "101.24"
    entry.start_sell()
    assert entry.current_side() is Side.SELL
    assert entry.amount_edit.hasFocus()
    assert entry.submit_button.text() == "Sell BTC"
    entry.focus_price()
    assert entry.price_edit.hasFocus()


def test_live_mode_is_marked_in_form_and_confirmation(qtbot, entry):
    entry.set_account("binance", VenueMode.LIVE, "main")
    assert entry.mode_badge.text() == "LIVE"
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "1")
    entry.request_submit()
    dlg = entry.confirmation
    assert dlg.value_labels["Mode"].text() == "LIVE — real money"
    assert dlg.value_labels["Venue"].text() == "binance"
    assert dlg.value_labels["Account"].text() == "main"
    # the session line names it and wears a live (warm) colour, never a paper one
    from terminal.ui.session_style import LIVE_COLOURS

    chip = dlg.value_labels["Session"]
    assert chip.text() == "binance/main LIVE"
    assert any(colour in chip.styleSheet() for colour in LIVE_COLOURS)
    assert entry.context_label.text().startswith("binance/main LIVE")
    dlg.reject()


def test_screenshot(qtbot, entry, shot):
    type_into(qtbot, entry.price_edit, "100.123")
    type_into(qtbot, entry.amount_edit, "2.5")
    entry.show_refusals(
        [
            Refusal("max_price_deviation", "Price is 6.2% above the mid", True),
            Refusal("balance", "Needs 250.31 USDT; 200 available", False),
        ]
    )
    entry.resize(300, 520)
    shot(entry, "order_entry")
    entry.set_entry_blocked("Emergency stop engaged")
    shot(entry, "order_entry_blocked")
    entry.set_entry_blocked(None)
    entry.show_refusals([])
    entry.request_submit()
    dlg = entry.confirmation
    shot(dlg, "order_confirm")
    dlg.reject()


def test_arrow_keys_step_price_by_tick_and_amount_by_step(qtbot, entry):
    entry.price_edit.setFocus()
    qtbot.keyClick(entry.price_edit, Qt.Key.Key_Up)  # empty: starts at the bid for a buy
    assert entry.price_edit.text() == "99.99"
    qtbot.keyClick(entry.price_edit, Qt.Key.Key_Up)
    assert entry.price_edit.text() == "100.00"
    qtbot.keyClick(entry.price_edit, Qt.Key.Key_PageDown)
    assert entry.state.price == D("99.90")
    type_into(qtbot, entry.amount_edit, "0.1")
    qtbot.keyClick(entry.amount_edit, Qt.Key.Key_Down)
    assert entry.amount_edit.text() == "0.09999"
    entry.set_amount("0")
    qtbot.keyClick(entry.amount_edit, Qt.Key.Key_Down)
    assert entry.amount_edit.text() == "0.00001"  # never below one step
    entry.set_side(Side.SELL)
    entry.price_edit.clear()
    entry.price_edit.setFocus()
    qtbot.keyClick(entry.price_edit, Qt.Key.Key_Down)  # a sell starts at the ask
    assert entry.price_edit.text() == "100.01"


def test_best_bid_and_ask_are_shown(entry):
    assert entry.quote_label.text() == "Bid 99.99  ·  Ask 100.01"
