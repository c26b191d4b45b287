"""Testnet lock: on at start, per venue/account unlock by exact phrase, journaled."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from terminal.core.safety import (
    SafetyJournalWriter,
    TestnetLock,
    UnlockRefused,
    confirmation_phrase,
    effective_mode,
)
from terminal.domain.enums import VenueMode
from tests.core.test_safety_support import MemoryJournal


def test_lock_is_on_at_start_and_constructor_cannot_unlock():
    lock = TestnetLock()
    assert lock.locked
    assert lock.snapshot().label == "TESTNET"
    params = inspect.signature(TestnetLock).parameters
    assert list(params) == ["writer"]  # nothing that could start it unlocked


@pytest.mark.parametrize("mode", [VenueMode.PAPER, VenueMode.SANDBOX, "paper", "sandbox"])
def test_paper_and_sandbox_may_trade_while_locked(mode):
    assert TestnetLock().entry_block_reason("binance", mode, "main") is None


@pytest.mark.parametrize("mode", [VenueMode.LIVE, "live", None, "bogus"])
def test_live_or_unknown_mode_is_blocked_with_a_reason(mode):
    reason = TestnetLock().entry_block_reason("binance", mode, "main")
    assert reason is not None
    assert "Testnet lock is ON" in reason and "binance" in reason and "main" in reason
    assert "UNLOCK LIVE binance main" in reason


def test_confirmation_phrase_names_venue_and_account():
    assert confirmation_phrase("binance", "main") == "UNLOCK LIVE binance main"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "unlock live binance main",
        "UNLOCK LIVE binance",
        "UNLOCK LIVE okx main",
        "UNLOCK LIVE binance main2",
        "yes",
    ],
)
def test_wrong_phrase_is_refused(typed):
    lock = TestnetLock()
    with pytest.raises(UnlockRefused):
        lock.unlock("binance", "main", typed)
    assert lock.locked
    assert lock.entry_block_reason("binance", VenueMode.LIVE, "main")


def test_unlock_is_per_venue_and_account_and_lock_is_one_call():
    lock = TestnetLock()
    seen = []
    lock.subscribe(seen.append)
    lock.unlock("binance", "main", "  UNLOCK LIVE binance main ")
    assert not lock.locked and lock.snapshot().label == "LIVE"
    assert lock.entry_block_reason("binance", VenueMode.LIVE, "main") is None
    assert lock.entry_block_reason("binance", VenueMode.LIVE, "bot") is not None
    assert lock.entry_block_reason("okx", VenueMode.LIVE, "main") is not None
    lock.lock()
    assert lock.locked
    assert lock.entry_block_reason("binance", VenueMode.LIVE, "main") is not None
    assert [s.locked for s in seen] == [False, True]


def test_unlock_state_is_in_memory_only():
    TestnetLock().unlock("binance", "main", "UNLOCK LIVE binance main")
    assert TestnetLock().locked  # a new run (new lock) starts locked again


def test_effective_mode_takes_the_riskier():
    assert effective_mode(VenueMode.PAPER, VenueMode.LIVE) is VenueMode.LIVE
    assert effective_mode(VenueMode.SANDBOX, VenueMode.PAPER) is VenueMode.SANDBOX
    assert effective_mode() is VenueMode.LIVE
    assert effective_mode("nonsense") is VenueMode.LIVE


def test_lock_and_unlock_are_journaled_in_order():
    journal = MemoryJournal()

    async def main():
        writer = SafetyJournalWriter(journal)
        lock = TestnetLock(writer)
        with pytest.raises(UnlockRefused):
            lock.unlock("binance", "main", "nope")
        lock.unlock("binance", "main", "UNLOCK LIVE binance main")
        lock.lock()
        assert await writer.flush()

    asyncio.run(main())
    assert journal.kinds() == [
        "testnet_lock_unlock_refused",
        "testnet_lock_unlocked",
        "testnet_lock_locked",
    ]
    assert journal.safety[1][1]["venue"] == "binance"
    assert journal.safety[1][1]["account"] == "main"
    assert journal.safety[2][1]["previously_unlocked"] == ["binance/main"]


def test_events_recorded_without_a_loop_are_written_by_the_next_flush():
    journal = MemoryJournal()
    writer = SafetyJournalWriter(journal)
    lock = TestnetLock(writer)
    lock.unlock("binance", "main", "UNLOCK LIVE binance main")  # no loop running here
    assert writer.pending == 1 and journal.safety == []
    assert asyncio.run(writer.flush())
    assert journal.kinds() == ["testnet_lock_unlocked"]


def test_journal_failure_keeps_the_event_for_a_retry():
    journal = MemoryJournal()
    journal.fail_safety = 1
    writer = SafetyJournalWriter(journal)
    TestnetLock(writer).lock()

    async def main():
        assert not await writer.flush()
        assert writer.failures and "disk full" in writer.failures[0]
        assert await writer.flush()
        await writer.aclose()

    asyncio.run(main())
    assert journal.kinds() == ["testnet_lock_locked"]


def test_a_broken_listener_does_not_stop_the_others():
    lock = TestnetLock()
    seen = []

    def bad(_):
        raise RuntimeError("view bug")

    lock.subscribe(bad)
    unsubscribe = lock.subscribe(seen.append)
    lock.lock()
    unsubscribe()
    lock.lock()
    assert len(seen) == 1


@pytest.mark.parametrize("mode", [VenueMode.DEMO, "demo"])
def test_demo_trading_may_trade_while_locked_and_ranks_as_a_test_mode(mode):
    assert TestnetLock().entry_block_reason("okx", mode, "main") is None
    assert effective_mode(VenueMode.DEMO, VenueMode.LIVE) is VenueMode.LIVE
    assert effective_mode(VenueMode.PAPER, VenueMode.DEMO) is VenueMode.DEMO
