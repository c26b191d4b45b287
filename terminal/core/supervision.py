"""Task ownership: every background task belongs to an owner that cancels it.

A fire-and-forget task whose exception nobody reads is a silent failure (ccxt's own
`spawn` is an example); a task nobody cancels outlives its session and keeps sockets
open. `TaskOwner.spawn` keeps a strong reference (asyncio keeps only weak ones, so an
unowned task can vanish mid-flight), hands an unexpected exception once to `on_failure`
(by default: logged; the GUI's owner shows it as a notice, terminal.ui.tasks), and
`close()` cancels and awaits everything, bounded in time. A closed owner starts nothing:
`spawn` closes the coroutine and returns None (a click or a timer during shutdown).
This is the one task owner of the terminal: exchange sessions, feeds and the GUI.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

# on_failure(task name, exception) for a task that ended with an exception nobody awaited
FailureHandler = Callable[[str, BaseException], None]


def log_failure(task_name: str, exc: BaseException) -> None:
    log.error("task %s failed: %s: %s", task_name, type(exc).__name__, exc, exc_info=exc)


class TaskOwner:
    def __init__(self, name: str, on_failure: FailureHandler = log_failure) -> None:
        self.name = name
        self._on_failure = on_failure
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(
        self, coro: Coroutine[Any, Any, Any], name: str | None = None
    ) -> asyncio.Task[Any] | None:
        """Run `coro` as a task owned here; None (the coroutine closed) once closed."""
        if self._closed:
            coro.close()
            log.debug("%s: closed; %s not started", self.name, name or coro)
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a Qt slot under qasync: the loop is set, not "running" here
            loop = asyncio.get_event_loop()
        task = loop.create_task(coro, name=f"{self.name}:{name or ''}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            try:
                self._on_failure(task.get_name(), exc)
            except Exception:
                log.exception("%s: the failure handler failed", self.name)

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return frozenset(self._tasks)

    @property
    def pending(self) -> list[asyncio.Task[Any]]:
        return [t for t in self._tasks if not t.done()]

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
