"""Request policy rules with a hand-moved clock: budget, pause, breaker, backoff, retries."""

from __future__ import annotations

import random

import pytest

from terminal.core.errors import ErrorKind, VenueUnavailableError
from terminal.core.policy import (
    Backoff,
    BreakerState,
    CircuitBreaker,
    ManualClock,
    PolicyConfig,
    RateBudget,
    RequestPolicy,
    RestPause,
    config_for_venue,
)


def test_backoff_doubles_to_the_cap_with_jitter_below_the_step() -> None:
    b = Backoff(base=1.0, cap=30.0, rng=random.Random(3))
    steps = [1, 2, 4, 8, 16, 30, 30, 30]
    for step in steps:
        d = b.next_delay()
        assert step * 0.5 <= d <= step
    b.reset()
    assert b.next_delay() <= 1.0


def test_backoff_jitter_spreads_delays() -> None:
    delays = {round(Backoff(base=1.0, rng=random.Random(i)).next_delay(), 6) for i in range(20)}
    assert len(delays) > 10


def test_rate_budget_refuses_the_51st_order_in_10_seconds_and_frees_a_slot_later() -> None:
    clock = ManualClock()
    budget = RateBudget(50, 10.0, clock)
    for _ in range(50):
        assert budget.try_acquire()
        clock.advance(0.1)  # 50 orders over 5 s
    assert not budget.try_acquire()
    assert budget.use().used == 50 and budget.use().fraction == 1.0
    # the first order was at t=0: it leaves the window at t=10
    assert budget.retry_after() == pytest.approx(5.0)
    clock.advance(5.0)
    assert budget.try_acquire()
    assert not budget.try_acquire()


def test_rest_pause_holds_for_the_retry_after_and_never_shortens() -> None:
    clock = ManualClock()
    pause = RestPause(clock)
    pause.pause(10)
    pause.pause(2)  # a shorter later answer does not shorten the earlier ban
    assert pause.remaining() == pytest.approx(10)
    clock.advance(9.9)
    assert pause.active
    clock.advance(0.2)
    assert not pause.active and pause.remaining() == 0


def test_breaker_opens_after_five_failures_within_thirty_seconds() -> None:
    clock = ManualClock()
    br = CircuitBreaker(clock, threshold=5, window_s=30, cooldown_s=15)
    for _ in range(4):
        br.record_failure()
        clock.advance(7)  # 4 failures over 28 s
    assert br.state is BreakerState.CLOSED
    br.record_failure()  # 5th, the first is 28 s old
    assert br.state is BreakerState.OPEN
    assert br.open_count == 1


def test_breaker_failures_spread_beyond_the_window_do_not_open_it() -> None:
    clock = ManualClock()
    br = CircuitBreaker(clock, threshold=5, window_s=30, cooldown_s=15)
    for _ in range(10):
        br.record_failure()
        clock.advance(8)  # never 5 within 30 s
    assert br.state is BreakerState.CLOSED


def test_breaker_half_opens_after_cooldown_and_a_success_closes_it() -> None:
    clock = ManualClock()
    br = CircuitBreaker(clock, threshold=2, window_s=30, cooldown_s=15)
    br.record_failure()
    br.record_failure()
    assert br.state is BreakerState.OPEN
    br.record_success()  # a read that got through during the cool-down changes nothing
    assert br.state is BreakerState.OPEN
    assert br.retry_after() == pytest.approx(15)
    clock.advance(15)
    assert br.state is BreakerState.HALF_OPEN
    br.record_success()
    assert br.state is BreakerState.CLOSED
    br.record_failure()  # the count starts afresh
    assert br.state is BreakerState.CLOSED


def test_breaker_probe_failure_reopens_for_another_cooldown() -> None:
    clock = ManualClock()
    br = CircuitBreaker(clock, threshold=1, window_s=30, cooldown_s=10)
    br.record_failure()
    clock.advance(10)
    assert br.state is BreakerState.HALF_OPEN
    br.record_failure()
    assert br.state is BreakerState.OPEN
    clock.advance(9.9)
    assert br.state is BreakerState.OPEN
    clock.advance(0.1)
    assert br.state is BreakerState.HALF_OPEN


def test_policy_refuses_orders_while_open_but_lets_cancels_through() -> None:
    clock = ManualClock()
    p = RequestPolicy("paper", clock, PolicyConfig(breaker_threshold=5, breaker_cooldown_s=15))
    for _ in range(5):
        p.record_error(ErrorKind.TRANSIENT)
    with pytest.raises(VenueUnavailableError, match="circuit breaker"):
        p.check_order_allowed()
    p.check_cancel_allowed()  # getting out of the market stays possible
    clock.advance(15)
    assert p.needs_probe()
    p.check_order_allowed(consume=False)  # half-open: allowed after the probe
    p.record_success()
    assert p.breaker.state is BreakerState.CLOSED and not p.needs_probe()


def test_rejections_do_not_count_toward_the_breaker() -> None:
    p = RequestPolicy("paper", ManualClock(), PolicyConfig(breaker_threshold=2))
    for kind in (ErrorKind.REJECTED, ErrorKind.NOT_FOUND, ErrorKind.AUTHENTICATION) * 3:
        p.record_error(kind)
    assert p.breaker.state is BreakerState.CLOSED
    p.record_error(ErrorKind.UNKNOWN_OUTCOME)
    p.record_error(ErrorKind.TRANSIENT)
    assert p.breaker.state is BreakerState.OPEN


def test_rate_limited_pauses_rest_for_retry_after() -> None:
    clock = ManualClock()
    p = RequestPolicy("paper", clock, PolicyConfig(max_read_pause_wait_s=10))
    p.record_error(ErrorKind.RATE_LIMITED, retry_after=3)
    with pytest.raises(VenueUnavailableError, match="rate limit"):
        p.check_order_allowed()
    with pytest.raises(VenueUnavailableError):
        p.check_cancel_allowed()
    assert p.read_wait() == pytest.approx(3)  # reads wait it out
    p.record_error(ErrorKind.RATE_LIMITED, retry_after=60)
    with pytest.raises(VenueUnavailableError):
        p.read_wait()  # too long to wait: refuse
    clock.advance(60)
    p.check_order_allowed()
    assert p.breaker.state is BreakerState.CLOSED  # 429s are not breaker failures


def test_order_budget_refuses_locally_and_is_reported() -> None:
    clock = ManualClock()
    p = RequestPolicy("binance", clock)
    assert p.config.order_limit == 50 and p.config.order_window_s == 10
    for _ in range(50):
        p.check_order_allowed()
    with pytest.raises(VenueUnavailableError, match="order-rate budget"):
        p.check_order_allowed()
    assert p.orders.use().used == 50
    p.check_order_allowed(consume=False)  # the breaker/pause check alone still passes
    clock.advance(10)
    p.check_order_allowed()


def test_only_transient_reads_are_retried_and_only_up_to_the_limit() -> None:
    p = RequestPolicy("paper", ManualClock(), PolicyConfig(read_attempts=3))
    assert p.should_retry_read(ErrorKind.TRANSIENT, 1)
    assert p.should_retry_read(ErrorKind.TRANSIENT, 2)
    assert not p.should_retry_read(ErrorKind.TRANSIENT, 3)
    for kind in (
        ErrorKind.UNKNOWN_OUTCOME,
        ErrorKind.REJECTED,
        ErrorKind.RATE_LIMITED,
        ErrorKind.AUTHENTICATION,
        ErrorKind.NOT_FOUND,
    ):
        assert not p.should_retry_read(kind, 1)


def test_config_for_venue_knows_binance_and_defaults_conservatively() -> None:
    assert config_for_venue("binance").order_limit == 50
    unknown = config_for_venue("somewhere")
    assert unknown.order_limit <= 10
    assert config_for_venue("binance", order_limit=3).order_limit == 3
