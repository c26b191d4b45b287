"""The protective ticket with real widgets (pytest-qt), fed by a real paper session's
market rules and capabilities; what it emits is placed through the real order service.

Offers only the venue's types and says why others are missing; risk mode sizes the
amount (rounded to the step) with notional, loss at stop, reward and R; the
confirmation lists every leg exactly as sent; Send places it on the paper exchange.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.domain.enums import HeldBy, OrderType, Side
from terminal.domain.order import OrderStatus
from terminal.domain.orderlist import ProtectionRequest
from terminal.paper.embedded import start_paper_exchange
from terminal.ui.panels.protect_panel import ProtectPanel
from terminal.ui.panels.risk import risk_plan
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import BTC, order_stack


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-protect-ui"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def venue(paper, tmp_path_factory):
    async def read():
        async with order_stack(paper, tmp_path_factory.mktemp("j") / "j.sqlite") as (s, _j, _svc):
            trades = await s.fetch_trades_raw(BTC, 1)
            return (
                s.markets[BTC],
                s.capabilities(BTC),
                await s.fetch_balances(),
                Decimal(repr(trades[-1]["price"])),
            )

    return run_async(read(), timeout=60)


@pytest.fixture
def panel(qtbot, venue):
    rules, caps, balances, last = venue
    p = ProtectPanel(confirm_arm_ms=0)
    qtbot.addWidget(p)
    p.set_account("paper", p._mode)
    p.set_market(rules, caps)
    p.set_balances(balances)
    p.set_last_price(last)
    p.resize(420, 520)
    p.show()
    return p


def test_offers_only_what_the_venue_takes_and_says_why(qtbot, venue):
    rules, caps, _b, _l = venue
    p = ProtectPanel()
    qtbot.addWidget(p)
    p.set_market(rules, caps)
    assert p.offered() == [
        "stop_market",
        "stop_limit",
        "take_profit",
        "take_profit_limit",
        "oco",
        "bracket",
    ]
    # the same market on a venue that lists no STOP_LOSS and holds no order lists
    fewer = replace(
        caps,
        order_types=tuple(t for t in caps.order_types if t is not OrderType.STOP_MARKET),
        native_oco=False,
        missing={**caps.missing, "stop_market": "BTC/USDT does not list STOP_LOSS"},
    )
    p.set_market(rules, fewer)
    assert "stop_market" not in p.offered() and "oco" in p.offered()
    assert "Stop-market: BTC/USDT does not list STOP_LOSS" in p.missing_label.text()
    assert p.kind_combo.itemText(p.kind_combo.findData("oco")).endswith("*")


def test_risk_mode_sizes_the_amount_and_shows_loss_reward_and_r(panel, venue):
    rules, _c, _b, last = venue
    panel.set_kind("bracket")
    panel.side_combo.setCurrentIndex(0)  # buy
    stop, target = last - 200, last + 400
    panel.trigger_field.setText(str(stop))
    panel.target_field.setText(str(target))
    panel.risk_check.setChecked(True)
    panel.risk_field.setText("25")
    plan = panel.plan
    expected = risk_plan(rules, Side.BUY, last, stop, Decimal(25), target)
    assert plan == expected and plan.loss_at_stop <= Decimal(25)
    assert plan.amount == rules.round_amount(plan.amount)  # on the step
    assert panel.amount_field.text() == rules.format_amount(plan.amount)
    text = panel.plan_label.text()
    assert "loss at stop" in text and "reward at target" in text and f"{plan.r_multiple} R" in text
    assert panel.request.entry.amount == plan.amount
    # a stop on the wrong side is refused in the form, nothing to review
    panel.trigger_field.setText(str(last + 10))
    assert panel.request is None and "below the entry" in panel.problem_label.text()
    assert not panel.review_button.isEnabled()


def test_confirmation_lists_every_leg_and_send_places_the_oco(qtbot, panel, venue, paper, tmp_path):
    rules, _c, _b, last = venue
    panel.set_kind("oco")
    panel.side_combo.setCurrentIndex(1)  # sell: close a long
    panel.trigger_field.setText(str(last - 40))
    panel.target_field.setText(str(last + 40))
    panel.amount_field.setText("0.004")
    dlg = panel.review()
    assert dlg is not None
    rows = dlg.rows_text()
    amount = rules.format_amount(Decimal("0.004"))
    assert rows == [
        ("stop", "stop-market", "SELL", amount, rules.format_price(last - 40), "", "", "venue"),
        (
            "target",
            "limit post-only",
            "SELL",
            amount,
            "",
            rules.format_price(last + 40),
            "",
            "venue",
        ),
    ]
    qtbot.waitUntil(dlg.send_button.isEnabled, timeout=3000)  # armed after a moment
    with qtbot.waitSignal(panel.protectRequested, timeout=3000) as sent:
        dlg.send_button.click()
    request, overrides = sent.args
    assert isinstance(request, ProtectionRequest) and overrides == frozenset()

    async def place():
        async with order_stack(paper, tmp_path / "j.sqlite") as (_s, _j, svc):
            order_list, legs = await svc.place_oco(request)
            assert order_list.held_by is HeldBy.VENUE
            assert [o.status for o in legs] == [OrderStatus.PENDING_TRIGGER, OrderStatus.OPEN]
            assert [str(o.amount) for o in legs] == ["0.00400", "0.00400"]
            await svc.cancel_list(order_list.list_id)

    run_async(place(), timeout=60)


def test_screenshots(qtbot, panel, venue, tmp_path):
    _r, _c, _b, last = venue
    panel.set_kind("bracket")
    panel.trigger_field.setText(str(last - 200))
    panel.target_field.setText(str(last + 400))
    panel.risk_check.setChecked(True)
    panel.risk_field.setText("1")
    panel.risk_unit.setCurrentIndex(1)
    assert panel.request is not None, panel.problem_label.text()
    for w, h in ((1280, 800), (1920, 1080)):
        panel.resize(min(w // 3, 520), min(h - 200, 620))
        qtbot.wait(50)
        assert not panel.grab().isNull()
        panel.grab().save(str(tmp_path / f"protect_{w}x{h}.png"))
    dlg = panel.review()
    qtbot.wait(50)
    dlg.grab().save(str(tmp_path / "protect_confirm.png"))
    print("screenshots in", tmp_path)


def test_a_limit_bracket_is_offered_held_by_the_venue_with_every_leg_so_marked(panel, venue):
    _rules, caps, _b, last = venue
    assert caps.native_bracket
    panel.set_kind("bracket")
    panel.side_combo.setCurrentIndex(0)
    panel.trigger_field.setText(str(last - 200))
    panel.target_field.setText(str(last + 400))
    panel.amount_field.setText("0.01")
    # a market entry: the venue's OTOCO takes none, so the bracket is held by this terminal
    assert not panel.native_check.isEnabled()
    assert "limit entry" in panel.native_check.toolTip()
    assert panel.request is not None and panel.request.native is False
    panel.entry_field.setText(str(last - 20))
    assert panel.native_check.isEnabled() and panel.native_check.isChecked()
    assert panel.request.native is True
    dlg = panel.review()
    assert dlg is not None
    rows = dlg.rows_text()
    assert [r[0] for r in rows] == ["entry", "stop (on full fill)", "target (on full fill)"]
    assert rows[0][7] == "venue"
    assert all(r[7].startswith("venue (placed by the venue") for r in rows[1:])
    dlg.reject()
    panel.native_check.setChecked(False)  # the user may keep it with this terminal
    assert panel.request.native is False
