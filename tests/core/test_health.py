"""Venue health with a hand-moved clock: latency percentiles, rates, ages, derived state."""

from __future__ import annotations

import dataclasses

import pytest

from terminal.core.errors import ErrorKind
from terminal.core.health import HealthRegistry, VenueHealthTracker, VenueState, percentile
from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus
from terminal.core.policy import BreakerState, ManualClock, PolicyConfig, RequestPolicy
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import SessionKey

SESSION = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"))
BOOK = FeedKey.book("paper", "BTC/USDT")
TRADES = FeedKey.trades("paper", "BTC/USDT")


def tracker(clock: ManualClock, **kw) -> VenueHealthTracker:
    t = VenueHealthTracker(SESSION, clock, **kw)
    t.bind_policy(
        RequestPolicy("paper", clock, PolicyConfig(breaker_threshold=3, breaker_cooldown_s=10))
    )
    return t


def test_percentile_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_latency_p50_p95_and_bounded_samples() -> None:
    clock = ManualClock()
    t = tracker(clock, latency_samples=20)
    for ms in range(1, 101):  # only the last 20 (81..100) are kept
        t.record_latency(ms / 1000)
    snap = t.snapshot()
    assert len(snap.latency_samples_ms) == 20
    assert snap.latency_samples_ms[0] == pytest.approx(81)
    assert snap.latency_p50_ms == pytest.approx(90)
    assert snap.latency_p95_ms == pytest.approx(99)


def test_state_moves_connecting_live_degraded_down() -> None:
    clock = ManualClock()
    t = tracker(clock)
    assert t.snapshot().state is VenueState.CONNECTING
    t.set_connected()
    assert t.snapshot().state is VenueState.LIVE
    t.feed_status(BOOK, FeedStatus.LIVE)
    t.feed_message(BOOK)
    assert t.snapshot().state is VenueState.LIVE
    t.feed_status(BOOK, FeedStatus.STALE, "no message for 5 s")
    snap = t.snapshot()
    assert snap.state is VenueState.DEGRADED and "book/BTC/USDT stale" in snap.detail
    assert snap.last_error == "no message for 5 s"
    t.feed_status(BOOK, FeedStatus.LIVE)
    assert t.snapshot().state is VenueState.LIVE
    t.set_down("disconnected")
    snap = t.snapshot()
    assert snap.state is VenueState.DOWN and snap.detail == "disconnected"


def test_breaker_open_is_down_and_half_open_is_degraded() -> None:
    clock = ManualClock()
    t = tracker(clock)
    t.set_connected()
    policy = t._policy
    for _ in range(3):
        policy.record_error(ErrorKind.TRANSIENT)
        t.record_request(False, "ExchangeNotAvailable: 503")
    snap = t.snapshot()
    assert snap.state is VenueState.DOWN and snap.breaker is BreakerState.OPEN
    assert snap.breaker_retry_after_s == pytest.approx(10)
    assert snap.errors == 3 and snap.error_rate == 1.0
    clock.advance(10)
    snap = t.snapshot()
    assert snap.breaker is BreakerState.HALF_OPEN and snap.state is VenueState.DEGRADED
    policy.record_success()
    clock.advance(61)  # the failures leave the error window
    snap = t.snapshot()
    assert snap.state is VenueState.LIVE and snap.requests == 0 and snap.error_rate == 0


def test_rate_pause_and_budget_are_reported() -> None:
    clock = ManualClock()
    t = tracker(clock)
    t.set_connected()
    t._policy.record_error(ErrorKind.RATE_LIMITED, retry_after=4)
    t._policy.orders.try_acquire()
    snap = t.snapshot()
    assert snap.rest_paused_s == pytest.approx(4)
    assert snap.state is VenueState.DEGRADED and "rate-limited" in snap.detail
    assert snap.rate_budget.used == 1 and snap.rate_budget.limit == 50


def test_feed_message_rate_last_age_and_reconnects() -> None:
    clock = ManualClock(start=1000.0)
    t = tracker(clock)
    t.set_connected()
    t.feed_status(BOOK, FeedStatus.CONNECTING)
    for _ in range(50):  # 10 messages per second for 5 s
        t.feed_message(BOOK)
        clock.advance(0.1)
    f = t.snapshot().feed(BOOK)
    assert f.messages == 50
    assert f.message_rate == pytest.approx(10, rel=0.25)
    assert f.last_message_age_s == pytest.approx(0.1)
    clock.advance(20)  # silence: the rate decays to zero, the age grows
    f = t.snapshot().feed(BOOK)
    assert f.message_rate == 0 and f.last_message_age_s == pytest.approx(20.1)
    t.feed_reconnect(BOOK)
    t.feed_reconnect(BOOK)
    assert t.snapshot().reconnects == 2
    t.feed_removed(BOOK)  # reconnects of ended feeds still count for the venue
    snap = t.snapshot()
    assert snap.feed(BOOK) is None and snap.reconnects == 2


def test_connecting_feed_after_a_reconnect_degrades_the_venue() -> None:
    clock = ManualClock()
    t = tracker(clock)
    t.set_connected()
    t.feed_status(TRADES, FeedStatus.CONNECTING)
    assert t.snapshot().state is VenueState.LIVE  # first subscribe: not a problem yet
    t.feed_reconnect(TRADES)
    assert t.snapshot().state is VenueState.DEGRADED


def test_error_rate_needs_a_few_requests_before_degrading() -> None:
    clock = ManualClock()
    t = tracker(clock)
    t.set_connected()
    t.record_request(False, "RequestTimeout")
    assert t.snapshot().state is VenueState.LIVE  # one failure out of one is noise
    for _ in range(4):
        t.record_request(True)
    t.record_request(False, "RequestTimeout")
    snap = t.snapshot()
    assert snap.requests == 6 and snap.errors == 2
    assert snap.state is VenueState.DEGRADED and snap.last_error == "RequestTimeout"


def test_snapshots_are_immutable_and_registry_lists_sessions() -> None:
    clock = ManualClock()
    reg = HealthRegistry(clock)
    t = reg.tracker(SESSION)
    assert reg.tracker(SESSION) is t
    t.set_connected()
    t.set_clock_offset(-12.5)
    snap = reg.snapshot(SESSION)
    assert snap.clock_offset_ms == -12.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.state = VenueState.DOWN  # type: ignore[misc]
    other = SessionKey(VenueId("binance"), VenueMode.SANDBOX, AccountLabel("main"))
    reg.tracker(other)
    assert [s.session for s in reg.snapshots()] == [other, SESSION]
    adopted = VenueHealthTracker(SESSION, clock)
    reg.adopt(adopted)
    assert reg.get(SESSION) is adopted
    reg.remove(other)
    assert reg.snapshot(other) is None


def test_private_feed_key_shapes() -> None:
    key = FeedKey.private(SESSION, FeedKind.ORDERS)
    assert key.account == "default" and key.symbol is None
    with pytest.raises(ValueError):
        FeedKey.private(SESSION, FeedKind.BOOK)
