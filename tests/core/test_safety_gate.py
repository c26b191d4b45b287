"""The gate: stop and lock before precautions; overrides only where allowed, journaled."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from terminal.core.ports import GateContext, SubmitGate
from terminal.core.safety import (
    EMERGENCY_STOP,
    TESTNET_LOCK,
    OrderBlocked,
    SafetyGate,
    SafetyState,
)
from terminal.core.safety import precautions as P
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderRequest
from terminal.settings import PrecautionSettings
from tests.core.test_safety_support import MemoryJournal, balances, btc_usdt_rules


def req(
    mode=VenueMode.PAPER,
    venue="paper",
    price="50000",
    amount="0.01",
    type_=OrderType.LIMIT,
    account="main",
):
    return OrderRequest(
        venue=VenueId(venue),
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY,
        type=type_,
        amount=D(amount),
        price=D(price) if price else None,
        mode=mode,
        account=AccountLabel(account),
    )


def ctx(mode=VenueMode.PAPER, confirmed=(), ref="50000", bal=None):
    return GateContext(
        market=btc_usdt_rules(),
        mode=mode,
        reference_price=D(ref),
        balances=bal or balances(USDT="100000", BTC="1"),
        confirmed=frozenset(confirmed),
    )


def open_state(journal=None, settings=None) -> SafetyState:
    return asyncio.run(SafetyState.open(journal, settings))


def test_gate_implements_the_port_and_passes_a_sane_paper_order():
    state = open_state()
    gate: SubmitGate = state.gate
    assert isinstance(gate, SafetyGate)
    assert gate.submissions_blocked() is None
    assert list(gate.check(req(), ctx())) == []


def test_gate_blocks_until_the_stop_state_is_loaded():
    state = SafetyState()
    assert state.gate.submissions_blocked()
    assert [r.rule for r in state.gate.check(req(), ctx())] == [EMERGENCY_STOP]


def test_live_order_is_refused_while_locked_even_if_the_ticket_says_paper():
    gate = open_state().gate
    out = gate.check(req(mode=VenueMode.PAPER, venue="binance"), ctx(mode=VenueMode.LIVE))
    assert [r.rule for r in out] == [TESTNET_LOCK] and not out[0].overridable
    out = gate.check(req(mode=VenueMode.LIVE, venue="binance"), ctx(mode=VenueMode.SANDBOX))
    assert [r.rule for r in out] == [TESTNET_LOCK]
    # confirming the lock's rule name does nothing
    out = gate.check(
        req(mode=VenueMode.LIVE, venue="binance"),
        ctx(mode=VenueMode.LIVE, confirmed={TESTNET_LOCK, EMERGENCY_STOP}),
    )
    assert [r.rule for r in out] == [TESTNET_LOCK]
    assert (
        gate.check(req(mode=VenueMode.SANDBOX, venue="binance"), ctx(mode=VenueMode.SANDBOX)) == []
    )


def test_unlocked_live_venue_passes_and_lock_again_blocks():
    state = open_state()
    state.lock.unlock("binance", "main", "UNLOCK LIVE binance main")
    live = req(mode=VenueMode.LIVE, venue="binance")
    assert state.gate.check(live, ctx(mode=VenueMode.LIVE)) == []
    assert [
        r.rule
        for r in state.gate.check(
            req(mode=VenueMode.LIVE, venue="binance", account="other"), ctx(mode=VenueMode.LIVE)
        )
    ] == [TESTNET_LOCK]
    state.lock.lock()
    assert [r.rule for r in state.gate.check(live, ctx(mode=VenueMode.LIVE))] == [TESTNET_LOCK]


def test_engaged_stop_refuses_everything_and_cannot_be_confirmed_away():
    state = open_state()
    state.stop.engage()
    assert state.gate.submissions_blocked()
    out = state.gate.check(req(), ctx(confirmed={EMERGENCY_STOP}))
    assert [r.rule for r in out] == [EMERGENCY_STOP]
    with pytest.raises(OrderBlocked) as info:
        state.gate.require_entry_allowed("paper", VenueMode.PAPER, "main")
    assert info.value.refusal.rule == EMERGENCY_STOP


def test_entry_refusal_for_headless_commands():
    gate = open_state().gate
    assert gate.entry_refusal("paper", VenueMode.PAPER, "main") is None
    r = gate.entry_refusal("binance", VenueMode.LIVE, "main")
    assert r.rule == TESTNET_LOCK and "UNLOCK LIVE binance main" in r.message
    with pytest.raises(OrderBlocked, match="Testnet lock is ON"):
        gate.require_entry_allowed("binance", "live", "main")


def test_overridable_precaution_passes_when_confirmed_and_is_journaled():
    journal = MemoryJournal()

    async def main():
        state = await SafetyState.open(journal)
        far = req(price="60000")
        first = state.gate.check(far, ctx())
        assert [r.rule for r in first] == [P.PRICE_DEVIATION]
        assert state.gate.check(far, ctx(confirmed={P.PRICE_DEVIATION})) == []
        await state.aclose()

    asyncio.run(main())
    assert journal.kinds() == ["precaution_override"]
    details = journal.safety[0][1]
    assert details["rules"] == [P.PRICE_DEVIATION] and details["price"] == "60000"
    assert details["values"][P.PRICE_DEVIATION]["deviation_pct"] == "20.0000"


def test_non_overridable_rules_ignore_confirmation_and_nothing_is_journaled():
    journal = MemoryJournal()

    async def main():
        state = await SafetyState.open(journal)
        poor = ctx(
            bal=balances(USDT="1"),
            confirmed={
                P.INSUFFICIENT_BALANCE,
                P.PRICE_DEVIATION,
                "min_notional",
                P.MAX_ORDER_NOTIONAL,
            },
        )
        out = state.gate.check(req(price="60000"), poor)
        assert [r.rule for r in out] == [P.INSUFFICIENT_BALANCE]
        await state.aclose()

    asyncio.run(main())
    assert journal.kinds() == []


def test_state_listeners_see_lock_and_stop_changes_without_qt():
    state = open_state(settings=PrecautionSettings())
    seen = []
    unsubscribe = state.subscribe(lambda s: seen.append((s.lock_label, s.stop_label)))
    state.lock.unlock("paper", "main", "UNLOCK LIVE paper main")
    state.stop.engage()
    state.stop.reset(confirmed=True)
    state.lock.lock()
    unsubscribe()
    state.stop.engage()
    assert seen == [
        ("TESTNET", "OFF"),
        ("LIVE", "OFF"),
        ("LIVE", "ENGAGED"),
        ("LIVE", "OFF"),
        ("TESTNET", "OFF"),
    ]


def test_set_precautions_applies_new_settings():
    state = open_state()
    state.set_precautions(PrecautionSettings(max_notional={"*": "100"}))
    out = state.gate.check(req(), ctx())
    assert [r.rule for r in out] == [P.MAX_ORDER_NOTIONAL]


def test_core_safety_imports_no_qt_or_io_library():
    import subprocess
    import sys

    code = (
        "import sys, terminal.core.safety; "
        "bad=[m for m in ('PySide6','ccxt','sqlalchemy','keyring','aiohttp','qasync') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_journaled_unlock_is_never_restored_at_start():
    journal = MemoryJournal()

    async def first_run():
        state = await SafetyState.open(journal)
        state.lock.unlock("binance", "main", "UNLOCK LIVE binance main")
        await state.aclose()  # the app exits without locking again

    asyncio.run(first_run())
    assert journal.kinds() == ["testnet_lock_unlocked"]
    again = open_state(journal)
    assert again.snapshot().lock_label == "TESTNET"
    assert again.gate.entry_refusal("binance", VenueMode.LIVE, "main").rule == TESTNET_LOCK


def test_order_rate_budget_refuses_only_while_it_is_used_up() -> None:
    from terminal.core.safety.gate import ORDER_RATE_BUDGET, rate_budget_refusal

    rules = btc_usdt_rules()
    assert rate_budget_refusal(GateContext(market=rules, mode=VenueMode.PAPER)) is None
    room = GateContext(market=rules, mode=VenueMode.PAPER, order_rate=(10, 1.0, 0.0))
    assert rate_budget_refusal(room) is None
    full = GateContext(market=rules, mode=VenueMode.PAPER, order_rate=(10, 1.0, 0.42))
    refusal = rate_budget_refusal(full)
    assert refusal is not None and refusal.rule == ORDER_RATE_BUDGET and not refusal.overridable
    assert refusal.message == (
        "order-rate budget used up (10 orders per 1 s); the next order fits in 0.4 s"
    )
