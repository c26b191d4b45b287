"""The low and high of a price over a sliding time window, in O(1) per sample.

Samples are coalesced into buckets (100 ms by default): each closed bucket pushes its
low onto a deque of rising lows and its high onto a deque of falling highs (monotonic
deques), so the window's low and high are at the deques' fronts. Memory is bounded by
window / bucket whatever the update rate (a saturated book feed updates thousands of
times a second).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal


class ChangeWindow:
    __slots__ = ("_highs", "_lows", "_open", "bucket_ms", "window_ms")

    def __init__(self, window_ms: int, bucket_ms: int = 100) -> None:
        if window_ms <= 0 or bucket_ms <= 0:
            raise ValueError("window and bucket must be positive")
        self.window_ms = window_ms
        self.bucket_ms = min(bucket_ms, window_ms)
        self._lows: deque[tuple[int, Decimal]] = deque()  # rising prices
        self._highs: deque[tuple[int, Decimal]] = deque()  # falling prices
        self._open: tuple[int, Decimal, Decimal] | None = None  # bucket start, low, high

    def reset(self) -> None:
        self._lows.clear()
        self._highs.clear()
        self._open = None

    def _close_open(self) -> None:
        if self._open is None:
            return
        start, low, high = self._open
        lows, highs = self._lows, self._highs
        while lows and lows[-1][1] >= low:
            lows.pop()
        lows.append((start, low))
        while highs and highs[-1][1] <= high:
            highs.pop()
        highs.append((start, high))
        self._open = None

    def add(self, at_ms: int, price: Decimal) -> tuple[Decimal, Decimal]:
        """Record `price` at `at_ms`; return the window's (low, high), this sample included."""
        bucket = at_ms - at_ms % self.bucket_ms
        current = self._open
        if current is not None and current[0] != bucket:
            self._close_open()
            current = None
        if current is None:
            self._open = (bucket, price, price)
        else:
            self._open = (bucket, min(current[1], price), max(current[2], price))
        horizon = at_ms - self.window_ms
        lows, highs = self._lows, self._highs
        while lows and lows[0][0] < horizon:
            lows.popleft()
        while highs and highs[0][0] < horizon:
            highs.popleft()
        assert self._open is not None
        low, high = self._open[1], self._open[2]
        if lows and lows[0][1] < low:
            low = lows[0][1]
        if highs and highs[0][1] > high:
            high = highs[0][1]
        return low, high

    def __len__(self) -> int:
        return len(self._lows) + len(self._highs) + (self._open is not None)
