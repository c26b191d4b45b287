"""The headless commands, as a user runs them, against a running paper exchange.

`trading-terminal --paper-url URL --paper-account KEY:SECRET ...` in a subprocess: the
same order service and journal as the GUI, with clear errors and exit codes.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.paper.embedded import start_paper_exchange

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "cli-key-000001", "cli-secret-0000000000001"


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-cli"), faults=False, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        yield handle
    finally:
        handle.stop()


def cli(data_dir: Path, paper, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "WARNING",
            "--paper-url",
            paper.url,
            "--paper-account",
            f"{KEY}:{SECRET}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def bid_price(paper) -> float:
    return float(paper.control.book("BTC/USDT", 1)["bids"][0][0])


def test_place_list_cancel_export(paper, tmp_path):
    far = f"{bid_price(paper) * 0.9:.2f}"
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--venue",
        "paper",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--price",
        far,
        "--post-only",
        "--client-id",
        "cli-order-1",
        "--confirm",
        "price_deviation",
    )
    assert placed.returncode == 0, placed.stderr
    assert "client order id: cli-order-1" in placed.stdout and "state: open" in placed.stdout

    listed = cli(tmp_path, paper, "order", "list", "--venue", "paper", "--open")
    assert listed.returncode == 0 and "cli-order-1" in listed.stdout and "post" in listed.stdout

    market = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "market",
        "--amount",
        "0.001",
    )
    assert market.returncode == 0, market.stderr + market.stdout
    assert "state: filled" in market.stdout

    canceled = cli(
        tmp_path,
        paper,
        "order",
        "cancel",
        "--venue",
        "paper",
        "--symbol",
        "BTC/USDT",
        "--client-id",
        "cli-order-1",
    )
    assert canceled.returncode == 0 and "canceled" in canceled.stdout

    shown = cli(tmp_path, paper, "journal", "show", "--venue", "paper")
    assert shown.returncode == 0 and "cli-order-1" in shown.stdout and "canceled" in shown.stdout
    history = cli(tmp_path, paper, "journal", "show", "--events", "cli-order-1")
    assert [line.split()[2] for line in history.stdout.splitlines()[1:]] == [
        "Intent",
        "OrderAccepted",
        "CancelRequested",
        "OrderCanceled",
    ]

    exported = cli(
        tmp_path,
        paper,
        "journal",
        "export",
        "--orders",
        str(tmp_path / "o.csv"),
        "--fills",
        str(tmp_path / "f.csv"),
    )
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader((tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()))
    assert {r["client_order_id"]: r["status"] for r in rows}["cli-order-1"] == "canceled"
    fills = list(csv.DictReader((tmp_path / "f.csv").read_text(encoding="utf-8").splitlines()))
    assert len(fills) >= 1 and all(f["venue"] == "paper" for f in fills)


def test_refusals_and_errors_are_clear(paper, tmp_path):
    tiny = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.000001",
        "--price",
        "100",
    )
    assert tiny.returncode == 1 and "refused [" in tiny.stdout and "minimum" in tiny.stdout

    no_price = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
    )
    assert no_price.returncode == 2 and "needs --price" in no_price.stderr

    unknown = cli(
        tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", "no-such-order"
    )
    assert unknown.returncode == 1 and "no order no-such-order" in unknown.stderr

    broke = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "100",
        "--price",
        f"{bid_price(paper) * 0.99:.2f}",
    )
    assert broke.returncode == 1 and "refused" in broke.stdout  # balance / notional precautions

    empty = tmp_path / "empty"
    shown = cli(empty, paper, "journal", "show")
    assert shown.returncode == 1 and "no journal at" in shown.stderr


def test_reconcile_adopts_and_second_instance_is_refused(paper, tmp_path):
    far = f"{bid_price(paper) * 0.9:.2f}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # another client on the same account places an order
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import asyncio\n"
                "from tests.fixtures_paper import paper_rest\n"
                f"class H: url={paper.url!r}; accounts=[({KEY!r}, {SECRET!r})]\n"
                "async def main():\n"
                "    async with paper_rest(H) as ex:\n"
                "        await ex.load_markets()\n"
                f"        await ex.create_order('BTC/USDT','limit','buy',0.001,{far},"
                "params={'clientOrderId':'from-elsewhere'})\n"
                "asyncio.run(main())\n"
            ),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr
    result = cli(tmp_path, paper, "reconcile", "--venue", "paper")
    assert result.returncode == 0, result.stderr
    assert "1 adopted" in result.stdout and "from-elsewhere" in result.stdout

    journal = tmp_path / "data" / "journal.sqlite"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from terminal.journal import SqlJournal; "
            f"j = SqlJournal.open('sqlite:///{journal}'); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = cli(tmp_path, paper, "order", "list")
        assert second.returncode == 1
        assert "in use by another trading-terminal process" in second.stderr
        assert f"pid {holder.pid}" in second.stderr
        readonly = cli(tmp_path, paper, "journal", "show")  # readers still work
        assert readonly.returncode == 0 and "from-elsewhere" in readonly.stdout
    finally:
        holder.kill()
        holder.wait(10)
    cancel_all = cli(tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--all")
    assert cancel_all.returncode == 0 and "from-elsewhere" in cancel_all.stdout
    assert not paper.control.open_orders(KEY)


def test_export_to_a_path_that_cannot_be_written_is_one_line(paper, tmp_path):
    assert cli(tmp_path, paper, "order", "list").returncode == 0  # a journal to export
    for target in (tmp_path / "no-such-folder" / "o.csv", tmp_path):  # missing dir, a dir
        proc = cli(tmp_path, paper, "journal", "export", "--orders", str(target))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        [line] = proc.stderr.strip().splitlines()
        assert line.startswith("trading-terminal journal: error: not exported: cannot use ")
        assert str(target) in line


def test_order_list_after_a_failed_reconcile_fails(tmp_path_factory, tmp_path):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-faults"), faults=True, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        handle.control.rest_errors(status=503, fraction=1.0, path="/api/v3/openOrders")
        proc = cli(tmp_path, handle, "order", "list", "--venue", "paper", timeout=150)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        # the last line is the command's answer (the retry loop may log a warning first)
        line = proc.stderr.strip().splitlines()[-1]
        assert line.startswith("trading-terminal order: error: reconciling paper failed")
        assert "last known state" in line
        handle.control.clear_faults()
        again = cli(tmp_path, handle, "order", "list", "--venue", "paper", timeout=150)
        assert again.returncode == 0, again.stderr
    finally:
        handle.stop()


def test_numbers_are_printed_plain_with_the_venue_precision(paper, tmp_path):
    far = f"{bid_price(paper) * 0.9:.2f}"
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0,0012",
        "--price",
        far + "000",
        "--client-id",
        "cli-plain-1",
        "--confirm",
        "price_deviation",
    )
    assert placed.returncode == 0, placed.stderr
    line = placed.stdout.strip().splitlines()[-1]
    assert " 0.00120 @ " + far + " " in line  # BTC/USDT: step 0.00001, tick 0.01
    listed = cli(tmp_path, paper, "order", "list", "--open")
    row = next(r for r in listed.stdout.splitlines() if r.startswith("cli-plain-1"))
    assert "0.00120" in row and far in row and "E+" not in row and "E-" not in row
    cli(tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", "cli-plain-1")
