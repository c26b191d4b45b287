"""Task ownership: every background task belongs to an owner that cancels it.

A fire-and-forget task whose exception nobody reads is a silent failure (ccxt's own
`spawn` is an example); a task nobody cancels outlives its session and keeps sockets
open. `TaskOwner.spawn` keeps a strong reference, logs an unexpected exception once, and
`close()` cancels and awaits everything, bounded in time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskOwner:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self.name}: closed; cannot start {name or coro!r}")
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}:{name or ''}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error(
                "task %s failed: %s: %s", task.get_name(), type(exc).__name__, exc, exc_info=exc
            )

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return frozenset(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel(self, task: asyncio.Task[Any], timeout: float = 5.0) -> None:
        """Cancel one task and wait (bounded) until it has finished."""
        if task.done():
            return
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)

    async def close(self, timeout: float = 5.0) -> None:
        """Cancel every task and wait for them, at most `timeout` seconds."""
        self._closed = True
        await self.cancel_all(timeout)

    async def cancel_all(self, timeout: float = 5.0) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.warning("task %s did not stop within %.1f s", task.get_name(), timeout)
