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


def test_give_up_raises_the_failure_itself() -> None:
    """A permanent error goes out at once; a transient one is retried until the last
    allowed attempt, whose error is raised (not swallowed into None)."""
    calls: list[int] = []

    async def refused() -> str:
        calls.append(1)
        raise PermissionError("refused")

    with pytest.raises(PermissionError, match="refused"):
        asyncio.run(
            retry_until(
                refused,
                backoff=fast(),
                retry_on=(OSError,),
                give_up=lambda e, _n: isinstance(e, PermissionError),
            )
        )
    assert len(calls) == 1

    answers = iter([TimeoutError("t1"), TimeoutError("t2"), TimeoutError("t3"), "late"])

    async def flaky() -> str:
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    with pytest.raises(TimeoutError, match="t3"):
        asyncio.run(
            retry_until(flaky, backoff=fast(), retry_on=(OSError,), give_up=lambda _e, n: n >= 3)
        )
    assert next(answers) == "late"  # no fourth attempt was made


def test_a_fixed_schedule_repeats_its_last_wait_and_wait_for_can_lengthen_it() -> None:
    from terminal.core.retry import Schedule

    schedule = Schedule((0.01, 0.02))
    assert [schedule.next_delay() for _ in range(4)] == [0.01, 0.02, 0.02, 0.02]

    waits: list[float] = []
    calls = 0

    async def attempt() -> int:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TimeoutError("slow")
        return calls

    async def go() -> int | None:
        return await retry_until(
            attempt,
            backoff=Schedule((0.001,)),
            retry_on=(TimeoutError,),
            wait_for=lambda error, planned: planned * 2 if error is not None else planned,
            on_failure=lambda f: waits.append(f.next_delay_s),
        )

    assert asyncio.run(go()) == 3 and waits == [0.002, 0.002]
