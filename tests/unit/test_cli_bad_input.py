"""Bad input and a bad environment give one line on stderr and a non-zero exit, never a
traceback: each command run as a user runs it, in a subprocess.

None of these reach a venue: the input is refused before anything connects (the paper
exchange is never started), or the environment fails before it could be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLACE = ("order", "place", "--symbol", "BTC/USDT", "--side", "buy", "--type", "limit")


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--data-dir", str(data_dir), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def assert_one_line(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "amount,words",
    [
        ("1e400", ("--amount", "scientific notation")),
        ("1e-3", ("--amount", "scientific notation", "0.001")),
        ("12345678901234567890123456789", ("--amount", "too large")),
        ("-1", ("--amount", "above zero")),
        ("1,500", ("--amount", "ambiguous")),
        ("NaN", ("--amount", "not a number")),
    ],
)
def test_amounts_that_are_not_plain_positive_numbers_are_refused(tmp_path, amount, words):
    proc = run(tmp_path, *PLACE, "--amount", amount, "--price", "100")
    assert_one_line(proc, 2, "trading-terminal order: error:", *words)


def test_a_price_in_scientific_notation_is_refused(tmp_path):
    proc = run(tmp_path, *PLACE, "--amount", "0.01", "--price", "1e5")
    assert_one_line(proc, 2, "--price", "100000")


def test_unknown_venue_is_named(tmp_path):
    proc = run(
        tmp_path,
        "order",
        "place",
        "--venue",
        "nope",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "1",
        "--price",
        "1",
    )
    assert_one_line(proc, 2, "unknown venue 'nope'", "known: paper")


@pytest.mark.parametrize("command", [("order", "list"), ("journal", "show")])
@pytest.mark.parametrize("limit", ["0", "-5", "abc"])
def test_limit_must_be_one_or_more(tmp_path, command, limit):
    proc = run(tmp_path, *command, "--limit", limit)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"argument --limit: must be a whole number of 1 or more, not '{limit}'" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("order", "cancel", "--symbol", "BTC/USDT", "--client-id", "abc\n"),
        ("order", "amend", "--symbol", "BTC/USDT", "--client-id", "abc\n", "--price", "1"),
        (*PLACE, "--amount", "1", "--price", "1", "--client-id", "abc\n"),
    ],
)
def test_a_client_id_with_a_trailing_newline_never_reaches_a_venue(tmp_path, args):
    proc = run(tmp_path, *args)
    assert_one_line(proc, 2, "invalid client order id")
    assert not (tmp_path / "data").exists()  # refused before the journal or a venue


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nothing can be written in: a read-only tmpfs when running as root
    (root ignores permission bits), otherwise a directory without write permission."""
    target = tmp_path / "ro"
    target.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(target)],
            check=False,
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a read-only file system: {mounted.stderr.strip()}")
        try:
            yield target
        finally:
            subprocess.run(["umount", str(target)], check=False)
    else:
        target.chmod(0o500)
        try:
            yield target
        finally:
            target.chmod(0o700)


@pytest.mark.parametrize(
    "args", [("order", "list"), ("journal", "show"), ("reconcile",), ("venues",)]
)
def test_read_only_data_dir_is_one_line(read_only_dir, args):
    proc = run(read_only_dir / "data-dir", *args)
    line = assert_one_line(proc, 1, f"trading-terminal {args[0]}: error: cannot use")
    assert str(read_only_dir) in line
    assert "read-only file system" in line or "permission denied" in line


def test_describe_names_the_problem_without_a_traceback():
    import errno

    from terminal.cli.failures import describe

    assert (
        describe(OSError(errno.ENOSPC, "No space left on device", "/d/journal.sqlite"))
        == "cannot use /d/journal.sqlite: no space left on the device"
    )
    assert describe(KeyError("unknown venue 'x'")) == "unknown venue 'x'"
    assert describe(RuntimeError("boom\nsecond line")) == "RuntimeError: boom second line"


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_paper_port_out_of_range_is_a_usage_error(tmp_path, port):
    proc = run(tmp_path, "paper", "--port", port)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"argument --port: not a TCP port (0-65535): '{port}'" in proc.stderr


def test_gui_on_a_read_only_data_dir_is_one_line(read_only_dir):
    proc = run(read_only_dir / "data-dir")  # no command: the GUI
    line = assert_one_line(proc, 1, "trading-terminal: error: cannot use")
    assert str(read_only_dir) in line


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "soon"])
def test_stop_settle_timeout_must_be_finite_seconds(tmp_path, value):
    proc = run(tmp_path, "stop", "--settle-timeout", value)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "argument --settle-timeout:" in proc.stderr and value in proc.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was engaged


@pytest.mark.parametrize(
    "args",
    [
        ("--diffs-per-second", "inf"),
        ("--diffs-per-second", "nan"),
        ("--levels-per-diff", "-5"),
        ("--backfill", "-1"),
        ("--ws-buffer-mb", "0"),
        ("--maker-fee", "NaN"),
        ("--taker-fee", "-0.1"),
    ],
)
def test_paper_numbers_out_of_range_are_usage_errors(tmp_path, args):
    proc = run(tmp_path, "paper", "--port", "0", *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"argument {args[0]}: expected" in proc.stderr
