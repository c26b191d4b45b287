"""Stop targets: a stop on every session, one venue, one session or one symbol blocks
and cancels only inside its target, several can be engaged at once, and a restart
restores every one of them."""

from __future__ import annotations

import asyncio

import pytest

from terminal.core.safety import EmergencyStop, SafetyJournalWriter, StopScope
from terminal.core.safety.targets import EVERYTHING, BadStopTarget, StopTarget
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.session import MarketType, SessionKey
from tests.core.test_safety_support import MemoryJournal, MemoryVenue, journal_order

A = SessionKey(VenueId("fakex"), VenueMode.SANDBOX, AccountLabel("main"))
B = SessionKey(VenueId("fakex"), VenueMode.SANDBOX, AccountLabel("second"))
LIVE = SessionKey(VenueId("fakex"), VenueMode.LIVE, AccountLabel("main"))
OTHER = SessionKey(VenueId("othex"), VenueMode.SANDBOX, AccountLabel("main"))
BTC, ETH = Symbol("BTC/USDT"), Symbol("ETH/USDT")


def loaded_stop(journal=None) -> EmergencyStop:
    stop = EmergencyStop(SafetyJournalWriter(journal))
    asyncio.run(stop.load())
    return stop


def test_target_covers_what_it_names_and_nothing_else():
    assert all(EVERYTHING.covers(k) for k in (A, B, LIVE, OTHER))
    venue = StopTarget(venue=VenueId("fakex"))
    assert venue.covers(A) and venue.covers(B) and venue.covers(LIVE)
    assert not venue.covers(OTHER)
    one = StopTarget(session=A)
    assert one.covers(A) and not one.covers(B) and not one.covers(LIVE)
    # the market type is part of the session: the perpetual twin is another session
    assert not one.covers(SessionKey(A.venue, A.mode, A.account, MarketType.PERP))
    symbol = StopTarget(session=A, symbol=BTC)
    assert symbol.covers(A, BTC) and not symbol.covers(A, ETH) and not symbol.covers(B, BTC)
    assert symbol.covers(A)  # "may anything go on A?" is answered on the safe side
    assert StopTarget(symbol=BTC).covers(OTHER, BTC) and not StopTarget(symbol=BTC).covers(
        OTHER, ETH
    )
    assert venue.contains(one) and venue.contains(symbol) and not one.contains(venue)
    assert EVERYTHING.contains(venue) and not symbol.contains(one)
    with pytest.raises(BadStopTarget):
        StopTarget(venue=VenueId("othex"), session=A)


def test_target_round_trips_through_the_journal_and_a_damaged_one_widens():
    for target in (
        EVERYTHING,
        StopTarget(venue=VenueId("fakex")),
        StopTarget(session=A, symbol=BTC),
    ):
        assert StopTarget.from_details(target.to_details()) == target
    assert StopTarget.from_details({"session_venue": "fakex", "session_mode": "nope"}).is_all
    assert StopTarget.from_details("garbage").is_all


def test_a_session_stop_blocks_that_session_only():
    stop = loaded_stop()
    stop.engage(StopScope.ALL, "acct", "ui", StopTarget(session=A))
    assert "session fakex/sandbox/main" in stop.submissions_blocked(A, BTC)
    assert stop.submissions_blocked(B, BTC) is None
    assert stop.submissions_blocked(LIVE, BTC) is None
    assert stop.submissions_blocked(OTHER) is None
    # a caller that cannot say where its order goes is refused while any stop is engaged
    assert stop.submissions_blocked() is not None
    assert "fakex/sandbox/main" in stop.snapshot().label


def test_symbol_and_venue_stops_side_by_side_and_a_partial_reset():
    journal = MemoryJournal()
    stop = loaded_stop(journal)
    stop.engage(StopScope.ALL, "btc", "ui", StopTarget(symbol=BTC))
    stop.engage(StopScope.ALL, "othex", "ui", StopTarget(venue=VenueId("othex")))
    assert stop.submissions_blocked(A, BTC) and stop.submissions_blocked(OTHER, ETH)
    assert stop.submissions_blocked(A, ETH) is None
    # a narrower stop inside an engaged one adds nothing
    stop.engage(StopScope.ALL, "again", "ui", StopTarget(session=OTHER))
    assert len(stop.states) == 2

    stop.reset(confirmed=True, target=StopTarget(symbol=BTC))
    assert stop.submissions_blocked(A, BTC) is None and stop.submissions_blocked(OTHER, ETH)

    async def restart():
        await stop._writer.flush()
        again = EmergencyStop(SafetyJournalWriter(journal))
        await again.load()
        return again

    again = asyncio.run(restart())
    assert [s.target for s in again.states] == [StopTarget(venue=VenueId("othex"))]
    assert again.submissions_blocked(A, BTC) is None and again.submissions_blocked(OTHER, BTC)
    again.reset(confirmed=True)
    assert not again.engaged


def test_sweep_of_a_session_stop_cancels_only_that_sessions_orders():
    journal = MemoryJournal()
    a, b = MemoryVenue(), MemoryVenue(account=AccountLabel("second"))
    a.add("BTC/USDT", "a1")
    a.add("ETH/USDT", "a2")
    b.add("BTC/USDT", "b1")
    journal.orders["a1"] = journal_order("a1")
    journal.orders["b1"] = journal_order("b1", account="second")
    stop = loaded_stop(journal)

    result = asyncio.run(stop.engage_and_sweep([a, b], target=StopTarget(session=A)))
    assert [(v.account, sorted(v.cancelled)) for v in result.venues] == [("main", ["a1", "a2"])]
    assert set(b.resting) == {"b1"} and not a.resting and result.ok
    assert not any(name == "fetch_open_orders" for name, _ in b.calls)


def test_sweep_of_a_symbol_stop_leaves_other_symbols_open():
    journal = MemoryJournal()
    a, b = MemoryVenue(), MemoryVenue(account=AccountLabel("second"))
    a.add("BTC/USDT", "a1")
    a.add("ETH/USDT", "a2")
    b.add("BTC/USDT", "b1")
    b.add("ETH/USDT", "b2")
    stop = loaded_stop(journal)
    result = asyncio.run(stop.engage_and_sweep([a, b], target=StopTarget(symbol=BTC)))
    assert sorted(c for v in result.venues for c in v.cancelled) == ["a1", "b1"]
    assert set(a.resting) == {"a2"} and set(b.resting) == {"b2"}
    assert all(v.remaining_open == 0 for v in result.venues) and result.ok
    assert result.journal_details()["targets"] == [{"symbol": "BTC/USDT"}]
    assert "BTC/USDT on every session" in result.targets[0].label


def test_a_session_label_reads_back_as_its_key() -> None:
    from terminal.domain.enums import VenueMode
    from terminal.domain.ids import AccountLabel, VenueId
    from terminal.domain.session import MarketType, SessionKey

    for key in (
        SessionKey(VenueId("paper"), VenueMode.PAPER),
        SessionKey(VenueId("binance"), VenueMode.LIVE, AccountLabel("main")),
        SessionKey(VenueId("bybit"), VenueMode.DEMO, AccountLabel("a"), MarketType.PERP),
    ):
        assert SessionKey.from_label(key.label) == key
    for bad in ("paper", "paper/paper", "paper/nomode/x", "paper/paper/x/spot", "a/b/c/d/e", ""):
        with pytest.raises(ValueError):
            SessionKey.from_label(bad)


def test_targets_a_command_names() -> None:
    from terminal.core.safety.targets import BadStopTarget, StopTarget, targets_named
    from terminal.domain.enums import VenueMode
    from terminal.domain.ids import AccountLabel, Symbol, VenueId
    from terminal.domain.session import SessionKey

    alice = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice"))
    assert targets_named([], None, None) == [StopTarget()]
    assert targets_named([], "", "eth/usdt") == [StopTarget(symbol=Symbol("ETH/USDT"))]
    assert targets_named(["paper", "binance", "paper"], None, None) == [
        StopTarget(venue=VenueId("paper")),
        StopTarget(venue=VenueId("binance")),
    ]
    assert targets_named([], alice.label, "BTC/USDT", [alice]) == [
        StopTarget(session=alice, symbol=Symbol("BTC/USDT"))
    ]
    for venues, session, symbol, says in (
        ([], "paper/paper/bob", None, "running terminal has connected paper/paper/alice"),
        ([], "bob", None, "unknown session 'bob'"),
        (["paper"], alice.label, None, "not both"),
        (["Not A Venue"], None, None, "is not a venue name"),
        ([], None, "BTCUSDT", "is not a symbol"),
    ):
        with pytest.raises(BadStopTarget, match=says) as caught:
            targets_named(venues, session, symbol, [alice])
        assert "\n" not in str(caught.value)
