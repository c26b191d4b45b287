"""The dead-man's switch: a heartbeat that keeps the venue's cancel-all-after countdown
from running out (Binance USDⓈ-M `countdownCancelAll`, ccxt's `cancelAllOrdersAfter`
elsewhere). If the terminal stops renewing it (killed, frozen, offline), the venue itself
cancels the session's open orders when the window runs out.

Opt-in per session; renewed every `window_s / 4` so that three missed heartbeats in a
row still leave the orders alone. Disarming sends a countdown of 0 (switch it off). The
state is reported in words through `report` (the session's health card shows it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from terminal.core.errors import VenueError

log = logging.getLogger(__name__)
MIN_WINDOW_S = 5.0
MAX_WINDOW_S = 3600.0


class CancelAllAfterPort(Protocol):
    async def cancel_all_orders_after(self, symbol: str, ms: int) -> None: ...


class DeadMansSwitch:
    """See the module docstring."""

    def __init__(
        self,
        port: CancelAllAfterPort,
        symbols: Sequence[str],
        *,
        window_s: float = 60.0,
        report: Callable[[str | None], None] = lambda text: None,
    ) -> None:
        if not MIN_WINDOW_S <= window_s <= MAX_WINDOW_S:
            raise ValueError(
                f"a dead-man's switch window is {MIN_WINDOW_S:g}-{MAX_WINDOW_S:g} s, "
                f"not {window_s:g}"
            )
        if not symbols:
            raise ValueError("a dead-man's switch needs at least one symbol")
        self.port = port
        self.symbols = tuple(symbols)
        self.window_s = window_s
        self.beat_s = window_s / 4
        self._report = report
        self.beats = 0
        self.failures = 0
        self.armed = False

    def _say(self, failure: str | None = None) -> None:
        text = f"armed, {self.window_s:g} s"
        if failure:
            text += f"; last heartbeat failed: {failure}"
        self._report(text if self.armed else None)

    async def beat(self) -> bool:
        """Renew every symbol's countdown once; False if any renewal failed."""
        ms = int(self.window_s * 1000)
        failed = None
        for symbol in self.symbols:
            try:
                await self.port.cancel_all_orders_after(symbol, ms)
            except VenueError as exc:
                failed = str(exc)
        self.armed = True
        if failed is None:
            self.beats += 1
        else:
            self.failures += 1
            log.warning("dead-man's switch heartbeat failed: %s", failed)
        self._say(failed)
        return failed is None

    async def run(self) -> None:
        """Arm and keep renewing until cancelled (then the venue's countdown runs out
        unless `disarm` is awaited)."""
        while True:
            await self.beat()
            await asyncio.sleep(self.beat_s)

    async def disarm(self) -> None:
        """Switch the venue's countdown off (the orders stay)."""
        for symbol in self.symbols:
            await self.port.cancel_all_orders_after(symbol, 0)
        self.armed = False
        self._report(None)
