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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from terminal.core.policy import Backoff

T = TypeVar("T")


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
    backoff: Backoff,
    ok: Callable[[T], bool] = lambda _result: True,
    retry_on: tuple[type[BaseException], ...] = (),
    on_failure: Callable[[Failure[T]], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    max_attempts: int | None = None,
    give_up: Callable[[BaseException, int], bool] = lambda _error, _attempt: False,
) -> T | None:
    """The first result `ok` accepts; None when `stop()` said so or `max_attempts` ran
    out (the last failure was reported to `on_failure`). An exception of `retry_on` for
    which `give_up(error, attempt)` is true is raised as it is (attempts count from 1)."""
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
        if on_failure is not None:
            on_failure(Failure(n, result, error, delay))
        if stop() or (max_attempts is not None and n >= max_attempts):
            return None
        await asyncio.sleep(delay)
        if stop():
            return None
