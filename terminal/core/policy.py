"""Request policy per venue session: order-rate budget, REST pause, circuit breaker, backoff.

Pure and clock-driven (no I/O, no sleeping) so every rule is unit-tested with a fake
clock. The exchange session asks the policy before each call and reports each outcome;
ccxt's own rate limiter stays on underneath (it spaces requests, this refuses them).

Why each rule exists:
* the order-rate budget refuses locally before the venue would (a venue reject for
  too many orders can escalate to a ban; Binance: 50 orders per 10 s);
* a 429/418 with Retry-After pauses the venue's REST calls for that long, because
  ccxt does not honour Retry-After by itself and Binance escalates repeat offenders;
* the circuit breaker stops order submission to a venue that keeps failing (5 failures
  in 30 s), so the user does not pile up orders of unknown outcome, and lets a probe
  through after a cool-down;
* retries with backoff are for idempotent reads only; an order is never resent.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from terminal.core.errors import ErrorKind, VenueUnavailableError

if TYPE_CHECKING:
    from terminal.core.ports import Clock


class SystemClock:
    """The real clock (the Clock port of terminal.core.ports)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self._t = start
        self._wall0 = wall or datetime(2026, 1, 1, tzinfo=UTC)
        self._t0 = start

    def now(self) -> datetime:
        return self._wall0 + timedelta(seconds=self._t - self._t0)

    def monotonic(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self._t += seconds


# ---- backoff ---------------------------------------------------------------------------
@dataclass
class Backoff:
    """Exponential backoff with jitter: base, 2*base, 4*base ... capped at `cap`.

    Jitter spreads reconnects of many feeds (and many users) so they do not hit a
    recovering venue in lock step; the delay is drawn from [0.5, 1.0] of the step.
    """

    base: float = 1.0
    cap: float = 30.0
    jitter: float = 0.5  # fraction of the step that may be taken off
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        step = min(self.cap, self.base * (2.0 ** min(self.attempt, 30)))
        self.attempt += 1
        return step * (1.0 - self.jitter * self.rng.random())

    def reset(self) -> None:
        self.attempt = 0


# ---- order-rate budget -------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetUse:
    used: int
    limit: int
    window_s: float

    @property
    def fraction(self) -> float:
        return self.used / self.limit if self.limit else 0.0


class RateBudget:
    """At most `limit` events per sliding `window_s` seconds."""

    def __init__(self, limit: int, window_s: float, clock: Clock) -> None:
        if limit <= 0 or window_s <= 0:
            raise ValueError("rate budget needs a positive limit and window")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._stamps: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.window_s:
            self._stamps.popleft()

    def retry_after(self) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        now = self._clock.monotonic()
        self._trim(now)
        if len(self._stamps) < self.limit:
            return 0.0
        return max(0.0, self._stamps[0] + self.window_s - now)

    def try_acquire(self) -> bool:
        now = self._clock.monotonic()
        self._trim(now)
        if len(self._stamps) >= self.limit:
            return False
        self._stamps.append(now)
        return True

    def use(self) -> BudgetUse:
        self._trim(self._clock.monotonic())
        return BudgetUse(len(self._stamps), self.limit, self.window_s)


# ---- REST pause (429/418 Retry-After) -------------------------------------------------------
class RestPause:
    """Holds a venue's REST calls until the moment its Retry-After names."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until = 0.0
        self.count = 0

    def pause(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self._until = max(self._until, self._clock.monotonic() + seconds)
        self.count += 1

    def remaining(self) -> float:
        return max(0.0, self._until - self._clock.monotonic())

    @property
    def active(self) -> bool:
        return self.remaining() > 0.0


# ---- circuit breaker ----------------------------------------------------------------------
class BreakerState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """CLOSED -> OPEN after `threshold` failures within `window_s`; after `cooldown_s` it
    is HALF_OPEN: the next outcome decides (success closes, failure reopens).

    The state is computed from the clock when asked, so no timer is needed.
    """

    def __init__(
        self, clock: Clock, threshold: int = 5, window_s: float = 30.0, cooldown_s: float = 15.0
    ) -> None:
        self._clock = clock
        self.threshold = threshold
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self._failures: deque[float] = deque()
        self._opened_at: float | None = None
        self.open_count = 0

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.monotonic() - self._opened_at >= self.cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def retry_after(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown_s - self._clock.monotonic())

    def record_success(self) -> None:
        """A request went through. While OPEN (cool-down running) it changes nothing."""
        state = self.state
        if state is BreakerState.HALF_OPEN:
            self._opened_at = None
            self._failures.clear()
        elif state is BreakerState.CLOSED:
            pass

    def record_failure(self) -> None:
        now = self._clock.monotonic()
        state = self.state
        if state is BreakerState.HALF_OPEN:
            self._open(now)
            return
        if state is BreakerState.OPEN:
            return
        self._failures.append(now)
        while self._failures and self._failures[0] <= now - self.window_s:
            self._failures.popleft()
        if len(self._failures) >= self.threshold:
            self._open(now)

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._failures.clear()
        self.open_count += 1

    @property
    def recent_failures(self) -> int:
        now = self._clock.monotonic()
        return sum(1 for t in self._failures if t > now - self.window_s)


# ---- the policy of one venue session ------------------------------------------------------
@dataclass(frozen=True)
class PolicyConfig:
    order_limit: int = 50
    order_window_s: float = 10.0
    breaker_threshold: int = 5
    breaker_window_s: float = 30.0
    breaker_cooldown_s: float = 15.0
    read_attempts: int = 3  # total tries of an idempotent read
    read_backoff_base_s: float = 0.25
    read_backoff_cap_s: float = 4.0
    max_read_pause_wait_s: float = 10.0  # a read waits out a REST pause up to this long


# Order-rate limits by venue id, as documented by each venue for spot order placement.
# Unknown venues get the conservative default.
ORDER_RATE_LIMITS: dict[str, tuple[int, float]] = {
    "binance": (50, 10.0),
    "paper": (50, 10.0),
    "bybit": (20, 1.0),
    "okx": (60, 2.0),
    "kraken": (15, 1.0),
    "coinbase": (30, 1.0),
    "kucoin": (45, 3.0),
    "bitget": (10, 1.0),
    "gate": (10, 1.0),
    "mexc": (20, 1.0),
    "htx": (50, 2.0),
}


def config_for_venue(venue: str, **overrides: Any) -> PolicyConfig:
    limit, window = ORDER_RATE_LIMITS.get(venue, (10, 1.0))
    base = PolicyConfig(order_limit=limit, order_window_s=window)
    return PolicyConfig(**{**base.__dict__, **overrides})


# Kinds of error that say "the venue is unhealthy" (they count toward the breaker).
BREAKER_KINDS = frozenset({ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME})


class RequestPolicy:
    """All request rules of one venue session, asked before and told after each call."""

    def __init__(
        self,
        venue: str,
        clock: Clock,
        config: PolicyConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.venue = venue
        self.clock = clock
        self.config = config or config_for_venue(venue)
        c = self.config
        self.orders = RateBudget(c.order_limit, c.order_window_s, clock)
        self.pause = RestPause(clock)
        self.breaker = CircuitBreaker(
            clock, c.breaker_threshold, c.breaker_window_s, c.breaker_cooldown_s
        )
        self._rng = rng or random.Random()

    # -- orders ------------------------------------------------------------------------
    def check_order_allowed(self, *, consume: bool = True) -> None:
        """Raise VenueUnavailableError when an order (create/edit) must not be sent now.

        In HALF_OPEN the caller must run a probe read first (see `needs_probe`).
        `consume` takes one slot of the order-rate budget.
        """
        state = self.breaker.state
        if state is BreakerState.OPEN:
            raise VenueUnavailableError(
                f"{self.venue}: circuit breaker open after repeated failures; orders "
                f"paused for {self.breaker.retry_after():.1f} s",
                venue=self.venue,
            )
        self.check_rest_allowed()
        if consume and not self.orders.try_acquire():
            wait = self.orders.retry_after()
            raise VenueUnavailableError(
                f"{self.venue}: order-rate budget used up ({self.orders.limit} per "
                f"{self.orders.window_s:g} s); try again in {wait:.1f} s",
                venue=self.venue,
            )

    def check_cancel_allowed(self) -> None:
        """Cancels are not limited by the order budget or the breaker (getting out of
        the market must stay possible), only by a venue-imposed REST pause."""
        self.check_rest_allowed()

    def check_rest_allowed(self) -> None:
        remaining = self.pause.remaining()
        if remaining > 0:
            raise VenueUnavailableError(
                f"{self.venue}: paused by the venue's rate limit for {remaining:.1f} s more",
                venue=self.venue,
            )

    def needs_probe(self) -> bool:
        return self.breaker.state is BreakerState.HALF_OPEN

    # -- reads ---------------------------------------------------------------------------
    def read_wait(self) -> float:
        """Seconds a read must wait before it may go (REST pause); raises if too long."""
        remaining = self.pause.remaining()
        if remaining > self.config.max_read_pause_wait_s:
            raise VenueUnavailableError(
                f"{self.venue}: paused by the venue's rate limit for {remaining:.1f} s more",
                venue=self.venue,
            )
        return remaining

    def read_backoff(self) -> Backoff:
        c = self.config
        return Backoff(base=c.read_backoff_base_s, cap=c.read_backoff_cap_s, rng=self._rng)

    def should_retry_read(self, kind: ErrorKind, attempt: int) -> bool:
        """`attempt` counts from 1. Only transient failures of idempotent reads retry."""
        return kind is ErrorKind.TRANSIENT and attempt < self.config.read_attempts

    # -- outcomes --------------------------------------------------------------------------
    def record_success(self) -> None:
        self.breaker.record_success()

    def record_error(self, kind: ErrorKind, retry_after: float | None = None) -> None:
        if kind is ErrorKind.RATE_LIMITED:
            self.pause.pause(retry_after if retry_after is not None else 1.0)
        elif kind in BREAKER_KINDS:
            self.breaker.record_failure()
