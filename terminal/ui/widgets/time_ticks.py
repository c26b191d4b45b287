"""Round wall-clock ticks for a time axis (no Qt here, so it is unit-tested on its own).

Why: ticks at bar steps land on times like 10:07, 11:52; a trader reads a time axis by
its round marks (:00/:15/:30, whole hours, midnights, first of the month). This picks
the finest round step from a fixed ladder whose labels still fit the pixels, lays the
ticks on the local wall clock (like the crosshair readout, `chart_items.format_time`),
and labels them: times within a day, the date where the day changes ("21 Nov"), month
names, and the year where the year changes.

Three parts, so a gap-collapsed axis (bar-index x) can drop ticks that fall into gaps
or crowd each other *before* labelling: `choose_step`, `tick_times`, `tick_labels`.
`time_ticks` composes them for a plain linear time axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)  # fixed: labels do not follow the C locale
WIDEST_LABELS = ("00:00", "0000", *(f"30 {m}" for m in MONTHS))  # for measuring
MAX_RAW_TICKS = 2000  # generation bound, whatever range a caller asks for


@dataclass(frozen=True, slots=True)
class TickStep:
    """One rung of the ladder: `count` wall-clock `unit`s; `ms` is its nominal length."""

    count: int
    unit: str  # "minute", "hour", "day", "week", "month", "year"
    ms: int

    @property
    def name(self) -> str:
        short = {"minute": "m", "hour": "h", "day": "d", "week": "w", "month": "M", "year": "y"}
        return f"{self.count}{short[self.unit]}"


def _step(count: int, unit: str) -> TickStep:
    nominal = {
        "minute": MINUTE_MS,
        "hour": HOUR_MS,
        "day": DAY_MS,
        "week": 7 * DAY_MS,
        "month": 30 * DAY_MS,
        "year": 365 * DAY_MS,
    }[unit]
    return TickStep(count, unit, count * nominal)


LADDER: tuple[TickStep, ...] = (
    _step(1, "minute"),
    _step(5, "minute"),
    _step(15, "minute"),
    _step(30, "minute"),
    _step(1, "hour"),
    _step(2, "hour"),
    _step(4, "hour"),
    _step(6, "hour"),
    _step(12, "hour"),
    _step(1, "day"),
    _step(2, "day"),
    _step(1, "week"),
    _step(1, "month"),
    _step(3, "month"),
    _step(1, "year"),
    _step(2, "year"),
    _step(5, "year"),
    _step(10, "year"),
    _step(50, "year"),
    _step(100, "year"),
)


def label_gap(label_px: float) -> float:
    """Free pixels wanted between two labels: half a label, at least 12 px."""
    return max(12.0, label_px * 0.5)


def choose_step(ms_per_px: float, label_px: float, min_step_ms: int = 0) -> TickStep:
    """The finest ladder step whose ticks are at least a label plus a gap apart and no
    finer than `min_step_ms` (e.g. the bar length: a tick between bars says nothing)."""
    need = max((label_px + label_gap(label_px)) * max(ms_per_px, 0.0), float(min_step_ms))
    for step in LADDER:
        if step.ms >= need:
            return step
    return LADDER[-1]


def coarser(step: TickStep) -> TickStep:
    i = LADDER.index(step)
    return LADDER[min(i + 1, len(LADDER) - 1)]


# ---- wall clock <-> epoch -----------------------------------------------------------
def to_wall(ms: int, tz: tzinfo | None) -> datetime:
    """Epoch ms -> naive wall-clock datetime in `tz` (None: the machine's local zone)."""
    if tz is None:
        return datetime.fromtimestamp(ms / 1000.0)
    return datetime.fromtimestamp(ms / 1000.0, tz).replace(tzinfo=None)


def from_wall(wall: datetime, tz: tzinfo | None) -> int:
    """Naive wall-clock datetime in `tz` -> epoch ms (a time skipped by a DST change
    lands where the platform puts it; callers sort and de-duplicate)."""
    if tz is None:
        return round(wall.timestamp() * 1000)
    return round(wall.replace(tzinfo=tz).timestamp() * 1000)


def _floor(wall: datetime, step: TickStep) -> datetime:
    n, unit = step.count, step.unit
    if unit == "minute":
        return wall.replace(minute=wall.minute - wall.minute % n, second=0, microsecond=0)
    if unit == "hour":
        return wall.replace(hour=wall.hour - wall.hour % n, minute=0, second=0, microsecond=0)
    day = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":  # by day number since 0001-01-01: evenly spaced, no 31st-then-1st
        return day - timedelta(days=day.toordinal() % n)
    if unit == "week":
        return day - timedelta(days=day.weekday())  # Monday
    if unit == "month":
        return day.replace(month=day.month - (day.month - 1) % n, day=1)
    return day.replace(year=max(1, day.year - day.year % n), month=1, day=1)


def _advance(wall: datetime, step: TickStep) -> datetime:
    n, unit = step.count, step.unit
    if unit == "minute":
        return wall + timedelta(minutes=n)
    if unit == "hour":
        return wall + timedelta(hours=n)
    if unit == "day":
        return wall + timedelta(days=n)
    if unit == "week":
        return wall + timedelta(days=7 * n)
    if unit == "month":
        months = wall.month - 1 + n
        return wall.replace(year=wall.year + months // 12, month=months % 12 + 1)
    return wall.replace(year=wall.year + n)


def tick_times(
    t0_ms: int, t1_ms: int, step: TickStep, tz: tzinfo | None = None, limit: int = MAX_RAW_TICKS
) -> list[int]:
    """Epoch ms of every round `step` time in [t0_ms, t1_ms], ascending, at most `limit`."""
    if t1_ms < t0_ms:
        return []
    try:
        wall = _floor(to_wall(t0_ms, tz), step)
    except (OverflowError, OSError, ValueError):
        return []
    out: list[int] = []
    last = None
    while len(out) < limit:
        try:
            ms = from_wall(wall, tz)
            wall = _advance(wall, step)
        except (OverflowError, OSError, ValueError):
            break
        if ms > t1_ms:
            break
        if ms >= t0_ms and ms != last and (last is None or ms > last):
            out.append(ms)
            last = ms
    return out


def tick_labels(times: list[int], step: TickStep, tz: tzinfo | None = None) -> list[str]:
    """Labels of ticks at `times` (ascending) laid at `step`.

    Within a day: "HH:MM", and the date ("21 Nov") on the first tick of a new day. Days
    and weeks: "21 Nov", and the year on the first tick of a new year. Months: "Nov",
    and the year in January. Years: "2026".
    """
    labels: list[str] = []
    prev: datetime | None = None
    for ms in times:
        w = to_wall(ms, tz)
        if step.unit in ("minute", "hour"):
            new_day = (w.hour == 0 and w.minute == 0) if prev is None else w.date() != prev.date()
            text = f"{w.day} {MONTHS[w.month - 1]}" if new_day else f"{w.hour:02d}:{w.minute:02d}"
        elif step.unit in ("day", "week"):
            new_year = (w.month, w.day) == (1, 1) if prev is None else w.year != prev.year
            text = str(w.year) if new_year else f"{w.day} {MONTHS[w.month - 1]}"
        elif step.unit == "month":
            text = str(w.year) if w.month == 1 else MONTHS[w.month - 1]
        else:
            text = str(w.year)
        labels.append(text)
        prev = w
    return labels


def time_ticks(
    t0_ms: int,
    t1_ms: int,
    width_px: float,
    label_px: float,
    min_step_ms: int = 0,
    tz: tzinfo | None = None,
) -> list[tuple[int, str]]:
    """(epoch ms, label) ticks of a linear time axis showing [t0_ms, t1_ms] on
    `width_px` pixels, with labels up to `label_px` wide that never overlap."""
    if t1_ms <= t0_ms or width_px <= 0:
        return []
    step = choose_step((t1_ms - t0_ms) / width_px, label_px, min_step_ms)
    times = tick_times(t0_ms, t1_ms, step, tz)
    return list(zip(times, tick_labels(times, step, tz), strict=False))
