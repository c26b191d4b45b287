"""Ownership of the asyncio tasks the GUI starts.

Every coroutine a button or a timer starts goes through a `TaskOwner`: it keeps a
reference (asyncio keeps only weak ones, so an unowned task can vanish mid-flight),
routes an exception nobody awaited to `terminal.crash` (log + visible notice), and
cancels what is left, bounded in time, when its owner closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from terminal import crash

log = logging.getLogger(__name__)


class TaskOwner:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any] | None:
        """Run `coro` as a task owned here; None (coroutine closed) once shut down."""
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_event_loop().create_task(coro, name=f"{self.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            crash.report_exception(exc, source="asyncio", message=f"task {task.get_name()} failed")

    @property
    def pending(self) -> list[asyncio.Task[Any]]:
        return [t for t in self._tasks if not t.done()]

    async def aclose(self, timeout: float = 2.0) -> None:
        """Cancel every task and wait for them at most `timeout` seconds."""
        self._closed = True
        tasks = self.pending
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            if pending:
                log.warning(
                    "%s: %d task(s) ignored cancellation: %r",
                    self.name,
                    len(pending),
                    [t.get_name() for t in pending],
                )
