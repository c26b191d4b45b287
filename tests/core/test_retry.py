"""retry_until: retries failures (exceptions of the named types, or results `ok`
rejects) after the backoff's delays, stops when asked, lets other exceptions through."""

from __future__ import annotations

import asyncio
import random

import pytest

from terminal.core.policy import Backoff
from terminal.core.retry import Failure, retry_until


def fast() -> Backoff:
    return Backoff(base=0.001, cap=0.004, rng=random.Random(1))


def test_retries_failures_until_a_result_is_ok() -> None:
    answers = iter([ValueError("no"), "bad", "good"])
    failures: list[Failure[str]] = []

    async def attempt() -> str:
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    got = asyncio.run(
        retry_until(
            attempt,
            backoff=fast(),
            ok=lambda r: r == "good",
            retry_on=(ValueError,),
            on_failure=failures.append,
        )
    )
    assert got == "good"
    assert [(f.attempt, f.result, type(f.error).__name__) for f in failures] == [
        (1, None, "ValueError"),
        (2, "bad", "NoneType"),
    ]
    assert all(0 < f.next_delay_s <= 0.004 for f in failures)


def test_stop_ends_it_and_other_exceptions_propagate() -> None:
    calls = []

    async def never() -> bool:
        calls.append(1)
        return False

    assert (
        asyncio.run(retry_until(never, backoff=fast(), ok=bool, stop=lambda: len(calls) >= 3))
        is None
    )
    assert len(calls) == 3
    assert asyncio.run(retry_until(never, backoff=fast(), ok=bool, max_attempts=2)) is None

    async def broken() -> None:
        raise KeyError("a bug is not retried")

    with pytest.raises(KeyError):
        asyncio.run(retry_until(broken, backoff=fast(), retry_on=(ValueError,)))
