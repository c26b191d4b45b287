"""A bracket held by this terminal survives a real SIGKILL of the real process holding it
and a restart on the same journal (real ccxt client, real paper exchange, loopback).

1. Its entry partly filled, its stop and target placed for that part; the process is
   SIGKILLed; the rest of the entry fills while nothing runs; the restarted process
   places the pair for the whole amount (the smaller one cancelled): exactly one stop
   and one target, for everything the entry bought, rest on the venue.
2. Its entry fills while nothing runs and the price then falls past the stop: the
   restarted process places nothing and says so (a stop past the price would sell at
   once), leaving the decision to the user.

The simulated market is paused; only forced trades move the price.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.test_conditional_orders import force, last_at_the_ask
from tests.integration.test_orders_helpers import BTC, order_stack

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(tmp_path_factory.mktemp("paper-sigkill"), rate="calm")
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


class Worker:
    """One real terminal process (tests/integration/bracket_worker.py)."""

    def __init__(self, paper: Any, journal: Path, *args: str) -> None:
        key, secret = paper.accounts[0]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.bracket_worker",
                paper.url,
                key,
                secret,
                str(journal),
                *args,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        self.lines: dict[str, Any] = {}

    def read(self, tag: str, timeout: float = 90.0) -> Any:
        """The JSON after `tag` on the worker's stdout (fails when it ends without)."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                pytest.fail(f"worker ended before {tag}: {err[-2000:]}")
            if line.startswith(tag + " "):
                return json.loads(line[len(tag) + 1 :])
        pytest.fail(f"no {tag} from the worker within {timeout:.0f} s")

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def venue_open(paper: Any) -> dict[str, dict]:
    async def fetch() -> list[dict]:
        async with paper_rest(paper) as ex:
            return await ex.fetch_open_orders(BTC)

    return {o["clientOrderId"]: o for o in run_async(fetch(), timeout=30)}


def market(paper: Any, tmp_path: Path) -> tuple[Decimal, Decimal, Decimal]:
    """The last price (a forced trade at the ask) and the best ask with its size."""

    async def read() -> tuple[Decimal, Decimal, Decimal]:
        async with order_stack(paper, tmp_path / "probe.sqlite", reconcile=False) as (s, _j, _v):
            last = await last_at_the_ask(paper, s)
        book = await asyncio.to_thread(paper.control.book, BTC, 3)
        return last, Decimal(book["asks"][0][0]), Decimal(book["asks"][0][1])

    return run_async(read(), timeout=60)


def test_partly_filled_bracket_survives_sigkill_and_grows_its_legs_on_restart(paper, tmp_path):
    journal = tmp_path / "journal.sqlite"
    last, ask, ask_qty = market(paper, tmp_path)
    amount = (ask_qty + Decimal("0.005")).quantize(Decimal("0.00001"))
    stop, target = last - 60, last + 60
    a = Worker(paper, journal, "place", str(amount), str(ask), str(stop), str(target))
    placed = a.read("PLACED")
    assert placed["status"] == "partially_filled", placed
    first = Decimal(placed["filled"])
    (before,) = a.read("BRACKETS")
    assert Decimal(before["covered"]) == first
    assert {(leg["role"], Decimal(leg["amount"])) for leg in before["legs"]} == {
        ("stop", first),
        ("target", first),
    }
    first_legs = {leg["id"] for leg in before["legs"]}
    assert first_legs <= set(venue_open(paper))
    a.sigkill()  # no clean-up, no goodbye: the journal and the venue are as they were

    run_async(force(paper, "SELL", ask), timeout=30)  # the rest of the entry fills meanwhile
    assert placed["entry"] not in venue_open(paper)  # the entry is done on the venue

    b = Worker(paper, journal, "watch")
    restored = b.read("RESTORED")
    assert restored["ok"], restored
    (after,) = b.read("BRACKETS")
    try:
        assert Decimal(after["covered"]) == amount, after
        assert len(after["pairs"]) == 2
        legs = {leg["role"]: leg for leg in after["legs"]}
        assert set(legs) == {"stop", "target"}
        assert all(Decimal(leg["amount"]) == amount for leg in legs.values())
        on_venue = venue_open(paper)
        # exactly the grown pair rests on the venue; the smaller one is gone
        assert set(on_venue) == {leg["id"] for leg in legs.values()}, on_venue.keys()
        assert not first_legs & set(on_venue)
        by_role = {legs[r]["id"]: r for r in legs}
        for coid, o in on_venue.items():
            assert Decimal(str(o["amount"])) == amount and o["side"] == "sell"
            if by_role[coid] == "stop":
                assert Decimal(str(o["triggerPrice"])) == stop
            else:
                assert Decimal(str(o["price"])) == target
    finally:
        b.sigkill()
    cleanup(paper, journal, tmp_path)


def test_entry_filled_while_down_and_price_past_the_stop_places_nothing(paper, tmp_path):
    journal = tmp_path / "journal.sqlite"
    last, _ask, _q = market(paper, tmp_path)
    entry, stop, target = last - 10, last - 40, last + 100
    a = Worker(paper, journal, "place", "0.01000", str(entry), str(stop), str(target))
    placed = a.read("PLACED")
    assert placed["status"] == "open" and placed["filled"] == "0", placed
    a.sigkill()

    run_async(force(paper, "SELL", entry - 5), timeout=30)  # fills the entry ...
    run_async(force(paper, "SELL", stop - 20), timeout=30)  # ... then the price falls past the stop

    b = Worker(paper, journal, "watch")
    restored = b.read("RESTORED")
    (after,) = b.read("BRACKETS")
    try:
        assert after["legs"] == [] and after["covered"] == "0", after
        warnings = [text for level, text in restored["notices"] if level == "warning"]
        assert any(placed["list_id"] in w and "stop" in w for w in warnings), restored
        assert venue_open(paper) == {}
    finally:
        b.sigkill()


def cleanup(paper: Any, journal: Path, tmp_path: Path) -> None:
    """Cancel what the test left on the venue (the journal's lock is free again)."""

    async def run() -> None:
        async with order_stack(paper, journal) as (_s, j, svc):
            for lst in await j.order_lists(open_only=True):
                await svc.cancel_list(lst.list_id)

    run_async(run(), timeout=60)
