"""Several sessions in one terminal, with real processes: two accounts of the paper
venue (created through the paper exchange's control API) and the account of a second
paper exchange, on one journal and one order service.

1. A real terminal process places two orders in each session and is SIGKILLed.
2. While nothing runs, one order of each session is cancelled on its own account.
3. A new process reconciles each session against its own account: the cancelled order
   is settled in that session only, the other stays open; every order shows only under
   its session (order service, journal, and the open-orders panel's session filter).
4. The emergency stop on one session cancels only that session's orders and refuses its
   next order; the other sessions keep theirs and still take orders.

The journal migration that keys existing rows by session is tested with rows of every
table in tests/journal/test_migration_sessions.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.core.orders.errors import SubmitRefused
from terminal.core.orders.service import OrderService
from terminal.core.safety import (
    PrecautionConfig,
    SafetyState,
    StopScope,
    StopTarget,
    order_service_sink,
)
from terminal.domain.enums import OrderType, Side
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.journal import SqlJournal
from terminal.ui.panels.open_orders import OpenOrdersPanel
from tests.fixtures_paper import paper_rest, run_async
from tests.integration.sessions_worker import BTC, connect_all, manager_for
from tests.integration.test_orders_helpers import FAST

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)
LABELS = ("paper/paper/alice", "paper/paper/bob", "paper2/paper/default")


def venue_open(handle: Any, account: tuple[str, str]) -> list[str]:
    return sorted(o["clientOrderId"] for o in handle.control.open_orders(account[0]))


def cancel_on_venue(handle: Any, account: tuple[str, str], client_id: str) -> None:
    async def go() -> None:
        async with paper_rest(handle, account) as ex:
            await ex.cancel_order(None, str(BTC), {"origClientOrderId": client_id})

    run_async(go(), 30)


def test_three_sessions_side_by_side(paper_exchange_factory, tmp_path: Path, qtbot) -> None:
    paper = paper_exchange_factory(faults=False)
    paper2 = paper_exchange_factory(faults=False)
    for h in (paper, paper2):
        h.control.pause()  # a still market: the far bids never fill
    made = {n: paper.control.create_account({"USDT": "5000"}) for n in ("alice", "bob")}
    accounts = {n: (a["apiKey"], a["secret"]) for n, a in made.items()}
    own = {
        LABELS[0]: (paper, accounts["alice"]),
        LABELS[1]: (paper, accounts["bob"]),
        LABELS[2]: (paper2, tuple(paper2.accounts[0])),
    }
    bid = Decimal(paper.control.book(str(BTC), 1)["bids"][0][0])
    bid2 = Decimal(paper2.control.book(str(BTC), 1)["bids"][0][0])
    price = str((min(bid, bid2) * Decimal("0.8")).quantize(Decimal("0.01")))
    cfg = {
        "paper": paper.url,
        "paper2": paper2.url,
        "accounts": accounts,
        "paper2_account": list(paper2.accounts[0]),
        "price": price,
    }
    journal_path = tmp_path / "journal.sqlite"

    # 1. a real terminal process places two orders per session, then is SIGKILLed
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.sessions_worker",
            json.dumps(cfg),
            str(journal_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    try:
        placed = None
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while placed is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"worker ended: {proc.stderr.read()[-3000:] if proc.stderr else ''}")
            if line.startswith("PLACED "):
                placed = json.loads(line[len("PLACED ") :])
        assert placed is not None, "no PLACED from the worker"
    finally:
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert sorted(placed) == sorted(LABELS)
    # each account holds exactly its own session's orders
    for label, (handle, account) in own.items():
        assert venue_open(handle, account) == sorted(placed[label]), label

    # 2. while nothing runs, the first order of each session is cancelled on its account
    for label, (handle, account) in own.items():
        cancel_on_venue(handle, account, placed[label][0])

    # 3. a new process reconciles each session against its own account
    async def restart() -> dict[str, Any]:
        journal = SqlJournal.open(f"sqlite:///{journal_path}")
        # lock, stop and gate as the app has them; no market data runs here, so the checks
        # that need a mid price or loaded balances are off
        safety = SafetyState(
            journal, PrecautionConfig(max_price_deviation_pct=None, check_balance=False)
        )
        await safety.stop.load()
        service = OrderService(journal, policy=FAST, gate=safety.gate)
        out: dict[str, Any] = {}
        try:
            async with manager_for(cfg) as manager:
                sessions = await connect_all(manager, cfg)
                keys = {s.key.label: s.key for s in sessions}
                for s in sessions:
                    service.attach(s)
                    result = await service.reconcile(s.key)
                    assert result.ok, result.error
                for label, key in keys.items():
                    out[label] = {
                        "service": sorted(str(o.client_order_id) for o in service.open_orders(key)),
                        "journal": sorted(
                            str(o.client_order_id) for o in await journal.open_orders(session=key)
                        ),
                        "first": (await journal.get_order(placed[label][0])).status,
                    }
                out["all_open"] = service.open_orders()
                out["keys"] = keys

                # 4. the stop on alice's session only
                stop = safety.stop
                alice = keys[LABELS[0]]
                stop.engage(StopScope.ALL, "test", "test", StopTarget(session=alice))
                swept = await stop.sweep(
                    manager.sessions(), report_sink=order_service_sink(service)
                )
                out["swept"] = swept
                out["blocked"] = {
                    label: stop.submissions_blocked(key, BTC) is not None
                    for label, key in keys.items()
                }
                out["after_stop"] = {
                    label: sorted(str(o.client_order_id) for o in service.open_orders(key))
                    for label, key in keys.items()
                }

                # the order service refuses alice's next order and takes bob's
                def ticket(key: Any) -> OrderRequest:
                    return OrderRequest(
                        key.venue,
                        BTC,
                        Side.BUY,
                        OrderType.LIMIT,
                        Decimal("0.001"),
                        Decimal(cfg["price"]),
                        mode=key.mode,
                        account=key.account,
                    )

                with pytest.raises(SubmitRefused, match="ENGAGED on session paper/paper/alice"):
                    await service.submit(ticket(alice))
                bob_order = await service.submit(ticket(keys[LABELS[1]]))
                out["bob_new"] = (str(bob_order.client_order_id), bob_order.status)
        finally:
            await service.aclose()
            journal.close()
        return out

    out = run_async(restart(), 180)
    for label in LABELS:
        rest = [placed[label][1]]
        assert out[label]["service"] == rest and out[label]["journal"] == rest, label
        assert out[label]["first"] is OrderStatus.CANCELED, label

    # every order shows only under its session in the open-orders panel's filter
    panel = OpenOrdersPanel()
    qtbot.addWidget(panel)
    panel.set_orders(out["all_open"])
    panel.refresh()
    for label in LABELS:
        panel.session_filter.select(out["keys"][label])
        panel.refresh()
        shown = [panel.model.row_at(r).key for r in range(panel.model.rowCount())]
        assert shown == [placed[label][1]], label

    # the stop on alice's session cancelled hers only; bob and paper2 keep theirs
    swept = out["swept"]
    assert swept.ok and [(v.venue, v.account) for v in swept.venues] == [("paper", "alice")]
    assert swept.venues[0].cancelled == [placed[LABELS[0]][1]]
    assert out["after_stop"] == {
        LABELS[0]: [],
        LABELS[1]: [placed[LABELS[1]][1]],
        LABELS[2]: [placed[LABELS[2]][1]],
    }
    assert out["blocked"] == {LABELS[0]: True, LABELS[1]: False, LABELS[2]: False}
    bob_new, bob_status = out["bob_new"]
    assert bob_status is OrderStatus.OPEN
    assert venue_open(*own[LABELS[0]]) == []
    assert venue_open(*own[LABELS[1]]) == sorted([placed[LABELS[1]][1], bob_new])
    assert venue_open(*own[LABELS[2]]) == [placed[LABELS[2]][1]]
