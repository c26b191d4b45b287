"""The venue clock as ccxt needs it for signed requests.

ccxt stamps a signed request with `milliseconds() - options['timeDifference']`; a venue
whose clock differs by more than the request window refuses it (Binance -1021). The
difference is measured against the venue's time endpoint at connect, on the heartbeat
and again right after such a refusal, and handed to both ccxt instances of a session
(what ccxt's own `load_time_difference` does, with the request's midpoint as the local
time). A difference below the threshold is set back to 0, so an earlier jump of the
venue clock does not keep skewing the stamps once it is gone.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any


async def measure_offset_ms(fetch_time: Callable[[], Awaitable[Any]]) -> float | None:
    """Venue clock minus local clock in ms (midpoint of the request); None when the
    venue gave no time."""
    before = time.time() * 1000.0
    server_ms = await fetch_time()
    after = time.time() * 1000.0
    if server_ms is None:
        return None
    return float(server_ms) - (before + after) / 2.0


def apply_offset(instances: Iterable[Any], offset_ms: float, threshold_ms: float) -> int:
    """Set ccxt's `timeDifference` on each instance; returns the value set."""
    diff = int(-offset_ms) if abs(offset_ms) >= threshold_ms else 0
    for inst in instances:
        if inst is not None:
            inst.options["timeDifference"] = diff
    return diff
