"""Round wall-clock ticks of the chart's time axis: the pure generator, no Qt."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from terminal.ui.widgets.time_ticks import (
    DAY_MS,
    HOUR_MS,
    LADDER,
    MINUTE_MS,
    choose_step,
    label_gap,
    tick_labels,
    tick_times,
    time_ticks,
)

UTC = UTC
LABEL_PX = 40.0


def ms(*args: int, tz=UTC) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp() * 1000)


def wall(t: int, tz=UTC) -> datetime:
    return datetime.fromtimestamp(t / 1000, tz)


def test_the_ladder_is_ordered_and_named():
    assert [s.name for s in LADDER[:15]] == [
        "1m",
        "5m",
        "15m",
        "30m",
        "1h",
        "2h",
        "4h",
        "6h",
        "12h",
        "1d",
        "2d",
        "1w",
        "1M",
        "3M",
        "1y",
    ]
    assert [s.ms for s in LADDER] == sorted(s.ms for s in LADDER)


def test_150_one_minute_bars_on_860_px_get_quarter_hours():
    t0 = ms(2026, 11, 21, 9, 7)
    t1 = t0 + 150 * MINUTE_MS
    ticks = time_ticks(t0, t1, 860, LABEL_PX, MINUTE_MS, UTC)
    assert [label for _, label in ticks] == [
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]
    assert all(t0 <= t <= t1 and wall(t).minute % 15 == 0 and wall(t).second == 0 for t, _ in ticks)


@pytest.mark.parametrize(
    "minutes", [30, 150, 600, 3_000, 20_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
)
@pytest.mark.parametrize("width", [300, 860, 1900])
def test_labels_never_overlap_and_the_step_is_the_finest_that_fits(minutes, width):
    t0 = ms(2026, 3, 1, 0, 3)
    t1 = t0 + minutes * MINUTE_MS
    ms_per_px = (t1 - t0) / width
    step = choose_step(ms_per_px, LABEL_PX, MINUTE_MS)
    room = LABEL_PX + label_gap(LABEL_PX)
    assert step.ms / ms_per_px >= room or step is LADDER[-1]
    finer = LADDER[LADDER.index(step) - 1] if LADDER.index(step) else None
    assert finer is None or finer.ms / ms_per_px < room or finer.ms < MINUTE_MS
    ticks = time_ticks(t0, t1, width, LABEL_PX, MINUTE_MS, UTC)
    xs = [(t - t0) / ms_per_px for t, _ in ticks]
    # calendar steps vary a little (months 28-31 days, years 365/366): 0.9 of the room
    assert all(b - a >= 0.9 * room for a, b in itertools.pairwise(xs)), (step.name, xs)
    assert len(ticks) <= width / LABEL_PX + 1


def test_never_finer_than_a_bar():
    t0 = ms(2026, 11, 21, 0, 0)
    ticks = time_ticks(t0, t0 + 10 * HOUR_MS, 2000, LABEL_PX, min_step_ms=HOUR_MS, tz=UTC)
    assert [label for _, label in ticks][:3] == ["21 Nov", "01:00", "02:00"]
    assert choose_step(1.0, LABEL_PX, 4 * HOUR_MS).name == "4h"


def test_the_date_replaces_the_time_where_the_day_changes():
    t0 = ms(2026, 11, 20, 14, 0)
    step = choose_step(1.0, LABEL_PX, 6 * HOUR_MS)
    assert step.name == "6h"
    times = tick_times(t0, t0 + 2 * DAY_MS, step, UTC)
    assert tick_labels(times, step, UTC) == [
        "18:00",
        "21 Nov",
        "06:00",
        "12:00",
        "18:00",
        "22 Nov",
        "06:00",
        "12:00",
    ]


def test_days_weeks_months_and_years():
    day = next(s for s in LADDER if s.name == "1d")
    t = tick_times(ms(2025, 12, 30, 5), ms(2026, 1, 2, 5), day, UTC)
    assert tick_labels(t, day, UTC) == ["31 Dec", "2026", "2 Jan"]
    week = next(s for s in LADDER if s.name == "1w")
    t = tick_times(ms(2026, 11, 1), ms(2026, 11, 30), week, UTC)
    assert [wall(x).weekday() for x in t] == [0] * 5  # Mondays
    assert tick_labels(t, week, UTC) == ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
    month = next(s for s in LADDER if s.name == "1M")
    t = tick_times(ms(2025, 10, 15), ms(2026, 3, 15), month, UTC)
    assert tick_labels(t, month, UTC) == ["Nov", "Dec", "2026", "Feb", "Mar"]
    quarter = next(s for s in LADDER if s.name == "3M")
    t = tick_times(ms(2025, 2, 1), ms(2026, 2, 1), quarter, UTC)
    assert tick_labels(t, quarter, UTC) == ["Apr", "Jul", "Oct", "2026"]
    five = next(s for s in LADDER if s.name == "5y")
    t = tick_times(ms(2001, 6, 1), ms(2026, 6, 1), five, UTC)
    assert tick_labels(t, five, UTC) == ["2005", "2010", "2015", "2020", "2025"]


def test_round_in_the_local_zone_not_utc():
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: local :00 is UTC :30
    t0 = ms(2026, 11, 21, 9, 0, tz=kolkata)
    ticks = time_ticks(t0, t0 + 3 * HOUR_MS, 800, LABEL_PX, HOUR_MS, kolkata)
    assert [label for _, label in ticks] == ["09:00", "10:00", "11:00", "12:00"]
    assert all(wall(t).minute == 30 for t, _ in ticks)  # in UTC
    midnight = ms(2026, 11, 21, tz=kolkata)
    day = next(s for s in LADDER if s.name == "1d")
    assert tick_times(midnight - HOUR_MS, midnight + HOUR_MS, day, kolkata) == [midnight]


def test_daylight_saving_changes_keep_ticks_ascending_and_on_the_wall_clock():
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-03-29: 02:00 -> 03:00 (23 h day); 2026-10-25: 03:00 -> 02:00 (25 h day)
    step = next(s for s in LADDER if s.name == "2h")
    t = tick_times(ms(2026, 3, 29, tz=berlin), ms(2026, 3, 29, 12, tz=berlin), step, berlin)
    labels = tick_labels(t, step, berlin)
    assert t == sorted(set(t))
    assert labels[0] == "29 Mar" and "04:00" in labels and "10:00" in labels
    step = next(s for s in LADDER if s.name == "1h")
    t = tick_times(ms(2026, 10, 25, tz=berlin), ms(2026, 10, 25, 5, tz=berlin), step, berlin)
    assert t == sorted(set(t))
    assert tick_labels(t, step, berlin)[:2] == ["25 Oct", "01:00"]
    month = next(s for s in LADDER if s.name == "1M")
    t = tick_times(ms(2026, 1, 15, tz=berlin), ms(2026, 12, 15, tz=berlin), month, berlin)
    assert all(datetime.fromtimestamp(x / 1000, berlin).hour == 0 for x in t)  # local midnights
    assert len(t) == 11


def test_generation_is_bounded_whatever_the_range():
    step = LADDER[0]
    t = tick_times(0, 10**12, step, UTC)
    assert len(t) == 2000
    assert tick_times(10, 5, step, UTC) == []
    assert time_ticks(10, 5, 800, LABEL_PX) == []
    assert time_ticks(0, 10, 0, LABEL_PX) == []
