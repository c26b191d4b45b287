"""A headless command's stderr carries its errors and warnings; INFO lines only with -v."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--data-dir", str(tmp_path), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_info_lines_reach_stderr_only_with_verbose(tmp_path: Path) -> None:
    quiet = _run(tmp_path, "reconcile", "--venue", "paper")
    assert quiet.returncode == 0, quiet.stderr
    assert " INFO " not in quiet.stderr, quiet.stderr
    assert quiet.stdout.strip()  # the answer itself is on stdout
    log_file = tmp_path / "logs" / "terminal.log"
    assert " INFO " in log_file.read_text(encoding="utf-8")  # the log file still has them

    loud = _run(tmp_path, "-v", "reconcile", "--venue", "paper")
    assert loud.returncode == 0, loud.stderr
    assert " INFO " in loud.stderr
