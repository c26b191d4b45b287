"""The standalone command, the embedded launcher's lifecycle, persistence and --reset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terminal.paper.cli import build_parser
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_parser_accepts_documented_flags() -> None:
    a = build_parser().parse_args(
        [
            "--port",
            "8765",
            "--seed",
            "3",
            "--data-dir",
            "/tmp/x",
            "--account",
            "k:s",
            "--account",
            "k2:s2",
            "--faults",
            "--reset",
            "--rate",
            "stress",
            "--diffs-per-second",
            "20000",
            "--levels-per-diff",
            "20",
            "--stress-symbol",
            "BTC/USDT",
            "--orders-per-10s",
            "5",
            "--weight-per-minute",
            "100",
        ]
    )
    assert a.account == [("k", "s"), ("k2", "s2")] and a.faults and a.reset
    assert a.rate == "stress" and a.diffs_per_second == 20000 and a.orders_per_10s == 5
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--account", "no-colon"])


def test_standalone_prints_ready_line_and_default_key_persists(tmp_path: Path) -> None:
    def run_once() -> tuple[str, str]:
        p = subprocess.Popen(
            [sys.executable, "-m", "terminal.paper", "--port", "0", "--data-dir", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            account = ready = ""
            deadline = time.monotonic() + 30
            assert p.stdout is not None
            while not ready and time.monotonic() < deadline:
                line = p.stdout.readline()
                if line.startswith("PAPER_EXCHANGE_ACCOUNT"):
                    account = line.split()[1]
                elif line.startswith("PAPER_EXCHANGE_READY"):
                    ready = line.split()[1]
            assert ready.startswith("http://127.0.0.1:") and account
            return account, ready
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(10) == 0

    key1, _ = run_once()
    key2, _ = run_once()
    assert key1 == key2  # created on first start, kept in the data dir


def test_embedded_stop_and_persistence_and_reset(tmp_path: Path) -> None:
    acct = ("persist-key", "persist-secret")

    async def place(h) -> str:
        async with paper_rest(h, account=acct) as ex:
            await ex.load_markets()
            bid = (await ex.fetch_order_book("BTC/USDT", 5))["bids"][0][0]
            o = await ex.create_order("BTC/USDT", "limit", "buy", 0.001, round(bid * 0.8, 2))
            await ex.create_order("BTC/USDT", "market", "buy", 0.001)
            return o["id"]

    async def state(h):
        async with paper_rest(h, account=acct) as ex:
            await ex.load_markets()
            return (
                await ex.fetch_open_orders("BTC/USDT"),
                await ex.fetch_balance(),
                await ex.fetch_my_trades("BTC/USDT"),
            )

    with start_paper_exchange(tmp_path, accounts=[acct]) as h:
        assert h.accounts[0] == acct and len(h.accounts) == 2  # plus the default key
        oid = run_async(place(h))
        before = run_async(state(h))
        pid = h.pid
    assert _wait_dead(pid, 5)
    with start_paper_exchange(tmp_path, accounts=[acct]) as h:
        opened, bal, trades = run_async(state(h))
        assert [o["id"] for o in opened] == [oid]
        assert bal["BTC"]["total"] == pytest.approx(before[1]["BTC"]["total"])
        assert bal["USDT"]["used"] == pytest.approx(before[1]["USDT"]["used"])
        assert bal["USDT"]["used"] > 0
        assert len(trades) == len(before[2]) > 0
        # new orders continue the id sequence
        assert int(run_async(place(h))) > int(oid)
    with start_paper_exchange(tmp_path, accounts=[acct], reset=True) as h:
        opened, bal, trades = run_async(state(h))
        assert opened == [] and trades == []
        assert bal["USDT"]["free"] == 100000 and bal["BTC"]["free"] == 1


def test_child_exits_when_parent_dies(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from terminal.paper.embedded import start_paper_exchange\n"
        f"h = start_paper_exchange({str(tmp_path)!r})\n"
        "print(h.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()  # no atexit, no stop(): the child must notice by itself
        parent.wait(5)
        assert _wait_dead(child, 5), "paper exchange outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    h = start_paper_exchange(tmp_path)
    os.kill(h.pid, signal.SIGSTOP)  # a stuck child cannot handle SIGTERM
    t = time.monotonic()
    h.stop(timeout=1.0)
    assert time.monotonic() - t < 4 and not h.alive() and _wait_dead(h.pid, 2)
