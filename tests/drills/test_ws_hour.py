"""`trading-terminal drills --ws-hour`, shortened with --ws-minutes: the real feed layer
holds book, trades, candles and user-data streams through every kind of fault the run
injects, and reports its figures; bad arguments are refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.cli import main


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_short_websocket_run_holds_every_stream_through_its_faults(tmp_path: Path) -> None:
    out = tmp_path / "ws.json"
    proc = subprocess.run(
        [sys.executable, "-m", "terminal", "drills", "--ws-hour", "--ws-minutes", "0.5",
         "--json", str(out)],
        capture_output=True, text=True, timeout=220, cwd=tmp_path,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (drill,) = json.loads(out.read_text())["drills"]
    counts = {c["name"]: c["value"] for c in drill["counts"]}
    assert counts["streams held (book, trades, candles, user data)"] >= 4
    # a fault every 5 s over 30 s, each once the last one has recovered: drop, stall, gap...
    assert counts["faults injected"] >= 3
    assert counts["reconnects"] >= 1
    assert counts["streams not LIVE again within 60 s of a fault"] == 0
    assert counts["messages lost (sequence gaps not recovered)"] == 0
    assert 0 < counts["uptime, % of stream samples (rounded down)"] <= 100
    assert counts["RSS at the end (MB)"] > 0
    assert "uptime" in proc.stdout and "faults injected" in proc.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--ws-hour", "--ws-minutes", "0"], "--ws-minutes must be above 0"),
        (["--ws-minutes", "5"], "--ws-minutes goes with --ws-hour"),
        (["--ws-hour", "--quick"], "--ws-hour runs alone"),
    ],
)
def test_bad_websocket_run_arguments_are_refused_in_one_line(args, said, capsys) -> None:
    assert main(["drills", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and said in err[0]
