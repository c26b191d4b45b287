"""Health of each connected venue session: what the health panel shows and tests query.

Trackers are written by the exchange layer (REST latency, errors, feed messages,
reconnects, clock offset) and read as immutable snapshots. The venue state is derived
when a snapshot is taken, from the clock, so a feed that goes silent turns the venue
DEGRADED without anyone having to notice first. Pure: no I/O, clock injected.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from terminal.core.marketstate import FeedKey, FeedStatus
from terminal.core.policy import BreakerState, BudgetUse
from terminal.domain.session import SessionKey

if TYPE_CHECKING:
    from terminal.core.policy import RequestPolicy
    from terminal.core.ports import Clock


class VenueState(str, Enum):
    CONNECTING = "connecting"  # loading markets / first connect
    LIVE = "live"  # REST answering, every feed live
    DEGRADED = "degraded"  # up, but a feed is stale or down, breaker probing, rate-paused, errors
    DOWN = "down"  # not connected, connect failed, or the breaker is open


@dataclass(frozen=True)
class FeedHealth:
    key: FeedKey
    status: FeedStatus
    message_rate: float  # messages per second over the rate window
    last_message_age_s: float | None  # None: no message yet
    messages: int
    reconnects: int
    last_error: str


@dataclass(frozen=True)
class VenueHealth:
    """One immutable snapshot of one venue session's health."""

    session: SessionKey
    state: VenueState
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_samples_ms: tuple[float, ...]  # recent REST latencies, oldest first (sparkline)
    feeds: tuple[FeedHealth, ...]
    reconnects: int  # sum over feeds, including ended ones
    requests: int  # REST requests in the error window
    errors: int  # failed REST requests in the error window
    error_rate: float  # errors / requests in the error window (0 when idle)
    breaker: BreakerState
    breaker_retry_after_s: float
    rate_budget: BudgetUse | None
    rest_paused_s: float  # seconds left of a venue-imposed pause (429/418)
    clock_offset_ms: float | None  # venue time minus local time
    last_error: str
    detail: str  # why the state is what it is, in words
    entry_blocked: str | None = None  # why the order service takes no orders here now
    bad_data: int = 0  # venue frames refused: unparsable, wrong types, NaN, crossed book
    last_bad_data: str = ""
    dead_man: str | None = None  # the armed cancel-all-after heartbeat, in words

    def feed(self, key: FeedKey) -> FeedHealth | None:
        for f in self.feeds:
            if f.key == key:
                return f
        return None


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-q * len(sorted_values) // 100)))  # ceil(q/100 * n)
    return sorted_values[min(rank, len(sorted_values)) - 1]


class _FeedTracker:
    __slots__ = (
        "buckets",
        "first_ts",
        "key",
        "last_error",
        "last_ts",
        "messages",
        "reconnects",
        "status",
    )

    def __init__(self, key: FeedKey) -> None:
        self.key = key
        self.status = FeedStatus.CONNECTING
        self.messages = 0
        self.reconnects = 0
        self.last_ts: float | None = None
        self.first_ts: float | None = None
        self.buckets: deque[list[int]] = deque()  # [whole second, count]
        self.last_error = ""


class VenueHealthTracker:
    """Mutable health record of one session, written by the exchange layer."""

    def __init__(
        self,
        session: SessionKey,
        clock: Clock,
        *,
        latency_samples: int = 120,
        error_window_s: float = 60.0,
        rate_window_s: float = 10.0,
        degraded_error_rate: float = 0.2,
    ) -> None:
        self.session = session
        self._clock = clock
        self._latencies: deque[float] = deque(maxlen=latency_samples)
        self._requests: deque[tuple[float, bool]] = deque()
        self.error_window_s = error_window_s
        self.rate_window_s = rate_window_s
        self.degraded_error_rate = degraded_error_rate
        self._feeds: dict[FeedKey, _FeedTracker] = {}
        self._ended_reconnects = 0
        self._connecting = True
        self._down_reason: str | None = None
        self._policy: RequestPolicy | None = None
        self.clock_offset_ms: float | None = None
        self.last_error = ""
        self.entry_blocked: str | None = None
        self.bad_data = 0
        self.last_bad_data = ""
        self.dead_man: str | None = None
        self.version = 0

    # -- session lifecycle ------------------------------------------------------------
    def bind_policy(self, policy: RequestPolicy) -> None:
        self._policy = policy

    def set_connecting(self) -> None:
        self._connecting, self._down_reason = True, None
        self.version += 1

    def set_connected(self) -> None:
        self._connecting, self._down_reason = False, None
        self.version += 1

    def set_down(self, reason: str) -> None:
        self._connecting, self._down_reason = False, reason or "down"
        self.version += 1

    # -- REST -------------------------------------------------------------------------
    def record_latency(self, seconds: float) -> None:
        self._latencies.append(seconds * 1000.0)

    def record_request(self, ok: bool, error_text: str = "") -> None:
        now = self._clock.monotonic()
        self._requests.append((now, ok))
        self._trim_requests(now)
        if not ok and error_text:
            self.last_error = error_text
        self.version += 1

    def record_error_text(self, text: str) -> None:
        self.last_error = text
        self.version += 1

    def set_entry_blocked(self, reason: str | None) -> None:
        """Why order entry on this venue is closed (None: open). A venue that takes no
        orders is never shown LIVE, whatever its feeds say."""
        if reason != self.entry_blocked:
            self.entry_blocked = reason
            self.version += 1

    def record_bad_data(self, text: str) -> None:
        """A venue frame was refused as a feed fault (the feed resyncs)."""
        self.bad_data += 1
        self.last_bad_data = text
        self.last_error = text
        self.version += 1

    def set_dead_man(self, text: str | None) -> None:
        """The venue-side cancel-all-after while it is armed (None: not armed)."""
        self.dead_man = text
        self.version += 1

    def set_clock_offset(self, offset_ms: float) -> None:
        self.clock_offset_ms = offset_ms

    def _trim_requests(self, now: float) -> None:
        edge = now - self.error_window_s
        reqs = self._requests
        while reqs and reqs[0][0] <= edge:
            reqs.popleft()

    # -- feeds ------------------------------------------------------------------------
    def _feed(self, key: FeedKey) -> _FeedTracker:
        feed = self._feeds.get(key)
        if feed is None:
            feed = self._feeds[key] = _FeedTracker(key)
        return feed

    def feed_status(self, key: FeedKey, status: FeedStatus, error: str = "") -> None:
        feed = self._feed(key)
        feed.status = status
        if error:
            feed.last_error = error
            self.last_error = error
        self.version += 1

    def feed_message(self, key: FeedKey, count: int = 1) -> None:
        """Called per update a feed delivers; kept O(1)."""
        feed = self._feeds.get(key) or self._feed(key)
        now = self._clock.monotonic()
        feed.messages += count
        feed.last_ts = now
        if feed.first_ts is None:
            feed.first_ts = now
        sec = int(now)
        buckets = feed.buckets
        if buckets and buckets[-1][0] == sec:
            buckets[-1][1] += count
        else:
            buckets.append([sec, count])
            edge = sec - int(self.rate_window_s)
            while buckets and buckets[0][0] < edge:
                buckets.popleft()

    def feed_reconnect(self, key: FeedKey) -> None:
        self._feed(key).reconnects += 1
        self.version += 1

    def feed_removed(self, key: FeedKey) -> None:
        feed = self._feeds.pop(key, None)
        if feed is not None:
            self._ended_reconnects += feed.reconnects
            self.version += 1

    def last_message_age(self, key: FeedKey) -> float | None:
        feed = self._feeds.get(key)
        if feed is None or feed.last_ts is None:
            return None
        return self._clock.monotonic() - feed.last_ts

    # -- snapshot -----------------------------------------------------------------------
    def _feed_snapshot(self, feed: _FeedTracker, now: float) -> FeedHealth:
        edge = now - self.rate_window_s
        count = sum(c for s, c in feed.buckets if s >= edge)
        span = self.rate_window_s
        if feed.first_ts is not None:
            span = min(span, max(1.0, now - feed.first_ts))
        return FeedHealth(
            key=feed.key,
            status=feed.status,
            message_rate=count / span,
            last_message_age_s=None if feed.last_ts is None else now - feed.last_ts,
            messages=feed.messages,
            reconnects=feed.reconnects,
            last_error=feed.last_error,
        )

    def snapshot(self) -> VenueHealth:
        now = self._clock.monotonic()
        self._trim_requests(now)
        lat = list(self._latencies)
        srt = sorted(lat)
        feeds = tuple(
            self._feed_snapshot(f, now)
            for f in sorted(self._feeds.values(), key=lambda f: f.key.label)
        )
        requests = len(self._requests)
        errors = sum(1 for _, ok in self._requests if not ok)
        error_rate = errors / requests if requests else 0.0
        policy = self._policy
        breaker = policy.breaker.state if policy else BreakerState.CLOSED
        retry_after = policy.breaker.retry_after() if policy else 0.0
        budget = policy.orders.use() if policy else None
        paused = policy.pause.remaining() if policy else 0.0
        state, detail = self._derive_state(feeds, breaker, paused, error_rate, requests)
        return VenueHealth(
            session=self.session,
            state=state,
            latency_p50_ms=percentile(srt, 50),
            latency_p95_ms=percentile(srt, 95),
            latency_samples_ms=tuple(lat),
            feeds=feeds,
            reconnects=self._ended_reconnects + sum(f.reconnects for f in feeds),
            requests=requests,
            errors=errors,
            error_rate=error_rate,
            breaker=breaker,
            breaker_retry_after_s=retry_after,
            rate_budget=budget,
            rest_paused_s=paused,
            clock_offset_ms=self.clock_offset_ms,
            last_error=self.last_error,
            detail=detail,
            entry_blocked=self.entry_blocked,
            bad_data=self.bad_data,
            last_bad_data=self.last_bad_data,
            dead_man=self.dead_man,
        )

    def _derive_state(
        self,
        feeds: tuple[FeedHealth, ...],
        breaker: BreakerState,
        paused: float,
        error_rate: float,
        requests: int,
    ) -> tuple[VenueState, str]:
        entry = f"; order entry disabled: {self.entry_blocked}" if self.entry_blocked else ""
        if self._down_reason is not None:
            return VenueState.DOWN, self._down_reason + entry
        if self._connecting:
            return VenueState.CONNECTING, "connecting"
        if breaker is BreakerState.OPEN:
            return VenueState.DOWN, "circuit breaker open after repeated failures" + entry
        reasons = []
        if breaker is BreakerState.HALF_OPEN:
            reasons.append("circuit breaker probing")
        if paused > 0:
            reasons.append(f"rate-limited by the venue for {paused:.0f} s")
        bad = [
            f
            for f in feeds
            if f.status in (FeedStatus.STALE, FeedStatus.DOWN)
            or (f.status is FeedStatus.CONNECTING and f.reconnects > 0)
        ]
        if bad:
            reasons.append(
                "feeds not live: "
                + ", ".join(
                    f"{f.key.kind.value}{'/' + f.key.symbol if f.key.symbol else ''} "
                    f"{f.status.value}"
                    for f in bad
                )
            )
        if requests >= 3 and error_rate >= self.degraded_error_rate:
            reasons.append(f"{error_rate:.0%} of requests failing")
        if self.entry_blocked:
            reasons.append(f"order entry disabled: {self.entry_blocked}")
        if reasons:
            return VenueState.DEGRADED, "; ".join(reasons)
        return VenueState.LIVE, "live"


class HealthRegistry:
    """Every session's tracker; the health panel lists `snapshots()` on its timer."""

    def __init__(self, clock: Clock, **tracker_options: Any) -> None:
        self._clock = clock
        self._options = tracker_options
        self._trackers: dict[SessionKey, VenueHealthTracker] = {}

    def tracker(self, session: SessionKey) -> VenueHealthTracker:
        tracker = self._trackers.get(session)
        if tracker is None:
            tracker = self._trackers[session] = VenueHealthTracker(
                session, self._clock, **self._options
            )
        return tracker

    def adopt(self, tracker: VenueHealthTracker) -> VenueHealthTracker:
        """Register a tracker made elsewhere (a session built on its own); an existing
        tracker for the same session is replaced."""
        self._trackers[tracker.session] = tracker
        return tracker

    def get(self, session: SessionKey) -> VenueHealthTracker | None:
        return self._trackers.get(session)

    def snapshot(self, session: SessionKey) -> VenueHealth | None:
        tracker = self._trackers.get(session)
        return None if tracker is None else tracker.snapshot()

    def snapshots(self) -> list[VenueHealth]:
        return [t.snapshot() for _, t in sorted(self._trackers.items(), key=lambda kv: kv[0].label)]

    def remove(self, session: SessionKey) -> None:
        self._trackers.pop(session, None)

    def sessions(self) -> list[SessionKey]:
        return list(self._trackers)
