"""Crash drill: SIGKILL a trading process at the worst moments, then reconcile.

    python -m terminal.drills.crash [--trials 35]

One paper exchange serves every trial. Each trial is one worker process
(terminal.drills.crash_worker) that first reconciles what the previous, killed worker
left, reports, then trades until it is killed: at a kill point of its own (intent
committed, request on the wire, reply in hand but not journaled; the same for cancels)
or by the drill on a random timer. After every reconciliation the journal is compared
with the venue's own list of the account's orders:
- lost: an order on the venue the journal does not have (or only as an adopted one);
- duplicate: two venue orders with one client order id (an order sent twice);
- mismatch: status, filled amount or fills differ, an order still unknown after
  reconciliation, or a journal order that is not REJECTED but absent on the venue.
All three must stay 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async

from terminal.domain.ids import ClientOrderId
from terminal.domain.order import OrderStatus
from terminal.drills.result import DrillResult
from terminal.journal import SqlJournal
from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at
from terminal.paper.embedded import start_paper_exchange

KEY, SECRET = "drill-key-0001", "drill-secret-000000000001"
KINDS = [
    "intent_committed",
    "in_flight",
    "reply_received",
    "cancel_before_send",
    "cancel_in_flight",
    "cancel_reply",
    "none",
]
TRIALS = 35
RAW_STATUS = {
    "NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}


class Worker:
    def __init__(self, url: str, journal: Path, spec: dict) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "terminal.drills.crash_worker",
                url,
                KEY,
                SECRET,
                str(journal),
                json.dumps(spec),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
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
                raise DrillFailed(f"worker exited (rc={self.proc.wait(5)}) before {prefix}")
            if line.startswith(prefix):
                return line[len(prefix) :]

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


async def compare(paper: Any, journal_path: Path) -> tuple[Counter, list[str]]:
    """Journal vs venue, over every order of the drill account."""
    journal = SqlJournal.open(f"sqlite:///{journal_path}", read_only=True)
    try:
        orders = {o.client_order_id: o for o in await journal.order_history(venue="paper")}
        fills = await journal.fills(venue="paper")
    finally:
        journal.close()
    ex = point_ccxt_at(ccxt_async.binance(paper_ccxt_config(KEY, SECRET)), paper.url)
    try:
        await ex.load_markets()
        venue_orders = await ex.fetch_orders("BTC/USDT", params={"limit": 1000})
        trades = await ex.fetch_my_trades("BTC/USDT", params={"limit": 1000})
    finally:
        await ex.close()
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
        order = orders.get(ClientOrderId(coid))
        if order is None or order.external:
            counts["lost"] += 1
            problems.append(f"lost: {coid} ({found[0]['info']['status']})")
            continue
        vo = found[0]
        if (
            RAW_STATUS[vo["info"]["status"]] is not order.status
            or Decimal(vo["info"]["executedQty"]) != order.filled
            or journal_trades.get(coid, set()) != venue_trades.get(str(vo["id"]), set())
        ):
            counts["mismatch"] += 1
            problems.append(
                f"mismatch: {coid} journal {order.status.value} {order.filled} vs "
                f"venue {vo['info']['status']} {vo['info']['executedQty']}"
            )
    for coid, order in orders.items():
        if order.status in (
            OrderStatus.UNKNOWN,
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.PENDING_CANCEL,
        ):
            counts["mismatch"] += 1
            problems.append(f"unsettled: {coid} {order.status.value}")
        elif coid not in by_coid and order.status is not OrderStatus.REJECTED:
            counts["mismatch"] += 1
            problems.append(f"phantom: {coid} {order.status.value} not on the venue")
    counts["orders"] = len(orders)
    counts["venue_orders"] = len(venue_orders)
    return counts, problems


class DrillFailed(RuntimeError):
    """The drill could not go on (a worker died before reporting, a check broke)."""


def run_drill(
    trials: int,
    data_dir: Path,
    seed: int = 20261121,
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """`trials` workers, each reconciled, compared with the venue and killed; returns the
    counts (lost, duplicate, mismatch, kills) and the windows the kills hit."""
    rng = random.Random(seed)
    # Each restart loads markets and reconciles, plus a comparison after each: far above
    # Binance's 6,000 weight a minute, which a real terminal restarted once in a while
    # never approaches. The drill is about crashes, not rate limits, so lift it.
    paper = start_paper_exchange(
        data_dir / "paper",
        faults=False,
        rate="calm",
        accounts=[(KEY, SECRET)],
        weight_per_minute=1_000_000,
    )
    journal = data_dir / "journal.sqlite"
    kills: Counter = Counter()
    settled: Counter = Counter()  # "pending_submit -> open" etc.: the windows that were hit
    counts: Counter = Counter()
    problems: list[str] = []
    started = time.monotonic()
    try:
        for trial in range(trials + 1):
            last = trial == trials
            kind = KINDS[trial % len(KINDS)]
            spec = {"kill": kind, "at_op": rng.randrange(0, 4), "seed": trial, "ops": 6}
            worker = Worker(paper.url, journal, spec)
            result = json.loads(worker.expect("RECONCILED "))
            if result["error"] is not None or result["unknown"]:
                problems.append(f"after trial {trial - 1}: reconciliation {result}")
            for item in result["settled"]:
                settled[item.split(": ", 1)[1].split(" (")[0]] += 1
            counts, found = asyncio.run(compare(paper, journal))
            problems += [f"after trial {trial - 1}: {p}" for p in found]
            if last:
                worker.send("STOP")
                if worker.finish() != 0:
                    problems.append("the last worker did not exit cleanly")
                break
            worker.send("GO")
            if kind == "none":  # the parent's own SIGKILL, at a random moment
                time.sleep(rng.uniform(0.05, 0.6))
                if worker.proc.poll() is None:
                    os.kill(worker.proc.pid, signal.SIGKILL)
            rc = worker.finish()
            kills["killed" if rc == -signal.SIGKILL else f"exit {rc}"] += 1
            log(f"crash drill: trial {trial + 1}/{trials} {kind}: rc {rc}")
    finally:
        paper.stop()
    return {
        "trials": trials,
        "seconds": time.monotonic() - started,
        "kills": dict(kills),
        "killed": kills["killed"],
        "orders": counts["orders"],
        "venue_orders": counts["venue_orders"],
        "lost": counts["lost"],
        "duplicate": counts["duplicate"],
        "mismatch": counts["mismatch"],
        "settled": dict(settled),
        "problems": problems,
        # the windows were really hit: orders left in flight by a kill were settled
        "in_flight_rejected": settled["pending_submit -> rejected"],
        "in_flight_sent": sum(
            n
            for k, n in settled.items()
            if k.startswith("pending_submit -> ") and not k.endswith("rejected")
        ),
        "cancel_in_flight": sum(
            n for k, n in settled.items() if k.startswith("pending_cancel -> ")
        ),
    }


def run(quick: bool) -> DrillResult:
    """The drills command's crash drill: 50 SIGKILLs (quick: 8)."""
    trials = 8 if quick else 50
    result = DrillResult("crash")
    with tempfile.TemporaryDirectory(prefix="drill-crash-") as tmp:
        got = run_drill(trials, Path(tmp))
    result.add("SIGKILLs", got["killed"], at_least=trials - 5)
    result.add("orders journaled", got["orders"])
    result.add("lost", got["lost"], must_be=0)
    result.add("duplicated", got["duplicate"], must_be=0)
    result.add("mismatched or unsettled", got["mismatch"], must_be=0)
    result.add("problems found after a trial", len(got["problems"]), must_be=0)
    result.add("killed in flight, settled as sent", got["in_flight_sent"])
    result.add("killed before/while sending, settled rejected", got["in_flight_rejected"])
    result.add("killed while cancelling, settled", got["cancel_in_flight"])
    if got["problems"]:
        result.notes = "; ".join(got["problems"][:5])
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--trials", type=int, default=35)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="drill-crash-") as tmp:
        got = run_drill(a.trials, Path(tmp), log=print)
    print(json.dumps(got, indent=1))
    return 0 if not (got["lost"] or got["duplicate"] or got["mismatch"] or got["problems"]) else 1


if __name__ == "__main__":
    sys.exit(main())
