"""The order service's background tasks: settles, link cancels, bracket legs.

Each is owned until it ends; a failure is logged and told to the user as a notice;
`aclose` cancels them all and waits, bounded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class ServiceTasks:
    def __init__(self, notice: Callable[[str, str], None]) -> None:
        self._notice = notice  # (level, text)
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("order service task %s failed", task.get_name(), exc_info=task.exception())
            self._notice("error", f"{task.get_name()} failed: {task.exception()}")

    async def aclose(self, timeout: float) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
