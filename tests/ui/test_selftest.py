"""`trading-terminal --self-test` from source: the real app (window offscreen, embedded paper
exchange child process, journal) checks itself and says so with its exit code.
The bundle runs the same check in .ci/run (packaging/ci_bundle.sh)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(200)
ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--self-test", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_self_test_places_and_cancels_an_order_and_cleans_up() -> None:
    out = _run()
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    steps = [
        "window shown",
        "services up",
        "live book painted",
        "order entry open",
        "order placed (open)",
        "order cancelled",
        "journal has both",
        "crash notice shown",
    ]
    for step in steps:
        assert any(line.startswith(f"self-test: {step}") for line in lines), (step, lines)
    assert lines[-1].startswith("self-test: OK in ")
    assert any(line.startswith("self-test: keychain ") and "API keys" in line for line in lines)
    data_dir = Path(lines[0].split("data in ", 1)[1])
    assert not data_dir.exists(), "the temporary data dir was left behind"


def test_self_test_fails_with_one_line_reason(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = _run(
        "--data-dir",
        str(tmp_path),
        "--paper-url",
        f"http://127.0.0.1:{port}",
        "--paper-account",
        "k:s",
    )
    assert out.returncode == 1, out.stdout
    failed = [line for line in out.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "cannot connect" in failed[0], out.stdout
    assert "Traceback" not in out.stdout
    assert (tmp_path / "logs").is_dir()  # kept for the user to read
