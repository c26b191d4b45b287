"""One dedicated thread that does every piece of database work, in submission order.

Why one thread: SQLite allows one writer at a time anyway, FIFO order keeps the journal
in the order the service produced events, and the event loop only ever awaits a future.
A job's result is handed back with `call_soon_threadsafe`, after its commit.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()
# `_resolve` reads no context variables; handing call_soon_threadsafe a context saves
# the copy_context() it would otherwise make on the writer thread for every job.
_NO_CONTEXT = contextvars.Context()


def _resolve(afut: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if afut.cancelled():
        return
    if error is None:
        afut.set_result(result)
    else:
        afut.set_exception(error)


class WriterThread:
    def __init__(self, name: str = "journal-writer") -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            future, fn, args = item
            if isinstance(future, tuple):  # (loop, asyncio future): see `run`
                loop, afut = future
                try:
                    result, error = fn(*args), None
                except BaseException as exc:  # handed to the awaiting coroutine
                    result, error = None, exc
                try:
                    loop.call_soon_threadsafe(_resolve, afut, result, error, context=_NO_CONTEXT)
                except RuntimeError:  # the loop is closed: nobody waits any more
                    pass
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

    def submit(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
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
