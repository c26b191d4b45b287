"""How much the live market trades per minute, so back-filled candles look like it.

The back-filled history and the live candles must agree in scale: a chart whose history
shows a hundredth of the volume of the minute being built is wrong. The live volume comes
from the simulator (crowd market orders and the sweeps of a moving mid), which has no
closed form worth keeping in step by hand, so it is measured: the same simulator, with the
same rates, runs for a short virtual time against a scratch engine and book (no clock, no
accounts, nothing published), and its traded quantity per minute is the answer. Bursts
(rare stretches of four times the activity) are left out of the run, which would make the
estimate jumpy, and added back as their expected share of the time.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

from .engine import Engine, FeeSchedule
from .generator import BURST_MULT, BURST_S, Generator, Rates
from .markets import MarketSpec

SAMPLE_S = 30.0  # virtual seconds: a steady figure for about 0.1 s of CPU (calm rates)


def minute_volumes(
    markets: list[MarketSpec],
    rates: Rates,
    seed: int,
    start_prices: dict[str, int],
    sample_s: float = SAMPLE_S,
) -> dict[str, int]:
    """Expected traded quantity per minute (in quantity steps) of each symbol."""
    quiet = replace(rates, burst_prob_per_s=0.0, stress_symbol=None, diffs_per_second=0.0)
    engine = Engine(markets, lambda: 0, FeeSchedule(Decimal(0), Decimal(0)))
    traded = dict.fromkeys(engine.specs, 0)

    def count(symbol: str, trade) -> None:
        traded[symbol] += trade.qty

    engine.on_trade.append(count)
    generator = Generator(
        engine, seed, quiet, start_prices, rng_of=lambda s: random.Random(f"{seed}:{s}:calibrate")
    )
    generator.seed_books()
    for _ in range(int(sample_s / quiet.step_s)):
        generator.step_all(quiet.step_s)
    # share of the time in a burst: bursts start at prob/s and last BURST_S on average
    busy = rates.burst_prob_per_s * BURST_S
    burst_share = busy / (1.0 + busy)
    factor = 1.0 + burst_share * (BURST_MULT - 1.0)
    return {s: max(1, round(q * 60.0 / sample_s * factor)) for s, q in traded.items()}
