"""Timing of a paint for the rendering benchmark, and the market its figures use."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal as D

from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules

SYM = Symbol("BTC/USDT")
RULES = MarketRules(SYM, "BTC", "USDT", tick_size=D("0.01"), step_size=D("0.00001"))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, p95) of `fn` in milliseconds."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]
