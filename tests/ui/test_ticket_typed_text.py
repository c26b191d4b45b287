"""The ticket sends exactly the number typed (on the market's grid) or nothing; its
refusals go away when the input changes; nothing it would refuse is offered for
confirming."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtTest import QTest

from terminal.core.ports import Refusal
from terminal.domain.enums import Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.panels.ticket import (
    EntryKind,
    Prices,
    TicketInput,
    evaluate,
    snap_amount,
    snap_price,
    stepped_amount,
    stepped_price,
)

from .test_panel_order_entry import btc_rules, type_into

D = Decimal
RULES = btc_rules()


@pytest.fixture
def entry(qtbot):
    panel = OrderEntryPanel(confirm_arm_ms=0)
    qtbot.addWidget(panel)
    panel.set_account("paper", VenueMode.PAPER, "default")
    panel.set_market(btc_rules())
    panel.set_market_prices(D("99.99"), D("100.01"), D("100.00"))
    panel.show()
    return panel


def denoted(text: str) -> Decimal | None:
    """The number a person means by `text` (plain digits, one '.', or one ',' that
    cannot be a thousands separator), decided without the terminal's parser."""
    raw = text.strip().removeprefix("+")
    m = re.fullmatch(r"([0-9]*),([0-9]*)", raw)
    if m:
        if len(m.group(2)) == 3 and m.group(1).lstrip("0"):
            return None
        raw = f"{m.group(1)}.{m.group(2)}"
    if not re.fullmatch(r"[0-9]*\.?[0-9]*", raw) or not re.search(r"[0-9]", raw):
        return None
    return Decimal(raw)


typed = st.text(alphabet="0123456789.,-+eE _", max_size=12) | st.text(max_size=6)


@settings(max_examples=800, deadline=None)
@given(price=typed, amount=typed)
def test_what_the_ticket_would_send_is_the_typed_number_or_nothing(price, amount):
    state = evaluate(
        TicketInput(Side.BUY, EntryKind.LIMIT, TimeInForce.GTC, amount, price),
        RULES,
        venue=VenueId("paper"),
        mode=VenueMode.PAPER,
        account=AccountLabel("default"),
    )
    request = state.request
    if request is None:
        return
    p, a = denoted(price), denoted(amount)
    assert p is not None and a is not None, (price, amount)  # nothing else reads as a number
    assert request.price == snap_price(RULES, p)  # the tick rounding the form shows
    assert request.amount == snap_amount(RULES, a)


@settings(max_examples=300, deadline=None)
@given(typed, st.sampled_from([1, -1, 10, -10]))
def test_a_step_key_never_replaces_text_that_is_not_a_number(text, steps):
    prices = Prices(D("99.99"), D("100.01"), D("100"))
    for new in (
        stepped_price(RULES, text, Side.BUY, prices, steps),
        stepped_amount(RULES, text, steps),
    ):
        if new is not None and text.strip() and text.strip().strip("0.") != "":
            assert denoted(text) is not None, text


def test_refusals_and_the_failure_line_clear_when_the_input_changes(qtbot, entry):
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "2")
    request = entry.state.request
    entry.show_refusals([Refusal("insufficient_balance", "insufficient USDT", False)])
    entry.submit_finished(False, "Not sent: insufficient USDT")
    assert entry.refusals_box.isVisible() and entry.status_label.isVisible()
    type_into(qtbot, entry.amount_edit, "2.0")  # other text, the very same order
    assert entry.state.request == request
    assert not entry.refusals_box.isVisible() and not entry.refusal_checks
    assert not entry.status_label.isVisible() and entry.status_label.text() == ""
    # a side change is an input change too
    entry.show_refusals([Refusal("insufficient_balance", "insufficient USDT", False)])
    entry.set_side(Side.SELL)
    assert not entry.refusals_box.isVisible()


def test_no_confirmation_for_an_order_the_check_refuses(qtbot, entry):
    asked = []
    answer: list[Refusal] = [Refusal("insufficient_balance", "insufficient USDT", False)]
    entry.set_precheck(lambda request, confirmed: asked.append(request) or list(answer))
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "2")
    entry.request_submit()
    assert asked == [entry.state.request]
    assert entry.confirmation is None
    assert (
        "insufficient USDT" in entry.refusals_box.findChildren(type(entry.status_label))[0].text()
    )
    assert not entry.submit_button.isEnabled()
    # an overridable refusal: offered with its checkbox first, confirmed only once ticked
    type_into(qtbot, entry.amount_edit, "1")
    answer[:] = [Refusal("price_deviation", "6% from the mid", True)]
    entry.request_submit()
    assert entry.confirmation is None and "price_deviation" in entry.refusal_checks
    entry.refusal_checks["price_deviation"].setChecked(True)
    entry.request_submit()
    dlg = entry.confirmation
    assert dlg is not None
    dlg.reject()
    # nothing refused: straight to the confirmation
    type_into(qtbot, entry.amount_edit, "0.5")
    answer.clear()
    entry.request_submit()
    assert entry.confirmation is not None
    entry.confirmation.reject()


def test_a_failing_check_opens_nothing_and_says_so(qtbot, entry):
    def broken(request, confirmed):
        raise RuntimeError("service gone")

    entry.set_precheck(broken)
    type_into(qtbot, entry.price_edit, "100")
    type_into(qtbot, entry.amount_edit, "1")
    entry.request_submit()
    assert entry.confirmation is None and "service gone" in entry.status_label.text()


def test_the_amend_dialog_reads_numbers_as_the_ticket_does(qtbot):
    from terminal.ui.panels.amend_dialog import AmendDialog

    from .test_amend_from_table import RULES as AMEND_RULES
    from .test_amend_from_table import _order

    dialog = AmendDialog(_order(7), AMEND_RULES)
    qtbot.addWidget(dialog)
    for text, why in (
        ("59,050.5", "thousands"),
        ("1,500", "ambiguous"),
        ("1e2", "scientific"),
        ("-100", "above zero"),
    ):
        type_into(qtbot, dialog.price_input, text)
        assert dialog.price_input.text() == text  # kept as typed, never repaired
        assert dialog.price is None and not dialog.amend_button.isEnabled()
        assert why in dialog.price_input.problem and why in dialog.summary_label.text()
    type_into(qtbot, dialog.price_input, "101,5")  # a decimal comma that cannot be grouping
    assert dialog.price == Decimal("101.5") and dialog.price_input.problem is None
    assert dialog.amend_button.isEnabled()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789.,-+eE _xa", max_size=10))
def test_every_keystroke_is_kept_and_the_request_is_the_typed_number(qapp, text):
    panel = OrderEntryPanel(confirm_arm_ms=0)
    try:
        panel.set_account("paper", VenueMode.PAPER, "default")
        panel.set_market(RULES)
        panel.price_edit.setText("100")
        panel.amount_edit.setFocus()
        QTest.keyClicks(panel.amount_edit, text)
        assert panel.amount_edit.text() == text  # the field never drops a character
        request = panel.state.request
        if request is not None:
            assert denoted(text) is not None
            assert request.amount == snap_amount(RULES, denoted(text))
    finally:
        panel.deleteLater()
