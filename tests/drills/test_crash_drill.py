"""Crash drill: SIGKILL a trading process at the worst moments, then reconcile.

One paper exchange serves every trial. Each trial is one worker process (see
crash_worker.py) that first reconciles what the previous, killed worker left, reports,
then trades until it is killed: at a kill point of its own (intent committed, request
on the wire, reply in hand but not journaled; the same for cancels) or by this test on
a random timer. After every reconciliation the journal is compared with the venue's
own list of the account's orders:
- lost: an order on the venue the journal does not have (or only as an adopted one);
- duplicate: two venue orders with one client order id (an order sent twice);
- mismatch: status, filled amount or fills differ, an order still unknown after
  reconciliation, or a journal order that is not REJECTED but absent on the venue.
All three must stay 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.domain.order import OrderStatus
from terminal.journal import SqlJournal
from terminal.paper.embedded import start_paper_exchange
from tests.fixtures_paper import paper_rest

KEY, SECRET = "drill-key-0001", "drill-secret-000000000001"
KINDS = ["intent_committed", "in_flight", "reply_received", "cancel_before_send",
         "cancel_in_flight", "cancel_reply", "none"]
TRIALS = 35
RAW_STATUS = {"NEW": OrderStatus.OPEN, "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
              "FILLED": OrderStatus.FILLED, "CANCELED": OrderStatus.CANCELED,
              "EXPIRED": OrderStatus.EXPIRED, "REJECTED": OrderStatus.REJECTED}
ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, url: str, journal: Path, spec: dict) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.drills.crash_worker", url, KEY, SECRET, str(journal),
             json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, cwd=ROOT, env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"worker exited (rc={self.proc.wait(5)}) before {prefix}")
            if line.startswith(prefix):
                return line[len(prefix):]

    def send(self, text: str) -> None:
        try:
            self.proc.stdin.write(text + "\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass

    def finish(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


async def compare(paper, journal_path: Path) -> tuple[Counter, list[str]]:
    """Journal vs venue, over every order of the drill account."""
    journal = SqlJournal.open(f"sqlite:///{journal_path}", read_only=True)
    try:
        orders = {o.client_order_id: o for o in await journal.order_history(venue="paper")}
        fills = await journal.fills(venue="paper")
    finally:
        journal.close()
    async with paper_rest(paper, (KEY, SECRET)) as ex:
        await ex.load_markets()
        venue_orders = await ex.fetch_orders("BTC/USDT", params={"limit": 1000})
        trades = await ex.fetch_my_trades("BTC/USDT", params={"limit": 1000})
    counts: Counter = Counter()
    problems: list[str] = []
    by_coid: dict[str, list[dict]] = {}
    for vo in venue_orders:
        by_coid.setdefault(vo["clientOrderId"], []).append(vo)
    journal_trades: dict[str, set[str]] = {}
    for f in fills:
        journal_trades.setdefault(f.client_order_id or "", set()).add(f.trade_id)
    venue_trades: dict[str, set[str]] = {}
    for t in trades:
        venue_trades.setdefault(str(t["order"]), set()).add(str(t["id"]))
    for coid, found in by_coid.items():
        if len(found) > 1:
            counts["duplicate"] += 1
            problems.append(f"duplicate: {coid} x{len(found)}")
        order = orders.get(coid)
        if order is None or order.external:
            counts["lost"] += 1
            problems.append(f"lost: {coid} ({found[0]['info']['status']})")
            continue
        vo = found[0]
        if (RAW_STATUS[vo["info"]["status"]] is not order.status
                or Decimal(vo["info"]["executedQty"]) != order.filled
                or journal_trades.get(coid, set()) != venue_trades.get(str(vo["id"]), set())):
            counts["mismatch"] += 1
            problems.append(f"mismatch: {coid} journal {order.status.value} {order.filled} vs "
                            f"venue {vo['info']['status']} {vo['info']['executedQty']}")
    for coid, order in orders.items():
        if order.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT,
                            OrderStatus.PENDING_CANCEL):
            counts["mismatch"] += 1
            problems.append(f"unsettled: {coid} {order.status.value}")
        elif coid not in by_coid and order.status is not OrderStatus.REJECTED:
            counts["mismatch"] += 1
            problems.append(f"phantom: {coid} {order.status.value} not on the venue")
    counts["orders"] = len(orders)
    counts["venue_orders"] = len(venue_orders)
    return counts, problems


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing(tmp_path):
    rng = random.Random(20261121)
    # 36 restarts in about a minute, each loading markets and reconciling, plus this test's
    # own comparison after each: far above Binance's 6,000 weight a minute, which a real
    # terminal restarted once in a while never approaches. The drill is about crashes, not
    # rate limits (tests/paper/test_faults.py and tests/exchange cover 429), so lift it.
    paper = start_paper_exchange(tmp_path / "paper", faults=False, rate="calm",
                                 accounts=[(KEY, SECRET)], weight_per_minute=1_000_000)
    journal = tmp_path / "journal.sqlite"
    kills = Counter()
    settled: Counter = Counter()  # "pending_submit -> open" etc.: the windows that were hit
    started = time.monotonic()
    try:
        for trial in range(TRIALS + 1):
            last = trial == TRIALS
            kind = KINDS[trial % len(KINDS)]
            spec = {"kill": kind, "at_op": rng.randrange(0, 4), "seed": trial, "ops": 6}
            worker = Worker(paper.url, journal, spec)
            result = json.loads(worker.expect("RECONCILED "))
            assert result["error"] is None and result["unknown"] == [], result
            for item in result["settled"]:
                settled[item.split(": ", 1)[1].split(" (")[0]] += 1
            counts, problems = asyncio.run(compare(paper, journal))
            assert not problems, f"after trial {trial - 1}: {problems}"
            if last:
                worker.send("STOP")
                assert worker.finish() == 0
                break
            worker.send("GO")
            if kind == "none":  # the parent's own SIGKILL, at a random moment
                time.sleep(rng.uniform(0.05, 0.6))
                if worker.proc.poll() is None:
                    os.kill(worker.proc.pid, signal.SIGKILL)
            rc = worker.finish()
            kills["killed" if rc == -signal.SIGKILL else f"exit {rc}"] += 1
    finally:
        paper.stop()
    elapsed = time.monotonic() - started
    print(f"\ncrash drill: {TRIALS} trials in {elapsed:.1f} s, {dict(kills)}, "
          f"{counts['orders']} journal orders / {counts['venue_orders']} venue orders, "
          f"lost {counts['lost']}, duplicates {counts['duplicate']}, "
          f"mismatches {counts['mismatch']}\nsettled by reconciliation: {dict(settled)}")
    assert kills["killed"] >= 30
    # the windows were really hit: orders left in flight by a kill were settled
    assert settled["pending_submit -> rejected"] >= 2  # killed before / while sending
    assert sum(n for k, n in settled.items() if k.startswith("pending_submit -> ")
               and not k.endswith("rejected")) >= 2  # reply lost with the process
    assert sum(n for k, n in settled.items() if k.startswith("pending_cancel -> ")) >= 2
    assert counts["lost"] == counts["duplicate"] == counts["mismatch"] == 0
