"""Colours, fonts and text helpers shared by the panels (dark-theme friendly).

The panels set only colours that carry meaning (buy/sell, warnings); backgrounds
and ordinary text follow the application palette the main window's theme installs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtGui import QColor, QFont, QFontDatabase

from terminal.domain.money import format_decimal

BUY = "#0ecb81"
SELL = "#f6465d"
AMBER = "#f0b90b"
MUTED = "#848e9c"
TEXT = "#eaecef"
PANEL_BG = "#1e2329"
FIELD_BG = "#2b3139"
ERROR = "#f6465d"
OK = "#0ecb81"
LIVE = "#ff5c5c"

BUY_Q = QColor(BUY)
SELL_Q = QColor(SELL)
AMBER_Q = QColor(AMBER)
MUTED_Q = QColor(MUTED)
UNKNOWN_BG_Q = QColor(240, 185, 11, 70)  # amber wash: readable on dark and light
STALE_BG_Q = QColor(240, 185, 11, 30)


def mono_font(point_delta: int = 0) -> QFont:
    """The system fixed-width font, so columns of digits line up."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_delta and font.pointSize() > 0:
        font.setPointSize(font.pointSize() + point_delta)
    return font


def dec_text(value: Decimal | None, places: int | None = None, empty: str = "—") -> str:
    """`format_decimal` (plain, never scientific; `places` rounds half up), or `empty`
    for None."""
    if value is None:
        return empty
    return format_decimal(value, places)


def grouped(text: str) -> str:
    """'1234567.50' -> '1,234,567.50' (thousands separators on the integer part)."""
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    whole, dot, frac = text.partition(".")
    if not whole.isdigit():
        return sign + text
    return sign + f"{int(whole):,}" + dot + frac


def compact_amount(value: Decimal | None) -> str:
    """Short form for large volumes: 1.23K, 4.56M, 7.89B."""
    if value is None:
        return "—"
    for limit, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if abs(value) >= limit:
            return dec_text(value / limit, 2) + suffix
    return dec_text(value, 2) if abs(value) >= 1 else dec_text(value)


def age_text(seconds: float) -> str:
    """'12s', '5m', '3h 4m', '2d 1h'."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def utc_now() -> datetime:
    return datetime.now(UTC)


def time_text(at: datetime | None) -> str:
    """Local wall time of an aware datetime, to the second."""
    if at is None:
        return "—"
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
