"""Safety event kinds and the ordered writer that journals them.

Why a writer instead of awaiting the journal where the event happens: the safety
switches must take effect synchronously (a click on STOP blocks the very next order,
before any await), while the journal is async. So the state changes first, and the
event is queued here and written in order by one task this writer owns. `flush()`
waits until everything queued so far is durable; `aclose()` flushes and stops the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from terminal.core.ports import JournalPort

log = logging.getLogger(__name__)

LOCK_LOCKED = "testnet_lock_locked"
LOCK_UNLOCKED = "testnet_lock_unlocked"
LOCK_UNLOCK_REFUSED = "testnet_lock_unlock_refused"
STOP_ENGAGED = "emergency_stop_engaged"
STOP_RESET = "emergency_stop_reset"
STOP_SWEEP = "emergency_stop_sweep"
PRECAUTION_OVERRIDE = "precaution_override"

# The two kinds whose newest row decides whether the stop is engaged at start-up.
STOP_STATE_KINDS: tuple[str, ...] = (STOP_ENGAGED, STOP_RESET)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _plain(value: Any) -> Any:
    """JSON-friendly copy: Decimals, ids and enums become text, containers are copied."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value  # str enums
    return str(value)


class SafetyJournalWriter:
    """Writes safety events to the journal in the order they were recorded.

    `record` never blocks and never raises: if no event loop is running yet the event
    waits in the queue until `flush()` is awaited. A journal failure is logged and the
    event is kept for the next flush (bounded), so a transient disk error does not lose
    the fact that the stop was engaged.
    """

    MAX_ATTEMPTS = 5

    def __init__(self, journal: JournalPort | None) -> None:
        self._journal = journal
        self._queue: deque[tuple[str, dict[str, Any], int]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.failures: list[str] = []  # last errors, for a visible notice

    @property
    def journal(self) -> JournalPort | None:
        return self._journal

    @property
    def pending(self) -> int:
        return len(self._queue)

    def record(self, kind: str, details: Mapping[str, Any]) -> None:
        entry = dict(_plain(details))
        entry.setdefault("at", utc_now().isoformat())
        self._queue.append((kind, entry, 0))
        log.info("safety event %s %s", kind, entry)
        self._kick()

    def _kick(self) -> None:
        if self._journal is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # written by the next flush() on a loop
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(), name="safety-journal-writer")
            self._task.add_done_callback(_log_task_error)

    async def _drain(self) -> None:
        if self._journal is None:
            self._queue.clear()
            return
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop  # one lock per loop (tests, CLI)
        async with self._lock:
            while self._queue:
                kind, details, attempts = self._queue[0]
                try:
                    await self._journal.record_safety_event(kind, details)
                except Exception as exc:  # the journal adapter's own errors
                    msg = f"cannot journal safety event {kind}: {type(exc).__name__}: {exc}"
                    log.error(msg)
                    self.failures.append(msg)
                    del self.failures[:-20]
                    if attempts + 1 >= self.MAX_ATTEMPTS:
                        self._queue.popleft()
                    else:
                        self._queue[0] = (kind, details, attempts + 1)
                    return  # retried on the next flush / record
                self._queue.popleft()

    async def flush(self, timeout: float = 10.0) -> bool:
        """Write everything queued; True when the queue is empty afterwards."""
        if self._journal is None:
            self._queue.clear()
            return True
        try:
            await asyncio.wait_for(self._drain(), timeout)
        except TimeoutError:
            log.error("safety journal flush timed out with %d events queued", len(self._queue))
        return not self._queue

    async def aclose(self, timeout: float = 10.0) -> None:
        await self.flush(timeout)
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _log_task_error(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("safety journal writer failed: %r", exc)
