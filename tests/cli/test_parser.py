"""A usage error is one line on stderr (with where to look for help) and exit code 2, never
argparse's usage block: the real CLI run in a subprocess, over the top level, every kind
of command (plain, with actions, passthrough to the paper exchange) and every kind of
argparse error (unknown flag, bad choice, bad value, missing argument, missing action)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--data-dir", str(data_dir), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


@pytest.mark.parametrize(
    "args,prog,problem",
    [
        (("--no-such-option",), "trading-terminal", "unrecognized arguments: --no-such-option"),
        (("frobnicate",), "trading-terminal", "invalid choice: 'frobnicate'"),
        (("venues", "--bad"), "trading-terminal venues", "unrecognized arguments: --bad"),
        (("order",), "trading-terminal order", "the following arguments are required: ACTION"),
        (
            ("order", "place", "--symbol", "BTC/USDT", "--side", "up", "--amount", "1"),
            "trading-terminal order place",
            "argument --side: invalid choice: 'up'",
        ),
        (
            ("order", "place", "--symbol", "BTC/USDT"),
            "trading-terminal order place",
            "the following arguments are required: --side, --amount",
        ),
        (("journal", "frob"), "trading-terminal journal", "invalid choice: 'frob'"),
        (("reconcile", "--bad"), "trading-terminal reconcile", "unrecognized arguments: --bad"),
        (
            ("stop", "--settle-timeout", "soon"),
            "trading-terminal stop",
            "argument --settle-timeout:",
        ),
        (("paper", "--port", "x"), "trading-terminal paper", "argument --port: not a TCP port"),
        (("paper", "--rate", "fast"), "trading-terminal paper", "argument --rate: invalid choice"),
    ],
)
def test_a_usage_error_is_one_line_with_a_help_hint(tmp_path, args, prog, problem):
    proc = run(tmp_path, *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr  # no "usage: ..." block before the error
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
    assert problem in lines[0], lines[0]
    assert lines[0].endswith(f"(see '{prog} --help')"), lines[0]


@pytest.mark.parametrize(
    "args,prog",
    [
        (("--help",), "trading-terminal"),
        (("order", "place", "--help"), "trading-terminal order place"),
    ],
)
def test_help_still_shows_the_full_usage(tmp_path, args, prog):
    proc = run(tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: {prog} ")
