"""The asyncio event loop of the GUI: qasync's, minus one trap.

qasync's `run_until_complete` ends with one extra `processEvents()` after the loop has
stopped. Timers that fire in that flush run asyncio callbacks while no loop is marked
running, and any of them that calls `asyncio.sleep` or `get_running_loop` fails with
"no running event loop" (seen with ccxt's throttler task, which then poisons its
exchange with NetworkError). The app calls `run_until_complete` at shutdown and the
tests call it for every wait, so this loop simply leaves that flush out: whatever was
due runs in the next `run_forever`/`run_until_complete`, inside a running loop.

And one crash: qasync runs every `call_soon`/`call_later` as a Qt timer of one
parentless QObject (`_SimpleTimer`), and its `close()` only marks that object stopped.
Its timers stay registered with the GUI thread's event dispatcher (every pending
callback: cancelled `wait_for` timeouts, ccxt throttler and aiohttp keep-alive
timers ...) until each one fires. The closed loop is a reference cycle, so Python's
cyclic GC frees it, and with it the QObject, at a random moment on whichever thread
happens to allocate: often the journal writer or an executor worker. `~QObject` on a
foreign thread cannot unregister timers ("QObject::~QObject: Timers cannot be stopped
from another thread"), and the next timer the GUI thread activates is delivered to
freed memory: a segfault in `QTimerInfoList::activateTimers` -> `notifyInternal2`.
So `close()` here destroys that QObject at once, on the thread that closes the loop
(the GUI thread), which unregisters its timers; and a closed loop refuses new
callbacks, as asyncio's own loops do.
"""

from __future__ import annotations

import asyncio
from typing import Any

import qasync
import shiboken6


class QtAsyncLoop(qasync.QEventLoop):
    def run_until_complete(self, future: Any) -> Any:
        if self.is_running():
            raise RuntimeError("Event loop already running")
        future = asyncio.ensure_future(future, loop=self)

        def stop(*_: Any) -> None:
            self.stop()

        future.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            future.remove_done_callback(stop)
        if not future.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return future.result()

    def _add_callback(self, handle: Any, delay: float = 0) -> Any:
        # qasync checks nothing here: a callback scheduled on a closed loop would start a
        # Qt timer on the stopped timer object (see the module docstring)
        self._check_closed()
        return super()._add_callback(handle, delay)

    def close(self) -> None:
        if self.is_closed():
            return
        super().close()
        self._release_timer()

    def _release_timer(self) -> None:
        """Delete qasync's timer object now, on this thread, with every Qt timer it has."""
        timer = getattr(self, "_timer", None)
        if timer is None or not shiboken6.isValid(timer):
            return
        shiboken6.delete(timer)  # ~QObject on its own thread unregisters all its timers
        callbacks = getattr(timer, "_SimpleTimer__callbacks", None)  # qasync 0.28 internals
        if isinstance(callbacks, dict):
            callbacks.clear()  # and the handles no timer will run go (with what they hold)
