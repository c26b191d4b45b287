"""`trading-terminal bench --quick --json FILE` produces every figure, each a number.

This runs the real harness (paper exchanges, main windows offscreen, raw ccxt clients,
journals) in child processes; it checks that the figures exist and are numbers, never
their values (the machine may be shared: timings are read, not tested).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# at least these figures per benchmark group in a quick run (start-up has 2 more with a
# built bundle, which the quick run leaves out)
EXPECTED = {
    "feed to screen": 4,
    "start-up": 3,
    "rendering": 6,
    "journal": 2,  # 4 with PostgreSQL (always in CI, checked below)
    "paper exchange depth": 2,
    "order round trip": 4,
    "emergency stop": 2,
    "cost growth": 10,
    "soak": 5,
}


def test_quick_bench_produces_every_figure_as_a_number(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "bench",
            "--quick",
            "--json",
            str(out),
            "--log",
            str(tmp_path / "bench.log"),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True
    figures = data["figures"]
    groups: dict[str, int] = {}
    for f in figures:
        groups[f["group"]] = groups.get(f["group"], 0) + 1
        assert isinstance(f["value"], (int, float)) and math.isfinite(f["value"]), f
        if f["baseline"] is not None:
            assert math.isfinite(f["baseline"]) and f["baseline_name"], f
            assert f["ratio"] == pytest.approx(f["value"] / f["baseline"]), f
    assert groups.keys() == EXPECTED.keys()
    assert all(groups[g] >= n for g, n in EXPECTED.items()), groups
    journal = [f["name"] for f in figures if f["group"] == "journal"]
    if os.environ.get("CI"):  # CI installs PostgreSQL: its figures must be there
        assert sum("PostgreSQL" in name for name in journal) == 2, journal
    stop = {f["name"]: f["value"] for f in figures if f["group"] == "emergency stop"}
    assert stop["orders the venue accepted after the stop"] == 0, stop
    machine = data["machine"]
    assert machine["cores"] and machine["cpu_seconds"] > 0
    assert {"python", "qt", "ccxt"} <= machine["versions"].keys()
    # the printed table: one row per figure, then the machine
    assert "machine:" in proc.stdout
    assert sum(1 for f in figures if f["name"] in proc.stdout) == len(figures)
