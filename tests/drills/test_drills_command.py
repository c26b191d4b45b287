"""`trading-terminal drills --quick --json FILE` runs every drill against real processes
and reports its counts; the crash, secrets and lock-and-stop counts must hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_quick_drills_report_every_count(tmp_path: Path) -> None:
    out = tmp_path / "drills.json"
    proc = subprocess.run(
        [sys.executable, "-m", "terminal", "drills", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=tmp_path,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        check=False,
    )
    data = json.loads(out.read_text())
    drills = {d["drill"]: d for d in data["drills"]}
    assert set(drills) == {
        "crash",
        "secrets",
        "lock and stop",
        "bad input (fuzz)",
        "storage",
    }, proc.stdout
    for d in drills.values():
        assert not d["error"], d
        for c in d["counts"]:
            assert isinstance(c["value"], int), c
            assert c["name"] in proc.stdout, c
    # exit code: 1 exactly when some count is not what it must be
    assert proc.returncode == (0 if all(d["ok"] for d in drills.values()) else 1), proc.stdout
    for name in ("crash", "secrets", "lock and stop", "storage"):
        assert drills[name]["ok"], (drills[name], proc.stdout[-3000:])
    crash = {c["name"]: c["value"] for c in drills["crash"]["counts"]}
    assert crash["SIGKILLs"] >= 3 and crash["lost"] == crash["duplicated"] == 0
    fuzz = drills["bad input (fuzz)"]
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        assert "hypothesis is not installed" in fuzz["skipped"]
    else:
        counts = {c["name"]: c["value"] for c in fuzz["counts"]}
        assert counts["ticket inputs tried"] > 0 and counts["venue payloads tried"] > 0
        assert counts["ticket crashes"] == 0 and counts["invalid orders the ticket would send"] == 0
