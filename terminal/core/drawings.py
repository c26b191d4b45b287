"""Drawings on the chart: horizontal line, trend line, rectangle and text note.

A drawing belongs to a symbol (the same analysis shows on every venue and timeframe of
it). Its anchor points are (time, price): time in epoch milliseconds, so a drawing
stays where it was put when the timeframe changes; price as Decimal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from typing import Protocol

from terminal.domain.ids import Symbol

NOTE_MAX_CHARS = 200  # a note is a label beside a point, not a document
JOINERS = frozenset("\u200c\u200d")  # format characters that scripts and emoji need


class DrawingKind(str, Enum):
    HLINE = "hline"  # one point: its price (the time is where it was placed)
    TREND = "trend"  # two points
    RECT = "rect"  # two opposite corners
    TEXT = "text"  # one point and the text

    @property
    def points_needed(self) -> int:
        return 2 if self in (DrawingKind.TREND, DrawingKind.RECT) else 1


@dataclass(frozen=True, slots=True)
class ChartPoint:
    time_ms: int
    price: Decimal


class DrawingError(ValueError):
    """A drawing that cannot be shown (wrong number of points, a text note without text)."""


def note_problem(text: str) -> str | None:
    """Why `text` cannot be a note's text (one line, for the user), or None when it can.
    The text is taken as it is: nothing is trimmed to fit or stripped out."""
    if not text.strip():
        return "a text note needs some text"
    if len(text) > NOTE_MAX_CHARS:
        return f"a text note is at most {NOTE_MAX_CHARS} characters (this one has {len(text)})"
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in JOINERS:
            what = unicodedata.name(ch, "a control character").lower()
            return f"a text note is one line of printable text (it holds {what}, U+{ord(ch):04X})"
    return None


@dataclass(frozen=True, slots=True)
class Drawing:
    drawing_id: str
    symbol: Symbol
    kind: DrawingKind
    points: tuple[ChartPoint, ...]
    text: str = ""
    created_ms: int = 0

    def check(self) -> Drawing:
        if len(self.points) != self.kind.points_needed:
            raise DrawingError(
                f"a {self.kind.value} drawing needs {self.kind.points_needed} point(s)"
            )
        for point in self.points:
            if not point.price.is_finite() or point.price <= 0:
                raise DrawingError("a drawing's price must be a positive number")
        if self.kind is DrawingKind.TEXT:
            problem = note_problem(self.text)
            if problem is not None:
                raise DrawingError(problem)
        return self

    def with_text(self, text: str) -> Drawing:
        """The same note with new text, checked (DrawingError says why it cannot be)."""
        if self.kind is not DrawingKind.TEXT:
            raise DrawingError(f"a {self.kind.value} drawing has no text to edit")
        return replace(self, text=text).check()

    def moved(self, d_time_ms: int, d_price: Decimal) -> Drawing:
        """The same drawing shifted by (d_time_ms, d_price)."""
        return replace(
            self,
            points=tuple(ChartPoint(p.time_ms + d_time_ms, p.price + d_price) for p in self.points),
        )


class DrawingStore(Protocol):
    async def drawings(self, symbol: Symbol | None = None) -> list[Drawing]: ...
    async def save_drawing(self, drawing: Drawing) -> None: ...
    async def delete_drawing(self, drawing_id: str) -> None: ...
