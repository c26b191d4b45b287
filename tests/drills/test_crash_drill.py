"""Crash drill (terminal.drills.crash): 35 SIGKILLs at random points of place and cancel
flows lose, duplicate and mismatch nothing, and the kills really hit orders in flight."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.drills.crash import run_drill

TRIALS = 35


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    got = run_drill(TRIALS, tmp_path)
    print(
        f"\ncrash drill: {TRIALS} trials in {got['seconds']:.1f} s, {got['kills']}, "
        f"{got['orders']} journal orders / {got['venue_orders']} venue orders, "
        f"lost {got['lost']}, duplicates {got['duplicate']}, "
        f"mismatches {got['mismatch']}\nsettled by reconciliation: {got['settled']}"
    )
    assert not got["problems"], got["problems"]
    assert got["killed"] >= 30
    # the windows were really hit: orders left in flight by a kill were settled
    assert got["in_flight_rejected"] >= 2  # killed before / while sending
    assert got["in_flight_sent"] >= 2  # reply lost with the process
    assert got["cancel_in_flight"] >= 2
    assert got["lost"] == got["duplicate"] == got["mismatch"] == 0
