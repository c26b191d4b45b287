"""The simulated market: a seeded mid-price process, makers around it and takers into it.

Floats drive the random process only; every price and size is rounded to integer ticks and
steps before it reaches the book. Given the seed and the clock the sequence is
deterministic (one ``random.Random`` per symbol).

Rates:
- ``calm``/``normal``: a step every 100/50 ms per symbol: mid moves (with occasional
  volatility bursts), takers sweep what the mid crossed plus a few random market orders,
  makers refill the band and churn random levels.
- ``stress``: additionally, for one symbol, ``diffs_per_second`` diffs of
  ``levels_per_diff`` maker changes each, every diff published as its own depth frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from .book import Book
from .engine import Engine
from .markets import MarketSpec

YEAR_S = 365 * 86_400


BURST_MIN_S, BURST_MAX_S = 5.0, 20.0  # a burst of activity lasts this long
BURST_S = (BURST_MIN_S + BURST_MAX_S) / 2
BURST_MULT = 4.0  # taker rate and volatility during a burst


@dataclass
class Rates:
    step_s: float = 0.1
    vol_mult: float = 0.5
    takers_per_s: float = 2.0
    maker_changes_per_s: float = 40.0
    burst_prob_per_s: float = 0.01
    stress_symbol: str | None = None
    diffs_per_second: float = 0.0
    levels_per_diff: int = 20

    @classmethod
    def preset(cls, name: str) -> Rates:
        if name == "calm":
            return cls()
        if name == "normal":
            return cls(step_s=0.05, vol_mult=1.0, takers_per_s=8.0, maker_changes_per_s=200.0)
        if name == "stress":
            return cls(
                step_s=0.05,
                vol_mult=1.0,
                takers_per_s=20.0,
                maker_changes_per_s=400.0,
                stress_symbol="BTCUSDT",
                diffs_per_second=6000.0,
            )
        raise ValueError(f"unknown rate preset {name!r} (calm, normal, stress)")


class SymbolSim:
    """Mid-price and liquidity model of one symbol."""

    def __init__(
        self, m: MarketSpec, book: Book, rng: random.Random, start_ticks: int, rates: Rates
    ) -> None:
        self.m = m
        self.book = book
        self.rng = rng
        self.mid = float(start_ticks)
        self.rates = rates
        self.sigma_s = m.annual_vol / math.sqrt(YEAR_S) * rates.vol_mult
        self.burst_left = 0.0
        self.grid = m.grid_ticks
        self.base_qty = max(1, int(m.level_qty.scaleb(m.qty_decimals)))
        # a precomputed table of sizes keeps stress encoding cache-friendly
        self.size_table = [
            max(1, int(self.base_qty * rng.lognormvariate(0.0, 0.6))) for _ in range(256)
        ]
        # Stress changes come from a precomputed seeded plan (side, levels from the touch,
        # size): drawing 60 random numbers per diff would cost more than the diff itself.
        self._plan = [
            (rng.random() < 0.5, int(rng.random() * 60), self.size_table[int(rng.random() * 256)])
            for _ in range(65_537)
        ]
        self._plan_i = 0

    # --- shape of the book ------------------------------------------------------------
    def anchors(self) -> tuple[int, int]:
        """Best simulated bid and ask grid ticks around the current mid."""
        g = self.grid
        half = max(1.0, g * 0.5)
        bid = int((self.mid - half) // g) * g
        ask = -int(-(self.mid + half) // g) * g
        if ask <= bid:
            ask = bid + g
        return bid, ask

    def profile_qty(self, k: int) -> int:
        """Resting size k levels from the touch: thin at the touch, thicker further out."""
        return max(1, int(self.size_table[self.rng.randrange(256)] * (1.0 + k / 40.0)))

    def seed_book(self) -> None:
        bid, ask = self.anchors()
        bids, asks = self.book.bids, self.book.asks
        for k in range(self.m.levels):
            bids.set_sim(bid - k * self.grid, self.profile_qty(k))
            asks.set_sim(ask + k * self.grid, self.profile_qty(k))
        self.book.commit()

    # --- one step ---------------------------------------------------------------------
    def step(self, engine: Engine, dt: float) -> None:
        rng = self.rng
        r = self.rates
        if self.burst_left > 0:
            self.burst_left -= dt
            mult = BURST_MULT
        else:
            mult = 1.0
            if rng.random() < r.burst_prob_per_s * dt:
                self.burst_left = rng.uniform(BURST_MIN_S, BURST_MAX_S)
        self.mid *= math.exp(rng.gauss(0.0, self.sigma_s * mult * math.sqrt(dt)))
        self.mid = max(self.mid, 10.0 * self.grid)
        sym = self.m.symbol
        book = self.book
        # takers: whatever the mid crossed is swept
        ba = book.asks.best()
        if ba is not None and ba <= self.mid:
            engine.sim_take(sym, True, 10**15, int(self.mid))
        bb = book.bids.best()
        if bb is not None and bb >= self.mid:
            engine.sim_take(sym, False, 10**15, -int(-self.mid // 1))
        # random market orders of the crowd
        n = _poisson(rng, r.takers_per_s * dt * mult)
        for _ in range(n):
            is_buy = rng.random() < 0.5
            qty = max(1, int(self.base_qty * rng.lognormvariate(-0.7, 0.8)))
            lim = int(self.mid * (1.002 if is_buy else 0.998))
            engine.sim_take(sym, is_buy, qty, lim)
        self.refill()
        self.churn(_poisson(rng, r.maker_changes_per_s * dt))
        book.commit()

    def refill(self) -> None:
        """Makers keep the band around the mid populated and cancel what fell outside."""
        bid, ask = self.anchors()
        g = self.grid
        span = self.m.levels * g
        bids, asks = self.book.bids, self.book.asks
        best_ask = asks.best()
        best_bid = bids.best()
        for k in range(self.m.levels):
            t = bid - k * g
            if t not in bids.sim and (best_ask is None or t < best_ask):
                bids.set_sim(t, self.profile_qty(k))
            elif k > 8:
                break
        for k in range(self.m.levels):
            t = ask + k * g
            if t not in asks.sim and (best_bid is None or t > best_bid):
                asks.set_sim(t, self.profile_qty(k))
            elif k > 8:
                break
        lo, hi = bid - span, ask + span
        while bids.ticks and bids.ticks[0] <= lo:
            t = bids.ticks[0]
            if t not in bids.sim:
                break
            bids.set_sim(t, 0)
        while asks.ticks and asks.ticks[-1] >= hi:
            t = asks.ticks[-1]
            if t not in asks.sim:
                break
            asks.set_sim(t, 0)
        # the far edge regrows as the band moves
        for side, start, sign in ((bids, bid, -1), (asks, ask, 1)):
            ticks = side.ticks
            if not ticks:
                continue
            far = ticks[0] if sign < 0 else ticks[-1]
            k = abs(far - start) // g
            added = 0
            while k < self.m.levels - 1 and added < 20:
                k += 1
                t = start + sign * k * g
                if t not in side.sim:
                    side.set_sim(t, self.profile_qty(k))
                added += 1

    def churn(self, n: int) -> None:
        """Random maker adds/cancels, denser near the touch."""
        rng = self.rng
        bid, ask = self.anchors()
        g = self.grid
        bids, asks = self.book.bids, self.book.asks
        levels = self.m.levels
        for _ in range(n):
            k = min(levels - 1, int(rng.expovariate(1.0 / 25.0)))
            if rng.random() < 0.5:
                t = bid - k * g
                ba = asks.best()
                if ba is None or t < ba:
                    bids.set_sim(t, self.profile_qty(k))
            else:
                t = ask + k * g
                bb = bids.best()
                if bb is None or t > bb:
                    asks.set_sim(t, self.profile_qty(k))

    def stress_diff(self, levels_per_diff: int) -> None:
        """One stress diff: ``levels_per_diff`` maker changes near the touch, one update id."""
        bid, ask = self.anchors()
        g = self.grid
        bids, asks = self.book.bids, self.book.asks
        ba, bb = asks.best(), bids.best()
        plan = self._plan
        i = self._plan_i
        n = len(plan)
        for _ in range(levels_per_diff):
            is_bid, k, q = plan[i]
            i += 1
            if i == n:
                i = 0
            if is_bid:
                t = bid - k * g
                if ba is None or t < ba:
                    bids.set_sim(t, q)
            else:
                t = ask + k * g
                if bb is None or t > bb:
                    asks.set_sim(t, q)
        self._plan_i = i
        self.book.commit()


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    L = math.exp(-lam)
    k, p = 0, rng.random()
    while p > L:
        k += 1
        p *= rng.random()
    return k


class Generator:
    """Drives every :class:`SymbolSim` on the event loop; pausable for book checkpoints."""

    def __init__(
        self,
        engine: Engine,
        seed: int,
        rates: Rates,
        start_prices: dict[str, int],
        rng_of: Callable[[str], random.Random] | None = None,
    ) -> None:
        self.engine = engine
        self.rates = rates
        rng_of = rng_of or (lambda s: random.Random(f"{seed}:{s}:live"))
        self.sims = {
            s: SymbolSim(m, engine.books[s], rng_of(s), start_prices[s], rates)
            for s, m in engine.specs.items()
        }
        self.paused = False
        self.stress_emitted = 0

    def seed_books(self) -> None:
        for sim in self.sims.values():
            sim.seed_book()

    def uncross(self) -> None:
        """After restoring user orders under a freshly seeded book, cancel simulated
        levels that would cross them (user orders never cross each other)."""
        for book in self.engine.books.values():
            for _ in range(100_000):
                b, a = book.bids.best(), book.asks.best()
                if b is None or a is None or b < a:
                    break
                if a in book.asks.sim:
                    book.asks.set_sim(a, 0)
                elif b in book.bids.sim:
                    book.bids.set_sim(b, 0)
                else:
                    break
            book.commit()

    def mids(self) -> dict[str, int]:
        return {s: int(sim.mid) for s, sim in self.sims.items()}

    def step_all(self, dt: float) -> None:
        for sim in self.sims.values():
            sim.step(self.engine, dt)

    def force_trade(self, symbol: str, is_buy: bool, price: int) -> int:
        """Move the mid to ``price`` and sweep the book through it (a test lever)."""
        sim = self.sims[symbol]
        sim.mid = float(price)
        filled = self.engine.sim_take(symbol, is_buy, 10**15, price)
        sim.refill()
        self.engine.books[symbol].commit()
        return filled

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        dt = self.rates.step_s
        next_t = loop.time()
        while not stop.is_set():
            if not self.paused:
                self.step_all(dt)
            next_t += dt
            delay = next_t - loop.time()
            if delay < -1.0:  # fell far behind (suspended?): do not try to catch up
                next_t = loop.time()
                delay = 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, delay))

    async def run_stress(self, stop: asyncio.Event, publish: Callable[[str], None]) -> None:
        """Emit ``diffs_per_second`` diffs on each stress symbol (a comma-separated list),
        each published alone."""
        syms = [s for s in (self.rates.stress_symbol or "").split(",") if s]
        if not syms or self.rates.diffs_per_second <= 0:
            return
        sims = [(s, self.sims[s]) for s in syms]
        lpd = self.rates.levels_per_diff
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        done = 0
        while not stop.is_set():
            rate = self.rates.diffs_per_second
            if self.paused or rate <= 0:
                t0, done = loop.time(), 0
                await asyncio.sleep(0.05)
                continue
            target = int((loop.time() - t0) * rate)
            n = target - done
            if n > rate * 0.05:  # never build more than 50 ms of debt
                n = int(rate * 0.05)
                t0 = loop.time() - (done + n) / rate
            for _ in range(n):
                for sym, sim in sims:
                    sim.stress_diff(lpd)
                    publish(sym)
            done += n
            self.stress_emitted += n * len(sims)
            await asyncio.sleep(0.002)
