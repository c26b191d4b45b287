"""The alert engine on a real MarketState: crossings in each direction, fire once or
repeat after the pause, % change within a window, nothing on a stale feed or old data,
evaluation on the state's updates (not on a timer), unrelated markets untouched."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.alerts.engine import AlertEngine
from terminal.core.alerts.model import (
    Alert,
    AlertKind,
    AlertMarket,
    AlertSpecError,
    AlertState,
    Direction,
    PriceSource,
)
from terminal.core.alerts.window import ChangeWindow
from terminal.core.marketstate import FeedKey, FeedStatus, MarketState
from terminal.domain.enums import VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.marketdata import Ticker

SYM = "BTC/USDT"
MARKET = AlertMarket(VenueId("paper"), VenueMode.PAPER, Symbol(SYM))
TICKER = FeedKey.ticker("paper", SYM)
BOOK = FeedKey.book("paper", SYM)


class Clock:
    def __init__(self) -> None:
        self.ms = 1_000_000

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def rig():  # type: ignore[no-untyped-def]
    state = MarketState()
    clock = Clock()
    engine = AlertEngine(state, clock, max_age_ms=10_000)
    engine.attach()
    fired: list = []
    engine.on_fired(lambda alert, firing: fired.append((alert, firing)))
    state.set_feed_status(TICKER, FeedStatus.LIVE)
    state.set_feed_status(BOOK, FeedStatus.LIVE)

    def tick(last: str, *, bid: str | None = None, mark: str | None = None, age_ms: int = 0):
        clock.ms += 1000
        state.update_ticker(
            TICKER,
            Ticker(
                Symbol(SYM),
                last=Decimal(last),
                bid=Decimal(bid) if bid else None,
                mark=Decimal(mark) if mark else None,
                timestamp_ms=clock.ms - age_ms,
            ),
        )

    return state, clock, engine, fired, tick


def cross(level: str, direction: Direction = Direction.UP, **kw) -> Alert:  # type: ignore[no-untyped-def]
    return Alert(
        "x",
        MARKET,
        AlertKind.CROSS,
        kw.pop("source", PriceSource.LAST),
        direction,
        level=Decimal(level),
        **kw,
    )


def test_a_crossing_fires_once_on_the_update_that_crosses(rig) -> None:  # type: ignore[no-untyped-def]
    _state, _clock, engine, fired, tick = rig
    engine.put(cross("100"))
    assert not engine.has_side("x")
    tick("99")
    assert engine.has_side("x")
    tick("99.9")
    assert fired == []
    tick("100")  # reaches the level from below: crossed
    assert len(fired) == 1
    alert, firing = fired[0]
    assert firing.price == Decimal(100) and firing.reference == Decimal(100)
    assert alert.state is AlertState.FIRED and alert.fired_count == 1
    tick("98")
    tick("101")  # crosses again: a one-shot alert stays fired
    assert len(fired) == 1
    assert engine.markets() == set()  # nothing left to watch


def test_a_level_already_passed_at_creation_needs_a_real_crossing(rig) -> None:  # type: ignore[no-untyped-def]
    _, _, engine, fired, tick = rig
    engine.put(cross("100"))
    tick("105")  # first fresh price: above already, no crossing seen
    tick("106")
    assert fired == []
    engine.put(cross("100", Direction.DOWN))
    tick("104")
    tick("100")
    assert len(fired) == 1


def test_repeat_fires_on_each_crossing_after_the_pause(rig) -> None:  # type: ignore[no-untyped-def]
    _, clock, engine, fired, tick = rig
    engine.put(cross("100", Direction.EITHER, repeat=True, cooldown_s=5))
    tick("99")
    tick("101")
    assert len(fired) == 1 and fired[0][0].state is AlertState.ACTIVE
    tick("99")  # crosses down 1 s later: within the pause, not fired
    assert len(fired) == 1
    clock.ms += 10_000
    tick("101")
    assert len(fired) == 2 and fired[1][0].fired_count == 2


def test_nothing_fires_on_a_stale_feed_or_old_data(rig) -> None:  # type: ignore[no-untyped-def]
    state, _, engine, fired, tick = rig
    engine.put(cross("100"))
    tick("99")
    state.set_feed_status(TICKER, FeedStatus.STALE)
    tick("101")  # crossed, but the feed is stale
    assert fired == [] and engine.skipped_stale == 1
    state.set_feed_status(TICKER, FeedStatus.LIVE)
    tick("99")
    tick("101", age_ms=60_000)  # live feed, but the data is a minute old
    assert fired == []
    tick("101")  # fresh: 99 -> 101 is the crossing
    assert len(fired) == 1


def test_bid_from_the_book_and_mark_from_the_ticker(rig) -> None:  # type: ignore[no-untyped-def]
    state, clock, engine, fired, tick = rig
    engine.put(cross("50", Direction.DOWN, source=PriceSource.BID))
    state.update_book(BOOK, [[51.0, 1.0]], [[52.0, 1.0]], 1, clock.ms)
    state.update_book(BOOK, [[49.5, 1.0]], [[52.0, 1.0]], 2, clock.ms)
    assert len(fired) == 1 and fired[0][1].price == Decimal("49.5")
    fired.clear()
    mark = Alert("m", MARKET, AlertKind.CROSS, PriceSource.MARK, Direction.UP, level=Decimal(10))
    engine.put(mark)
    tick("1", mark="9")
    tick("1")  # no mark in this ticker: not evaluated
    tick("1", mark="11")
    assert [f.alert_id for _, f in fired] == ["m"]


def test_percent_change_within_the_window(rig) -> None:  # type: ignore[no-untyped-def]
    _, _clock, engine, fired, tick = rig
    engine.put(
        Alert(
            "c",
            MARKET,
            AlertKind.CHANGE,
            PriceSource.LAST,
            Direction.UP,
            percent=Decimal(2),
            window_s=10,
        )
    )
    tick("100")
    tick("101")
    tick("101.9")
    assert fired == []
    tick("102")  # +2 % from the window's low of 100
    assert len(fired) == 1 and fired[0][1].reference == Decimal(100)
    # a slow rise spread over more than the window does not fire
    engine.put(
        Alert(
            "c",
            MARKET,
            AlertKind.CHANGE,
            PriceSource.LAST,
            Direction.UP,
            percent=Decimal(2),
            window_s=10,
        )
    )
    fired.clear()
    for i in range(30):
        tick(str(100 + i * Decimal("0.15")))  # +0.15 per second = 1.5 % per 10 s
    assert fired == []


def test_unwatched_markets_and_removed_alerts_do_nothing(rig) -> None:  # type: ignore[no-untyped-def]
    state, clock, engine, fired, tick = rig
    engine.put(cross("100"))
    other = FeedKey.ticker("paper", "ETH/USDT")
    state.set_feed_status(other, FeedStatus.LIVE)
    state.update_ticker(other, Ticker(Symbol("ETH/USDT"), last=Decimal(99), timestamp_ms=clock.ms))
    state.update_ticker(other, Ticker(Symbol("ETH/USDT"), last=Decimal(101), timestamp_ms=clock.ms))
    engine.remove("x")
    tick("99")
    tick("101")
    assert fired == []
    engine.detach()
    engine.put(cross("100"))
    tick("99")
    tick("101")
    assert fired == []  # detached: no longer evaluated


def test_bad_alerts_are_refused() -> None:
    with pytest.raises(AlertSpecError, match="positive price level"):
        cross("0").check()
    with pytest.raises(AlertSpecError, match="window"):
        Alert(
            "c", MARKET, AlertKind.CHANGE, PriceSource.LAST, Direction.UP, percent=Decimal(1)
        ).check()


def test_change_window_low_high_and_bounded_memory() -> None:
    w = ChangeWindow(1_000, bucket_ms=100)
    assert w.add(0, Decimal(5)) == (Decimal(5), Decimal(5))
    assert w.add(50, Decimal(3)) == (Decimal(3), Decimal(5))
    assert w.add(500, Decimal(4)) == (Decimal(3), Decimal(5))
    assert w.add(1_150, Decimal("4.5")) == (Decimal(4), Decimal("4.5"))  # bucket 0 left
    for t in range(2_000, 100_000, 7):
        w.add(t, Decimal(t))  # rising prices for a long time
    assert len(w) <= 1_000 // 100 * 2 + 3
