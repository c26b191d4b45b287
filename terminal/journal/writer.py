"""One dedicated thread that does every piece of database work, in submission order.

Why one thread: SQLite allows one writer at a time anyway, FIFO order keeps the journal
in the order the service produced events, and the event loop only ever awaits a future.
A job's result is handed back with `call_soon_threadsafe`, after its commit.

Group commit (`run_grouped`): while one commit is in flight (an fsync, a server round
trip), the hot-path writes queued behind it are taken together, as many as are waiting
(up to `MAX_GROUP`), and handed to their runner as one list, which commits them in one
transaction. Each awaiting coroutine still resumes only after the commit that holds its
own write, so a write is durable when its await returns, exactly as when each commits
alone; only the number of commits (fsyncs) under a burst goes down. The group stops at
the first job of another kind, which runs after it: the order of submission is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()
MAX_GROUP = 256  # writes in one group-commit transaction at most
Outcome = tuple[Any, BaseException | None]  # (result, error) of one grouped write
# `_resolve` reads no context variables; handing call_soon_threadsafe a context saves
# the copy_context() it would otherwise make on the writer thread for every job.
_NO_CONTEXT = contextvars.Context()


def _resolve(afut: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if afut.cancelled():
        return
    if error is None:
        afut.set_result(result)
    else:
        afut.set_exception(error)


def _resolve_many(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for afut, result, error in outcomes:
        _resolve(afut, result, error)


class _Grouped:
    """A write that may share its transaction with the writes queued beside it."""

    __slots__ = ("afut", "item", "loop", "runner")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        afut: asyncio.Future[Any],
        runner: Callable[[list[Any]], list[Outcome]],
        item: Any,
    ) -> None:
        self.loop, self.afut, self.runner, self.item = loop, afut, runner, item


class WriterThread:
    def __init__(self, name: str = "journal-writer") -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def _run(self) -> None:
        pending: Any = None
        while True:
            if pending is not None:
                item, pending = pending, None
            else:
                item = self._queue.get()
            if item is _STOP:
                return
            if type(item) is _Grouped:
                group = [item]
                while len(group) < MAX_GROUP:  # what queued up meanwhile goes along
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if type(more) is _Grouped and more.runner == item.runner:
                        group.append(more)
                    else:
                        pending = more  # runs next, after this group: FIFO kept
                        break
                self._run_group(group)
                continue
            future, fn, args = item
            if isinstance(future, tuple):  # (loop, asyncio future): see `run`
                loop, afut = future
                try:
                    result, error = fn(*args), None
                except BaseException as exc:  # handed to the awaiting coroutine
                    result, error = None, exc
                # RuntimeError: the loop is closed, nobody waits any more
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_resolve, afut, result, error, context=_NO_CONTEXT)
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

    @staticmethod
    def _run_group(group: list[_Grouped]) -> None:
        try:
            outcomes = group[0].runner([g.item for g in group])
        except BaseException as exc:  # handed to every awaiting coroutine
            outcomes = [(None, exc)] * len(group)
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for g, (result, error) in zip(group, outcomes, strict=False):
            by_loop.setdefault(g.loop, []).append((g.afut, result, error))
        for loop, resolved in by_loop.items():
            # one wake-up of the loop for the whole group; RuntimeError: the loop is
            # closed, nobody waits any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve_many, resolved, context=_NO_CONTEXT)

    async def run_grouped(self, runner: Callable[[list[Any]], list[Outcome]], item: Any) -> Any:
        """Hand `item` to `runner` on the writer thread, together with the items of the
        same runner queued right behind it; `runner(items)` returns one (result, error)
        per item, in order. Resumes once `runner` has returned (committed)."""
        if self._closed:
            raise RuntimeError("the journal is closed")
        loop = asyncio.get_running_loop()
        afut: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Grouped(loop, afut, runner, item))
        return await afut

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._closed:
            raise RuntimeError("the journal is closed")
        future: Future[T] = Future()
        self._queue.put((future, fn, args))
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the writer thread; the loop is free meanwhile.

        The result comes back through a plain asyncio future resolved with
        `call_soon_threadsafe` (cheaper than wrapping a concurrent Future, and this is
        paid once per journaled event). Cancelling the awaiting task does not stop the
        job: a write that started is committed."""
        if self._closed:
            raise RuntimeError("the journal is closed")
        loop = asyncio.get_running_loop()
        afut: asyncio.Future[T] = loop.create_future()
        self._queue.put(((loop, afut), fn, args))
        return await afut

    def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = 30.0) -> T:
        """Blocking variant for synchronous callers (CLI, tests); never from the loop."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        return self.submit(fn, *args).result(timeout)

    def close(self, timeout: float = 5.0) -> bool:
        """Finish queued work (bounded by `timeout`), then stop. True if it stopped."""
        if self._closed:
            return not self._thread.is_alive()
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("journal writer still busy after %.1f s at close", timeout)
        return not self._thread.is_alive()
