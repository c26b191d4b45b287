"""The journal's disk as it fails in real life, through the real `trading-terminal`
commands in subprocesses against a running paper exchange: a damaged journal file,
and a disk that stops taking writes in the middle of an order."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.paper.embedded import start_paper_exchange
from tests.journal.test_integrity import damage_page

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "storage-key-0001", "storage-secret-00000000001"


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-storage"), faults=True,
                                  rate="calm", accounts=[(KEY, SECRET)])
    try:
        yield handle
    finally:
        handle.stop()


def cli(data_dir: Path, paper, *args: str, timeout: float = 90,
        **popen: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--data-dir", str(data_dir), "--log-level", "WARNING",
         "--paper-url", paper.url, "--paper-account", f"{KEY}:{SECRET}", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env, check=False,
        **popen)


def far_bid(paper) -> str:
    return f"{float(paper.control.book('BTC/USDT', 1)['bids'][0][0]) * 0.95:.2f}"


def place(data_dir: Path, paper, client_id: str, **popen: object) -> subprocess.CompletedProcess:
    return cli(data_dir, paper, "order", "place", "--symbol", "BTC/USDT", "--side", "buy",
               "--type", "limit", "--amount", "0.001", "--price", far_bid(paper),
               "--client-id", client_id, "--confirm", "price_deviation", **popen)


def venue_client_ids(paper) -> list[str]:
    return [o["clientOrderId"] for o in paper.control.open_orders(KEY)]


def test_a_damaged_journal_is_refused_by_every_command_and_never_written(paper, tmp_path):
    placed = place(tmp_path, paper, "before-damage")
    assert placed.returncode == 0, placed.stderr + placed.stdout
    journal = tmp_path / "data" / "journal.sqlite"
    damage_page(journal, 3)
    before = hashlib.sha256(journal.read_bytes()).hexdigest()

    refused = place(tmp_path, paper, "after-damage")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert f"the journal {journal} is damaged (SQLite quick_check: " in lines[0]
    assert "left untouched" in lines[0] and "move it aside" in lines[0]
    assert "after-damage" not in venue_client_ids(paper)  # nothing was sent

    shown = cli(tmp_path, paper, "journal", "show")
    assert shown.returncode == 1 and "is damaged" in shown.stderr
    assert "Traceback" not in shown.stderr

    check = cli(tmp_path, paper, "journal", "check")
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert check.stdout.strip()  # every problem SQLite found, one per line
    assert f"the journal {journal} is damaged (SQLite integrity_check: " in check.stderr
    assert hashlib.sha256(journal.read_bytes()).hexdigest() == before  # never written

    # What the message advises: move it aside, start again; the open order is adopted.
    os.replace(journal, journal.with_name("journal.sqlite.damaged"))
    for companion in ("-wal", "-shm"):
        journal.with_name("journal.sqlite" + companion).unlink(missing_ok=True)
    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    assert "before-damage" in listed.stdout and "ext" in listed.stdout
    sound = cli(tmp_path, paper, "journal", "check")
    assert sound.returncode == 0 and sound.stdout.startswith(f"journal {journal}: ok")
    assert cli(tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT",
               "--client-id", "before-damage").returncode == 0
