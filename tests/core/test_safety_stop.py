"""Emergency stop: synchronous block, persistence, reset confirmation, and the sweep."""

from __future__ import annotations

import asyncio

import pytest

from terminal.core.errors import (
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TransientError,
)
from terminal.core.safety import (
    RESET_PHRASE,
    EmergencyStop,
    ResetRefused,
    SafetyJournalWriter,
    StopScope,
    StopSweeper,
)
from terminal.domain.enums import VenueMode
from terminal.domain.order import OrderStatus
from tests.core.test_safety_support import MemoryJournal, MemoryVenue, journal_order


def loaded_stop(journal=None) -> EmergencyStop:
    stop = EmergencyStop(SafetyJournalWriter(journal))
    asyncio.run(stop.load())
    return stop


def test_unloaded_stop_blocks_fail_closed():
    stop = EmergencyStop()
    assert "not loaded" in stop.submissions_blocked()
    assert stop.snapshot().label == "LOADING"
    asyncio.run(stop.load())
    assert stop.submissions_blocked() is None
    assert stop.snapshot().label == "OFF"


def test_engage_blocks_synchronously_before_any_await():
    stop = loaded_stop()
    state = stop.engage(StopScope.ALL, "test")
    # no await happened between engage() and this line
    reason = stop.submissions_blocked()
    assert reason and "ENGAGED" in reason and "test" in reason
    assert state.scope is StopScope.ALL and stop.snapshot().label == "ENGAGED"


def test_engage_inside_engage_and_sweep_blocks_before_first_await():
    stop = loaded_stop()

    async def main():
        coro = stop.engage_and_sweep([], StopScope.ALL)
        # stepping the coroutine once runs engage() before anything is awaited
        task = asyncio.ensure_future(coro)
        await asyncio.sleep(0)
        assert stop.submissions_blocked() is not None
        return await task

    result = asyncio.run(main())
    assert result.venues == [] and result.lines() == ["no connected venue to sweep"]


def test_engaged_stop_survives_a_restart_until_reset():
    journal = MemoryJournal()

    async def first_run():
        stop = EmergencyStop(SafetyJournalWriter(journal))
        await stop.load()
        stop.engage(StopScope.TERMINAL, "fat finger")
        await stop._writer.aclose()

    asyncio.run(first_run())
    restarted = loaded_stop(journal)
    assert restarted.engaged
    assert restarted.state.scope is StopScope.TERMINAL
    assert restarted.state.reason == "fat finger" and restarted.state.source == "journal"
    assert restarted.submissions_blocked()

    async def reset():
        restarted.reset(RESET_PHRASE)
        await restarted._writer.aclose()

    asyncio.run(reset())
    assert not loaded_stop(journal).engaged
    assert journal.kinds() == ["emergency_stop_engaged", "emergency_stop_reset"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"typed_phrase": "reset"},
        {"typed_phrase": "yes"},
        {"confirmed": "yes"},
        {"confirmed": 1},
    ],
)
def test_reset_needs_explicit_confirmation(kwargs):
    stop = loaded_stop()
    stop.engage()
    with pytest.raises(ResetRefused):
        stop.reset(**kwargs)
    assert stop.engaged


def test_reset_with_confirm_flag():
    stop = loaded_stop()
    stop.engage()
    stop.reset(confirmed=True)
    assert not stop.engaged and stop.submissions_blocked() is None


def test_engaging_again_widens_scope_but_keeps_the_first_time():
    stop = loaded_stop()
    first = stop.engage(StopScope.TERMINAL)
    again = stop.engage(StopScope.ALL)
    assert again.scope is StopScope.ALL and again.engaged_at == first.engaged_at
    assert stop.engage(StopScope.TERMINAL).scope is StopScope.ALL


def test_journal_read_failure_leaves_the_stop_blocking():
    class Broken(MemoryJournal):
        async def latest_safety_event(self, kinds):
            raise OSError("locked")

    stop = EmergencyStop(SafetyJournalWriter(Broken()))
    with pytest.raises(OSError):
        asyncio.run(stop.load())
    assert stop.submissions_blocked()


# ---- the sweep -------------------------------------------------------------------------
def sweeper(journal, **kw):
    kw.setdefault("settle_timeout", 0.3)
    kw.setdefault("backoff", (0.01,))
    return StopSweeper(journal, **kw)


def test_sweep_all_uses_cancel_all_per_symbol_from_venue_and_journal():
    journal = MemoryJournal()
    venue = MemoryVenue()
    venue.add("BTC/USDT", "a1")
    venue.add("ETH/USDT", "a2")
    venue.add("ETH/USDT", "a3")
    venue.add("SOL/USDT", "hidden1")
    venue.hidden.add("hidden1")  # the venue does not list it, the journal knows it
    journal.orders["hidden1"] = journal_order("hidden1", "SOL/USDT")
    result = asyncio.run(sweeper(journal).sweep([venue], StopScope.ALL))
    v = result.venues[0]
    assert v.cancelled_count == 4 and v.remaining_open == 0 and v.ok and result.ok
    assert not venue.resting
    symbols = [a for n, a in venue.calls if n == "cancel_all_orders"]
    assert {"BTC/USDT", "ETH/USDT", "SOL/USDT"} <= set(symbols)
    assert not [c for c in venue.calls if c[0] == "cancel_order"]
    # the journal learned that its order is cancelled
    assert journal.orders["hidden1"].status is OrderStatus.CANCELED


def test_sweep_without_cancel_all_cancels_each_order():
    venue = MemoryVenue(cancel_all_supported=False)
    for i in range(5):
        venue.add("BTC/USDT" if i % 2 else "ETH/USDT", f"o{i}")
    result = asyncio.run(sweeper(None).sweep([venue], StopScope.ALL))
    assert result.venues[0].cancelled_count == 5 and result.ok
    assert not [c for c in venue.calls if c[0] == "cancel_all_orders"]


def test_sweep_terminal_scope_never_touches_foreign_orders():
    journal = MemoryJournal()
    venue = MemoryVenue()
    venue.add("BTC/USDT", "mine1")
    venue.add("BTC/USDT", "foreign1")
    venue.add("BTC/USDT", "adopted1")
    journal.orders["mine1"] = journal_order("mine1")
    journal.orders["adopted1"] = journal_order("adopted1", external=True)
    result = asyncio.run(sweeper(journal).sweep([venue], StopScope.TERMINAL))
    v = result.venues[0]
    assert v.cancelled == ["mine1"] and v.ok
    assert set(venue.resting) == {"foreign1", "adopted1"}
    assert not [c for c in venue.calls if c[0] == "cancel_all_orders"]


def test_sweep_retries_transient_errors_and_reports_per_venue():
    ok_venue = MemoryVenue(venue="fakea")
    ok_venue.add("BTC/USDT", "x1")
    ok_venue.fail["fetch_open_orders"] = [TransientError("timeout")]
    ok_venue.fail["cancel_all_orders"] = [
        RateLimitedError("429", retry_after=0.01),
        OutcomeUnknownError("502"),
    ]
    bad_venue = MemoryVenue(venue="fakeb")
    bad_venue.add("BTC/USDT", "y1")
    bad_venue.fail["cancel_all_orders"] = [OrderRejectedError("forbidden")] * 3
    bad_venue.fail["cancel_order"] = [OrderRejectedError("forbidden")] * 3
    result = asyncio.run(sweeper(None).sweep([ok_venue, bad_venue], StopScope.ALL))
    a, b = result.venues
    assert a.venue == "fakea" and a.ok and a.cancelled == ["x1"]
    assert b.venue == "fakeb" and not b.ok and not result.ok
    assert any("forbidden" in f for f in b.failures)
    assert any("still open" in f for f in b.failures) and b.remaining_open == 1
    assert "INCOMPLETE" in b.line()


def test_cancel_outcome_unknown_after_retries_is_listed():
    journal = MemoryJournal()
    journal.orders["u1"] = journal_order("u1")
    venue = MemoryVenue(cancel_all_supported=False)
    venue.add("BTC/USDT", "u1")
    venue.fail["cancel_order"] = [OutcomeUnknownError("timeout")] * 20
    venue.fail["fetch_open_orders"] = [TransientError("down")] * 20
    result = asyncio.run(sweeper(journal, attempts=2).sweep([venue], StopScope.ALL))
    v = result.venues[0]
    assert v.remaining_open is None and not v.ok
    assert [u for u in v.unknown if u.startswith("u1 (BTC/USDT): cancel outcome unknown")]
    assert any("list open orders" in f for f in v.failures)
    assert v.cancelled == []


def test_not_found_on_cancel_counts_as_already_closed():
    journal = MemoryJournal()
    journal.orders["gone1"] = journal_order("gone1")
    venue = MemoryVenue(cancel_all_supported=False)
    result = asyncio.run(sweeper(journal).sweep([venue], StopScope.ALL))
    v = result.venues[0]
    assert v.already_closed == ["gone1"] and v.ok


def test_cancel_all_on_a_symbol_with_nothing_open_is_not_a_failure():
    # The journal still thinks "filled1" is open (its fill event is on its way); the venue
    # has nothing open on ETH/USDT and answers cancel-all with Binance's -2011.
    journal = MemoryJournal()
    journal.orders["filled1"] = journal_order("filled1", "ETH/USDT")
    venue = MemoryVenue(cancel_all_empty_not_found=True)
    venue.add("BTC/USDT", "b1")
    result = asyncio.run(sweeper(journal).sweep([venue], StopScope.ALL))
    v = result.venues[0]
    assert v.ok and result.ok, v.line()
    assert v.cancelled == ["b1"] and v.already_closed == ["filled1"] and not v.failures
    assert ("cancel_all_orders", "ETH/USDT") in venue.calls


def test_in_flight_order_is_swept_after_it_settles():
    journal = MemoryJournal()
    venue = MemoryVenue()
    journal.orders["fly1"] = journal_order("fly1", status=OrderStatus.PENDING_SUBMIT)

    async def main():
        async def acknowledge_later():
            await asyncio.sleep(0.1)
            venue.add("BTC/USDT", "fly1")  # the venue acknowledges after the first pass
            o = journal.orders["fly1"]
            o.status = OrderStatus.OPEN

        ack = asyncio.create_task(acknowledge_later())
        res = await sweeper(journal, settle_timeout=2.0).sweep([venue], StopScope.ALL)
        await ack
        return res

    result = asyncio.run(main())
    assert not venue.resting and result.venues[0].cancelled == ["fly1"] and result.ok


def test_order_still_unanswered_after_settle_timeout_is_reported_unknown():
    journal = MemoryJournal()
    journal.orders["fly2"] = journal_order("fly2", status=OrderStatus.PENDING_SUBMIT)
    venue = MemoryVenue(cancel_all_supported=False)
    result = asyncio.run(sweeper(journal, settle_timeout=0.2).sweep([venue], StopScope.ALL))
    v = result.venues[0]
    # per-order cancel answered "not found": it is not at the venue (yet) -> unknown
    assert any("fly2" in u and "unanswered" in u for u in v.unknown)


def test_sweep_only_touches_orders_of_the_sessions_account_and_mode():
    journal = MemoryJournal()
    journal.orders["other_acct"] = journal_order("other_acct", account="bot")
    journal.orders["other_mode"] = journal_order("other_mode", mode=VenueMode.LIVE)
    venue = MemoryVenue(cancel_all_supported=False)
    result = asyncio.run(sweeper(journal).sweep([venue], StopScope.ALL))
    assert result.venues[0].already_closed == [] and result.ok
    assert {c[0] for c in venue.calls} == {"fetch_open_orders"}


def test_stop_sweep_is_journaled_with_results():
    journal = MemoryJournal()
    venue = MemoryVenue()
    venue.add("BTC/USDT", "j1")

    async def main():
        stop = EmergencyStop(SafetyJournalWriter(journal))
        await stop.load()
        return await stop.engage_and_sweep([venue], "all", "drill", settle_timeout=0.1)

    result = asyncio.run(main())
    assert result.ok
    assert journal.kinds() == ["emergency_stop_engaged", "emergency_stop_sweep"]
    sweep = journal.safety[1][1]
    assert sweep["venues"][0]["cancelled"] == 1 and sweep["ok"] is True


def test_sweep_requires_an_engaged_stop():
    stop = loaded_stop()
    with pytest.raises(RuntimeError):
        asyncio.run(stop.sweep([]))


def test_a_venue_that_hangs_is_reported_without_holding_up_the_others():
    class Hanging(MemoryVenue):
        async def cancel_all_orders(self, symbol):
            await asyncio.sleep(30)
            return []

    slow = Hanging(venue="slowx")
    slow.add("BTC/USDT", "h1")
    fast = MemoryVenue(venue="fastx")
    fast.add("BTC/USDT", "f1")

    async def main():
        loop = asyncio.get_running_loop()
        started = loop.time()
        res = await sweeper(None, venue_timeout=0.5).sweep([slow, fast], StopScope.ALL)
        return res, loop.time() - started

    result, took = asyncio.run(main())
    s, f = result.venues
    assert took < 5 and f.ok and f.cancelled == ["f1"]
    assert not s.ok and s.remaining_open is None
    assert any("did not finish within 0.5s" in x for x in s.failures)


def test_a_reset_during_the_sweep_ends_it_and_spares_orders_placed_after():
    """The sweep waits for an order in flight; the stop is reset meanwhile and the user
    places a new order: the sweep of the lifted stop must not cancel it."""
    journal = MemoryJournal()
    venue = MemoryVenue()
    venue.add("BTC/USDT", "old1")
    journal.orders["fly3"] = journal_order("fly3", status=OrderStatus.PENDING_SUBMIT)

    async def main():
        stop = EmergencyStop(SafetyJournalWriter(journal))
        await stop.load()
        stop.engage("all", "drill", "test")
        sweep = asyncio.create_task(stop.sweep([venue], settle_timeout=5.0))
        await asyncio.sleep(0.3)  # the first pass is done, the sweep waits for fly3
        assert "old1" not in venue.resting
        stop.reset(confirmed=True)
        venue.add("BTC/USDT", "after-reset")
        return await asyncio.wait_for(sweep, 3.0)

    result = asyncio.run(main())
    v = result.venues[0]
    assert "after-reset" in venue.resting
    assert v.cancelled == ["old1"] and v.lifted and result.ok
    assert "ended early: the stop was reset" in v.line()
