"""The asyncio event loop of the GUI: qasync's, minus one trap.

qasync's `run_until_complete` ends with one extra `processEvents()` after the loop has
stopped. Timers that fire in that flush run asyncio callbacks while no loop is marked
running, and any of them that calls `asyncio.sleep` or `get_running_loop` fails with
"no running event loop" (seen with ccxt's throttler task, which then poisons its
exchange with NetworkError). The app calls `run_until_complete` at shutdown and the
tests call it for every wait, so this loop simply leaves that flush out: whatever was
due runs in the next `run_forever`/`run_until_complete`, inside a running loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import qasync


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
