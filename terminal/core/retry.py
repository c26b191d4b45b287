"""Retry with backoff: the one loop for "try again later until it works".

`retry_until` runs an attempt, and after each failure waits the next delay of a
`terminal.core.policy.Backoff` (exponential, capped, with jitter) before the next one.
A failure is either an exception of the given types or a result `ok` rejects; anything
else propagates, and so does a failure `give_up` says is final (a permanent error, the
last allowed attempt): the caller sees that error itself. Cancellation stops it at once.
`stop()` is asked before every wait, so the loop ends when what it works for has gone (a
venue disconnected, a service closed).

Only what is safe to do twice goes through it (reads, subscribing again): an order
send is never retried, its unknown outcome is settled by a query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from terminal.core.policy import Backoff

T = TypeVar("T")


class Delays(Protocol):
    """Where the waits between attempts come from (a `Backoff`, or a fixed schedule)."""

    def next_delay(self) -> float: ...


class Schedule:
    """Fixed waits, in order; the last one repeats."""

    def __init__(self, delays: Sequence[float]) -> None:
        self._delays = tuple(delays) or (0.0,)
        self._n = 0

    def next_delay(self) -> float:
        delay = self._delays[min(self._n, len(self._delays) - 1)]
        self._n += 1
        return delay


@dataclass(frozen=True)
class Failure(Generic[T]):
    """One failed attempt: its number (from 1), what it gave, and the wait before the
    next attempt."""

    attempt: int
    result: T | None
    error: BaseException | None
    next_delay_s: float


async def retry_until(
    attempt: Callable[[], Awaitable[T]],
    *,
    backoff: Backoff | Delays,
    ok: Callable[[T], bool] = lambda _result: True,
    retry_on: tuple[type[BaseException], ...] = (),
    on_failure: Callable[[Failure[T]], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    max_attempts: int | None = None,
    give_up: Callable[[BaseException, int], bool] = lambda _error, _attempt: False,
    wait_for: Callable[[BaseException | None, float], float] | None = None,
) -> T | None:
    """The first result `ok` accepts; None when `stop()` said so or `max_attempts` ran
    out (the last failure was reported to `on_failure`). An exception of `retry_on` for
    which `give_up(error, attempt)` is true is raised as it is (attempts count from 1).
    `wait_for(error, planned)` may change the planned wait (a venue's Retry-After)."""
    n = 0
    while True:
        n += 1
        result: T | None = None
        error: BaseException | None = None
        try:
            result = await attempt()
        except retry_on as exc:
            if give_up(exc, n):
                raise
            error = exc
        else:
            if ok(result):
                return result
        delay = backoff.next_delay()
        if wait_for is not None:
            delay = wait_for(error, delay)
        if on_failure is not None:
            on_failure(Failure(n, result, error, delay))
        if stop() or (max_attempts is not None and n >= max_attempts):
            return None
        await asyncio.sleep(delay)
        if stop():
            return None
