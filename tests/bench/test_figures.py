"""The bench table: every figure with its same-run baseline, ratio and aim, and the machine."""

from __future__ import annotations

import math

from terminal.bench.figures import Figure, machine_start, table


def test_ratio_is_value_over_baseline_and_absent_without_one() -> None:
    assert Figure("g", "n", 30.0, "ms", 20.0, "raw").ratio == 1.5
    assert Figure("g", "n", 3.0, "orders").ratio is None
    assert Figure("g", "n", 3.0, "ms", 0.0, "raw").ratio is None
    assert Figure("g", "n", 3.0, "ms", math.nan, "raw").ratio is None


def test_json_round_trip_keeps_every_field() -> None:
    f = Figure(
        "order round trip", "place p50", 12.5, "ms", 10.0, "raw ccxt", "<= 1.5x raw", "n=200"
    )
    data = f.to_json()
    assert data["ratio"] == 1.25
    assert Figure.from_json(data) == f


def test_table_shows_value_baseline_ratio_aim_and_the_machine() -> None:
    machine = machine_start()
    machine.load_end, machine.cpu_seconds, machine.wall_seconds = (1.0, 1.0, 1.0), 12.0, 30.0
    text = table(
        [
            Figure("order round trip", "place p50", 15.0, "ms", 10.0, "raw ccxt", "<= 1.5x raw"),
            Figure("emergency stop", "accepted after", 0.0, "orders", aim="0"),
        ],
        machine,
        quick=True,
    )
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["benchmark", "figure"]
    row = next(line for line in lines if "place p50" in line)
    assert "15.0 ms" in row and "10.0 raw ccxt" in row and "1.50" in row and "<= 1.5x raw" in row
    machine_line = next(line for line in lines if line.startswith("machine:"))
    for part in ("cores", "load average", "CPU time 12 s", "Python", "Qt", "ccxt"):
        assert part in machine_line, part
    assert "--quick" in text
