"""Chart indicators over float columns: SMA, EMA, session VWAP (no Qt here).

Display values only (floats). Each function has a full form and the chart keeps the
arrays and recomputes only the tail when the forming candle changes, so a live update
at 100k candles costs microseconds, not a pass over the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DAY_MS = 86_400_000


def sma(x: np.ndarray, n: int) -> np.ndarray:
    """Simple moving average; NaN for the first n-1 values."""
    if n < 1:
        raise ValueError("SMA period must be >= 1")
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        csum = np.cumsum(np.concatenate(([0.0], x)))
        out[n - 1 :] = (csum[n:] - csum[:-n]) / n
    return out


def sma_tail(x: np.ndarray, n: int, out: np.ndarray, start: int) -> None:
    """Recompute `out[start:]` of an SMA in place (exact window sums, no drift)."""
    for i in range(max(start, n - 1), len(x)):
        out[i] = x[i - n + 1 : i + 1].sum() / n


def ema(x: np.ndarray, n: int) -> np.ndarray:
    """Exponential moving average, alpha = 2/(n+1), seeded with the SMA of the first n values
    (the usual charting convention); NaN before that."""
    if n < 1:
        raise ValueError("EMA period must be >= 1")
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        out[n - 1] = x[:n].mean()
        ema_tail(x, n, out, n)
    return out


def ema_tail(x: np.ndarray, n: int, out: np.ndarray, start: int) -> None:
    """Recompute `out[start:]` of an EMA in place from out[start-1]."""
    if len(x) < n:
        out[:] = np.nan
        return
    if start <= n - 1:
        out[: n - 1] = np.nan
        out[n - 1] = x[:n].mean()
        start = n
    alpha = 2.0 / (n + 1)
    prev = float(out[start - 1])
    for i, xi in enumerate(x[start:].tolist(), start):
        prev = prev + alpha * (xi - prev)
        out[i] = prev


def session_keys(t_ms: np.ndarray, timeframe_ms: int) -> np.ndarray:
    """The VWAP session of each bar: the UTC day for intraday bars, one session for 1d+."""
    if timeframe_ms >= DAY_MS:
        return np.zeros(len(t_ms), dtype=np.int64)
    return t_ms // DAY_MS


def vwap(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, v: np.ndarray, sessions: np.ndarray
) -> np.ndarray:
    """Volume-weighted average of the typical price (h+l+c)/3, restarting each session.

    NaN until a session has traded some volume.
    """
    n = len(c)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    pv = np.cumsum((h + lo + c) / 3.0 * v)
    vv = np.cumsum(v)
    starts = np.flatnonzero(np.concatenate(([True], sessions[1:] != sessions[:-1])))
    # subtract the running totals at the end of the previous session
    base_idx = np.repeat(starts, np.diff(np.concatenate((starts, [n]))))
    pv_base = np.where(base_idx > 0, pv[np.maximum(base_idx - 1, 0)], 0.0)
    vv_base = np.where(base_idx > 0, vv[np.maximum(base_idx - 1, 0)], 0.0)
    spv, svv = pv - pv_base, vv - vv_base
    np.divide(spv, svv, out=out, where=svv > 0)
    return out


@dataclass
class Indicator:
    """One line on the chart: its name, label, colour field of the palette, values."""

    name: str
    label: str
    colour_field: str
    period: int = 0
    visible: bool = True
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # True where a new session starts: the line is not drawn into that bar (VWAP resets)
    breaks: np.ndarray | None = None

    # what a chart line reads on each paint (the arrays are replaced as bars arrive)
    def current_values(self) -> np.ndarray:
        return self.values

    def current_breaks(self) -> np.ndarray | None:
        return self.breaks


class IndicatorSet:
    """SMA, EMA and VWAP of a CandleSeries, recomputed from the first changed index."""

    def __init__(self, sma_period: int = 20, ema_period: int = 50) -> None:
        self.items: dict[str, Indicator] = {
            "sma": Indicator("sma", f"SMA {sma_period}", "sma", sma_period),
            "ema": Indicator("ema", f"EMA {ema_period}", "ema", ema_period),
            "vwap": Indicator("vwap", "VWAP", "vwap"),
        }

    def recompute(self, series, first_changed: int | None) -> None:  # series: CandleSeries
        """Bring every indicator up to date; O(changed tail) unless `first_changed` is 0."""
        if first_changed is None:
            return
        n = len(series)
        c = series.c
        sma_i, ema_i, vwap_i = self.items["sma"], self.items["ema"], self.items["vwap"]
        tail = 0 < first_changed <= len(sma_i.values) and vwap_i.breaks is not None
        if not tail:
            keys = session_keys(series.t, series.span_ms)
            vwap_i.breaks = np.concatenate(([False], keys[1:] != keys[:-1])) if n else None
            sma_i.values = sma(c, sma_i.period)
            ema_i.values = ema(c, ema_i.period)
            vwap_i.values = vwap(series.h, series.l, c, series.v, keys)
            return
        if len(sma_i.values) != n:  # bars were appended: grow (a copy once per new bar)
            for ind in (sma_i, ema_i, vwap_i):
                grown = np.full(n, np.nan)
                grown[: min(n, len(ind.values))] = ind.values[:n]
                ind.values = grown
            breaks = np.zeros(n, dtype=bool)
            old_breaks = vwap_i.breaks if vwap_i.breaks is not None else breaks[:0]
            breaks[: len(old_breaks)] = old_breaks[:n]
            vwap_i.breaks = breaks
        sma_tail(c, sma_i.period, sma_i.values, first_changed)
        ema_tail(c, ema_i.period, ema_i.values, first_changed)
        # VWAP: session keys of the changed tail only, then recompute its session
        lo = max(0, first_changed - 1)
        keys = session_keys(series.t[lo:], series.span_ms)
        if vwap_i.breaks is not None:  # always set on this path (`tail` above)
            vwap_i.breaks[lo + 1 :] = keys[1:] != keys[:-1]
        if series.span_ms >= DAY_MS:
            s0 = 0
        else:  # bars are sorted: the session starts at the first bar of that UTC day
            day = int(series.t[first_changed]) // DAY_MS
            s0 = int(np.searchsorted(series.t, day * DAY_MS, side="left"))
        skeys = session_keys(series.t[s0:], series.span_ms)
        vwap_i.values[s0:] = vwap(series.h[s0:], series.l[s0:], c[s0:], series.v[s0:], skeys)
