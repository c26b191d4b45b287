"""Fixtures of the main-window tests: a qasync loop that tests drive, bounded waits.

Why a loop fixture: the wiring runs coroutines (services, feeds, order submits) on a
qasync loop, and asyncio code only runs while that loop is *running* (it must be the
running loop for `asyncio.sleep`, `get_running_loop` ...). `qtbot.waitUntil` spins Qt
alone, outside the loop, so instead every wait here is a coroutine run with
`run_until_complete`, which runs the Qt event loop too (qasync runs asyncio inside Qt):
widgets paint, timers fire and tasks advance together. Every wait has a deadline.

The loop fixture fails a test that leaves asyncio tasks running; the window factory in
`main_window_harness.py` fails one that leaves top-level windows open.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

qasync = pytest.importorskip("qasync")

from terminal.app import DaemonExecutor, shutdown_loop  # noqa: E402

T = TypeVar("T")
DEFAULT_TIMEOUT = 20.0


class AsyncDriver:
    """Runs coroutines on the test's qasync loop, always with a deadline."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        async def bounded() -> T:
            return await asyncio.wait_for(awaitable, timeout)
        return self.loop.run_until_complete(bounded())

    def until(self, predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT,
              what: str = "", interval: float = 0.02) -> Any:
        """Run the loop until `predicate()` is truthy; fail the test after `timeout`."""
        async def poll() -> Any:
            deadline = time.monotonic() + timeout
            while True:
                value = predicate()
                if value:
                    return value
                if time.monotonic() > deadline:
                    pytest.fail(f"timed out after {timeout:.0f} s waiting for "
                                f"{what or getattr(predicate, '__name__', 'a condition')}")
                await asyncio.sleep(interval)
        return self.loop.run_until_complete(poll())

    def sleep(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))


@pytest.fixture
def aloop(qapp):  # type: ignore[no-untyped-def]
    """A qasync loop for one test; fails the test if tasks are left running."""
    qapp.setQuitOnLastWindowClosed(False)  # closing a test window must not stop the loop
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    executor = DaemonExecutor(max_workers=4, name="test-exec")
    loop.set_default_executor(executor)
    driver = AsyncDriver(loop)
    yield driver
    leftover = [t for t in asyncio.all_tasks(loop) if not t.done()]
    names = sorted(t.get_name() for t in leftover)
    shutdown_loop(loop, executor, timeout=2.0)
    assert not leftover, f"asyncio tasks left running after the test: {names}"
