"""Candles for 1m..1d: back-filled history at start, then aggregated from live trades.

History is generated backwards from the start price in segments whose resolution grows
with age (the last ~1000 minutes at 1m, the ~1000 five-minute candles before that at 5m,
... up to 1d), each region aligned to the next coarser timeframe. Every timeframe's candles
are aggregated from the same segments, so a 1h candle is exactly its 1m/5m/15m children:
charts are full from the first second and agree across timeframes.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left

from .markets import MarketSpec

TF_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
TF_ORDER = list(TF_MS)
YEAR_MS = 365 * 86_400_000
MAX_CANDLES = 5000  # per timeframe; older candles are dropped
MAX_GAP_FILL = 2000

# candle row: [open_time, o, h, l, c, volume_steps, quote_units, trades, taker_buy_steps,
#              taker_buy_quote_units]
Candle = list[int]


def backfill_segments(
    spec: MarketSpec,
    rng: random.Random,
    now_ms: int,
    start_ticks: int,
    count: int = 1000,
    minute_qty: int | None = None,
) -> list[Candle]:
    """Chronological segments (with their duration appended) ending at the current minute.

    `minute_qty`: the live market's expected traded quantity per minute (quantity steps,
    see calibrate.py): each candle's volume is that, times its length in minutes, times
    a random factor of mean 1, so history and live candles have the same scale. Without
    it, a few resting levels' worth per minute."""
    sigma_ms = spec.annual_vol / math.sqrt(YEAR_MS)
    boundary = now_ms - now_ms % 60_000
    p = float(start_ticks)
    base_qty = float(spec.level_qty.scaleb(spec.qty_decimals))
    per_minute = float(minute_qty) if minute_qty else base_qty * 3 * math.exp(0.125)
    out: list[Candle] = []
    for i, tf in enumerate(TF_ORDER):
        dur = TF_MS[tf]
        coarser = TF_MS[TF_ORDER[i + 1]] if i + 1 < len(TF_ORDER) else dur
        start = boundary - count * dur
        start -= start % coarser
        sd = sigma_ms * math.sqrt(dur)
        t = boundary - dur
        while t >= start:
            close = p
            open_ = close * math.exp(-rng.gauss(0.0, sd))
            hi = max(open_, close) * math.exp(abs(rng.gauss(0.0, sd * 0.4)))
            lo = min(open_, close) * math.exp(-abs(rng.gauss(0.0, sd * 0.4)))
            o, c = max(1, round(open_)), max(1, round(close))
            h, lw = max(o, c, round(hi)), max(1, min(o, c, round(lo)))
            # lognormal(-0.125, 0.5) has mean 1: the volume's mean is per_minute per minute
            vol = max(1, int(per_minute * (dur / 60_000) * rng.lognormvariate(-0.125, 0.5)))
            n = max(1, int(vol / base_qty * 4))
            mid = (o + c) // 2
            buy = vol * rng.randint(35, 65) // 100
            out.append([t, o, h, lw, c, vol, vol * mid, n, buy, buy * mid, dur])
            p = open_
            t -= dur
        boundary = start
    out.reverse()
    return out


class CandleSeries:
    """One timeframe's candles of one symbol, newest last."""

    def __init__(self, interval: str) -> None:
        self.interval = interval
        self.ms = TF_MS[interval]
        self.rows: list[Candle] = []

    def load(self, segments: list[Candle]) -> None:
        rows: list[Candle] = []
        ms = self.ms
        for seg in segments:
            if seg[10] > ms:
                continue
            b = seg[0] - seg[0] % ms
            if rows and rows[-1][0] == b:
                r = rows[-1]
                r[2] = max(r[2], seg[2])
                r[3] = min(r[3], seg[3])
                r[4] = seg[4]
                for k in range(5, 10):
                    r[k] += seg[k]
            else:
                rows.append([b, *seg[1:10]])
        self.rows = rows[-MAX_CANDLES:]

    def add_trade(self, t_ms: int, price: int, qty: int, taker_buy: bool) -> Candle | None:
        """Apply a trade; returns the candle that just closed, if a new one started."""
        b = t_ms - t_ms % self.ms
        rows = self.rows
        closed = None
        if not rows or rows[-1][0] < b:
            if rows:
                closed = rows[-1]
                prev_close = closed[4]
                gap = min((b - closed[0]) // self.ms - 1, MAX_GAP_FILL)
                for k in range(gap, 0, -1):
                    gb = b - k * self.ms
                    rows.append([gb, prev_close, prev_close, prev_close, prev_close, 0, 0, 0, 0, 0])
            rows.append([b, price, price, price, price, 0, 0, 0, 0, 0])
            if len(rows) > MAX_CANDLES + 500:
                del rows[: len(rows) - MAX_CANDLES]
        r = rows[-1]  # a trade stamped before the current candle (clock skew) folds in
        r[2] = max(r[2], price)
        r[3] = min(r[3], price)
        r[4] = price
        r[5] += qty
        r[6] += qty * price
        r[7] += 1
        if taker_buy:
            r[8] += qty
            r[9] += qty * price
        return closed

    def select(self, limit: int, start: int | None, end: int | None) -> list[Candle]:
        rows = self.rows
        if start is not None:
            i = bisect_left(rows, start, key=lambda r: r[0])
            sel = rows[i:]
            if end is not None:
                sel = [r for r in sel[: limit * 2 + 1] if r[0] <= end]
            return sel[:limit]
        if end is not None:
            j = bisect_left(rows, end + 1, key=lambda r: r[0])
            return rows[max(0, j - limit) : j]
        return rows[-limit:]


def kline_row(m: MarketSpec, r: Candle, ms: int) -> list[object]:
    """REST /api/v3/klines row."""
    return [
        r[0],
        m.price_str(r[1]),
        m.price_str(r[2]),
        m.price_str(r[3]),
        m.price_str(r[4]),
        m.qty_str(r[5]),
        r[0] + ms - 1,
        m.notional_str(r[6]),
        r[7],
        m.qty_str(r[8]),
        m.notional_str(r[9]),
        "0",
    ]


def kline_event(
    m: MarketSpec, interval: str, r: Candle, ms: int, closed: bool, now: int
) -> dict[str, object]:
    """Stream ``<sym>@kline_<interval>`` payload."""
    return {
        "e": "kline",
        "E": now,
        "s": m.symbol,
        "k": {
            "t": r[0],
            "T": r[0] + ms - 1,
            "s": m.symbol,
            "i": interval,
            "f": 0,
            "L": 0,
            "o": m.price_str(r[1]),
            "c": m.price_str(r[4]),
            "h": m.price_str(r[2]),
            "l": m.price_str(r[3]),
            "v": m.qty_str(r[5]),
            "n": r[7],
            "x": closed,
            "q": m.notional_str(r[6]),
            "V": m.qty_str(r[8]),
            "Q": m.notional_str(r[9]),
            "B": "0",
        },
    }
