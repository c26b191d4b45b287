"""The whole window against a real paper exchange: the ticket asks the order service's
own check as the user types and again before its confirmation opens, so an order the
precautions refuse shows its refusal and a disabled Send, is never offered for
confirming, and the refusal clears once the amount changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from terminal.domain.enums import Side
from terminal.ui.panels.ticket import EntryKind

from .test_main_window_trading import _mid

pytestmark = pytest.mark.timeout(240)


def test_a_refused_order_gets_its_reason_not_a_confirmation(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run: Any = make_main_window(paper_for_ui)
    entry, drv = run.panels.entry, run.driver
    mid = _mid(run)
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    rules = run.controller.services.sessions["paper"].markets[run.controller.market.active.symbol]
    sent: list[Any] = []
    entry.submitRequested.connect(lambda request, overrides: sent.append(request))
    entry.set_kind(EntryKind.LIMIT)
    entry.set_side(Side.BUY)
    entry.set_price(rules.format_price(rules.round_price(mid * Decimal("0.98"))))
    entry.set_amount("50")  # far more than the paper account's 100,000 USDT buys
    # as typed: the service's check runs on its own and its refusal disables Send
    drv.until(lambda: entry.refusals_box.isVisible(), 10, "the refusal shown as typed")
    assert not entry.submit_button.isEnabled() and not entry.can_submit()
    drv.do(entry.request_submit)
    assert entry.confirmation is None and sent == []
    shown = [w.objectName() for w in entry.refusals_box.findChildren(QLabel) if w.isVisible()]
    assert {"refusal_insufficient_balance", "refusal_max_order_notional"} & set(shown), shown
    assert entry.refusals_box.isVisible() and not entry.submit_button.isEnabled()
    drv.do(lambda: entry.set_amount("0.01"))
    assert not entry.refusals_box.isVisible() and entry.submit_button.isEnabled()
    drv.do(entry.request_submit)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.do(dialog.reject)
    assert sent == []
