"""The one task owner: failures reach its handler, close cancels, a closed owner starts nothing."""

from __future__ import annotations

import asyncio
import warnings

from terminal.core.supervision import TaskOwner


def test_a_failing_task_reaches_the_handler_once_and_close_cancels_the_rest() -> None:
    failures: list[tuple[str, str]] = []
    owner = TaskOwner("t", on_failure=lambda name, exc: failures.append((name, str(exc))))
    cancelled = asyncio.Event()

    async def boom() -> None:
        raise ValueError("no")

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def go() -> None:
        owner.spawn(boom(), "boom")
        owner.spawn(forever(), "forever")
        await asyncio.sleep(0.05)
        assert failures == [("t:boom", "no")]
        assert len(owner.pending) == 1
        await owner.close(timeout=2.0)
        assert cancelled.is_set() and owner.pending == [] and owner.closed

    asyncio.run(asyncio.wait_for(go(), 10))


def test_a_closed_owner_starts_nothing_and_closes_the_coroutine() -> None:
    owner = TaskOwner("t")
    ran: list[str] = []

    async def work() -> None:
        ran.append("ran")

    async def go() -> None:
        await owner.close()
        coro = work()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "coroutine was never awaited" would fail here
            assert owner.spawn(coro, "late") is None
        assert coro.cr_frame is None  # closed, not left dangling
        await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(go(), 10))
    assert ran == []
