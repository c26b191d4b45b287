"""A terminal trading three sessions is SIGKILLed; the next start of the window brings
every session back and settles each session's orders against its own account.

The first process is the real composition root (`TerminalServices`, in a subprocess)
trading two accounts of paper exchange A (created by its admin API) and the default
account of paper exchange B (venue `paper2`, from `paper.others`); it places two orders
per session and is killed. While nothing runs, the first order of each session is
cancelled on its own account. Then the main window starts on the same data folder: its
settings remember the three sessions (as a window that connected them leaves them; the
reconnect test shows it does), their keys are in the keychain, and reconnect-at-start
connects and reconciles each: the cancelled order is settled as cancelled in its own
session, the other stays open there, and each shows only under its session.
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

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.order import OrderStatus
from terminal.domain.session import SessionKey
from terminal.paths import AppPaths
from terminal.secrets import CredentialRef, Credentials, CredentialStore
from tests.fixtures_paper import paper_rest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


def _cancel_at_venue(aloop: Any, handle: Any, account: tuple[str, str], client_id: str) -> None:
    async def go() -> None:
        async with paper_rest(handle, account) as ex:
            await ex.cancel_order(None, "BTC/USDT", {"origClientOrderId": client_id})

    aloop.run(go(), 30)


def _run_worker(cfg: dict[str, Any], data: Path) -> dict[str, list[str]]:
    """Start the worker, wait for its orders, SIGKILL it; its PLACED answer."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.services_sessions_worker",
            json.dumps(cfg),
            str(data),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(data)},
    )
    placed = None
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while placed is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                err = proc.stderr.read()[-3000:] if proc.stderr else ""
                pytest.fail(f"worker ended: {err}")
            if line.startswith("PLACED "):
                placed = json.loads(line[len("PLACED ") :])
    finally:
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert placed is not None, "no PLACED from the worker"
    return placed


def test_restart_after_sigkill_settles_each_session_on_its_own_account(  # type: ignore[no-untyped-def]
    paper_exchange_factory, make_main_window, aloop, ui_memory_keyring, tmp_path
) -> None:
    paper_a = paper_exchange_factory(faults=False)
    paper_b = paper_exchange_factory(faults=False)
    for handle in (paper_a, paper_b):
        handle.control.pause()  # a still market: the far bids never fill
    alice = paper_a.control.create_account({"USDT": "5000"})
    bob = paper_a.control.create_account({"USDT": "5000"})
    accounts = {
        ("paper", "alice"): (paper_a, (alice["apiKey"], alice["secret"])),
        ("paper", "bob"): (paper_a, (bob["apiKey"], bob["secret"])),
        ("paper2", "default"): (paper_b, tuple(paper_b.accounts[0])),
    }
    keys = {
        SessionKey(VenueId(v), VenueMode.PAPER, AccountLabel(a)): acct
        for (v, a), acct in accounts.items()
    }
    store = CredentialStore()
    for key, (_handle, (api_key, secret)) in keys.items():
        ref = CredentialRef.of(str(key.venue), key.mode, str(key.account))
        store.save(ref, Credentials(api_key, secret))

    data = tmp_path / "app"
    config = AppPaths.from_override(data).config
    config.mkdir(parents=True, exist_ok=True)
    remembered = [
        {"venue": str(k.venue), "mode": "paper", "account": str(k.account), "market": "spot"}
        for k in keys
    ]
    (config / "settings.json").write_text(
        json.dumps(
            {
                "paper": {"others": {"paper2": paper_b.url}},
                "connections": {"remembered": remembered},
            }
        ),
        encoding="utf-8",
    )
    bid = min(Decimal(h.control.book("BTC/USDT", 1)["bids"][0][0]) for h in (paper_a, paper_b))
    a_key, a_secret = paper_a.accounts[0]
    cfg = {
        "paper": paper_a.url,
        "paper_account": f"{a_key}:{a_secret}",
        "sessions": [[str(k.venue), str(k.account), *acct] for k, (_h, acct) in keys.items()],
        "price": str((bid * Decimal("0.97")).quantize(Decimal("0.01"))),
    }

    # 1. a terminal places two orders per session and is SIGKILLed
    placed = _run_worker(cfg, data)
    assert sorted(placed) == sorted(k.label for k in keys)
    for key, (handle, (api_key, _)) in keys.items():
        at_venue = sorted(o["clientOrderId"] for o in handle.control.open_orders(api_key))
        assert at_venue == sorted(placed[key.label]), key

    # 2. while nothing runs, the first order of each session is cancelled on its account
    for key, (handle, account) in keys.items():
        _cancel_at_venue(aloop, handle, account, placed[key.label][0])

    # 3. the window starts on the same data folder: every session comes back, reconciled
    run = make_main_window(paper_a, data_dir=data)
    c, drv = run.controller, run.driver
    drv.until(lambda: all(k in c.services.by_key for k in keys), 60, "every session back")
    orders = c.services.orders
    for key in keys:
        drv.until(lambda k=key: orders.entry_ready(k), 30, f"{key} reconciled")
    for key in keys:
        first, second = placed[key.label]
        assert [str(o.client_order_id) for o in orders.open_orders(key)] == [second], key
        settled = drv.run(c.services.journal.get_order(first), 10)
        assert settled.status is OrderStatus.CANCELED and settled.session == key
        kept = drv.run(c.services.journal.get_order(second), 10)
        assert kept.status is OrderStatus.OPEN and kept.session == key
    default = c.trading.session
    assert default.account == "default" and orders.open_orders(default) == []

    # each shows only under its session in Open orders
    panel = run.panels.open_orders
    panel.only_symbol.setChecked(False)
    for key in keys:
        drv.do(lambda k=key: panel.session_filter.select(k))
        drv.until(
            lambda k=key: (
                [str(panel.model.row_at(r).key) for r in range(panel.model.rowCount())]
                == [placed[k.label][1]]
            ),
            10,
            f"only {key}'s open order",
        )
    for key in keys:
        drv.run(orders.cancel(placed[key.label][1]), 30)
