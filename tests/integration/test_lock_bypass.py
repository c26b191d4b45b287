"""Every way around the testnet lock fails: settings file, environment, flags, the service.

The live venue here is `paperlive`: a LIVE-mode catalogue entry that really points at the
paper exchange, so a lock that failed would show up as an order on the paper exchange.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.core.orders import EntryNotReady, OrderService, SubmitRefused
from terminal.core.ports import GateContext
from terminal.core.safety import TESTNET_LOCK, SafetyState, confirmation_phrase
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.exchange.catalogue import paper_live_info
from terminal.exchange.session import PaperEndpoint, SessionOptions, VenueSession
from terminal.journal.store import SqlJournal
from terminal.settings import SETTINGS_FILE, load_settings
from tests.fixtures_paper import run_async

REPO = Path(__file__).resolve().parents[2]
SAFETY_DIR = REPO / "terminal" / "core" / "safety"
UNLOCKING_ENV = {
    "TT_TESTNET_LOCK": "0",
    "TESTNET_LOCK": "off",
    "TT_UNLOCK": "1",
    "TT_LIVE": "1",
    "TRADING_TERMINAL_UNLOCKED": "true",
    "TT_UNLOCK_LIVE": "UNLOCK LIVE paperlive main",
    "TT_SAFETY_TESTNET_LOCK": "false",
}
UNLOCKED_SETTINGS = {
    "version": 1,
    "testnet_lock": False,
    "unlocked": True,
    "live": True,
    "safety": {"testnet_lock": False, "unlocked": [["paperlive", "main"]]},
    "precautions": {"testnet_lock": False, "unlocked": True, "check_balance": True},
    "lock": {"on": False},
}


def live_request(
    amount: str = "0.01", price: str | None = None, *, mode=VenueMode.LIVE, type_=OrderType.LIMIT
) -> OrderRequest:
    return OrderRequest(
        venue=VenueId("paperlive"),
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY,
        type=type_,
        amount=Decimal(amount),
        price=Decimal(price) if price else None,
        mode=mode,
        account=AccountLabel("main"),
    )


def write_unlocked_settings(config_dir: Path) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / SETTINGS_FILE).write_text(json.dumps(UNLOCKED_SETTINGS), encoding="utf-8")


def test_the_service_refuses_a_live_venue_while_locked_and_sends_nothing(
    paper_exchange, tmp_path, monkeypatch
):
    handle = paper_exchange
    for name, value in UNLOCKING_ENV.items():
        monkeypatch.setenv(name, value)
    write_unlocked_settings(tmp_path / "config")

    async def scenario() -> None:
        settings = load_settings(tmp_path / "config")  # the edited file, read for real
        journal = SqlJournal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
        safety = await SafetyState.open(journal, settings.precautions)
        session = VenueSession(
            paper_live_info(),
            VenueMode.LIVE,
            "main",
            paper=PaperEndpoint(handle.url, tuple(handle.accounts)),
            options=SessionOptions(rate_limit_ms=1, heartbeat_s=0),
        )
        prices: dict[str, Decimal] = {}

        def context(request: OrderRequest) -> GateContext:
            return GateContext(
                market=session.markets.get(request.symbol),
                mode=session.mode,
                reference_price=prices.get(request.symbol),
                balances=balances,
            )

        service = OrderService(journal, gate=safety.gate, context_provider=context)
        try:
            await session.connect()
            service.attach(session)
            await service.reconcile(session.key)
            # a live connection still shows market data and balances
            balances = await session.fetch_balances()
            assert balances.free("USDT") > 0
            t = await session.fetch_ticker_raw("BTC/USDT")
            mid = (Decimal(str(t["bid"])) + Decimal(str(t["ask"]))) / 2
            prices["BTC/USDT"] = mid
            price = str(session.markets[Symbol("BTC/USDT")].round_price(mid * Decimal("0.98")))

            assert safety.snapshot().lock_label == "TESTNET"
            reason = safety.lock.entry_block_reason("paperlive", session.mode, "main")
            assert reason and "Testnet lock is ON" in reason
            attempts = [
                (live_request(price=price), frozenset()),
                (live_request(type_=OrderType.MARKET), frozenset({TESTNET_LOCK, "all"})),
            ]
            for request, confirmed in attempts:
                with pytest.raises(SubmitRefused) as info:
                    await service.submit(request, confirmed=confirmed)
                assert TESTNET_LOCK in info.value.rules
            # A ticket mislabelled as paper or testnet names a session that is not
            # connected: no connected session sends it, whatever it confirms.
            for mode in (VenueMode.PAPER, VenueMode.SANDBOX):
                with pytest.raises(EntryNotReady, match="not connected"):
                    await service.submit(
                        live_request(price=price, mode=mode), confirmed=frozenset({TESTNET_LOCK})
                    )
            assert await journal.order_history() == []
            assert await asyncio.to_thread(handle.control.open_orders, handle.api_key) == []

            # the lock is what stopped them: the deliberate act lets the same order through
            safety.lock.unlock("paperlive", "main", confirmation_phrase("paperlive", "main"))
            order = await service.submit(live_request(price=price))
            assert order.status is OrderStatus.OPEN
            assert len(await asyncio.to_thread(handle.control.open_orders, handle.api_key)) == 1
            safety.lock.lock()  # one call
            with pytest.raises(SubmitRefused) as info:
                await service.submit(live_request(price=str(Decimal(price) - 1)))
            assert TESTNET_LOCK in info.value.rules
            await service.cancel(order.client_order_id)
            history = await journal.safety_history()
            kinds = [h.kind for h in history]
            assert "testnet_lock_unlocked" in kinds and "testnet_lock_locked" in kinds
        finally:
            await service.aclose()
            await session.close()
            await safety.aclose()
            journal.close()

    run_async(scenario(), timeout=90)


def test_edited_settings_file_and_environment_do_not_start_unlocked(tmp_path):
    """The real composition root, in a fresh process, with every unlocking hint set."""
    data = tmp_path / "data-root"
    write_unlocked_settings(data / "config")
    code = (
        "import asyncio\n"
        "from terminal.services import ServicesOptions, TerminalServices\n"
        "from terminal.core.safety import SafetyGate\n"
        "async def main():\n"
        f"    async with TerminalServices(ServicesOptions(data_dir={str(data)!r})) as s:\n"
        "        assert isinstance(s.orders.gate, SafetyGate) and s.orders.gate is s.safety.gate\n"
        "        print(s.safety.snapshot().lock_label)\n"
        "        print(s.safety.lock.entry_block_reason('binance', 'live', 'main') is not None)\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, **UNLOCKING_ENV}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["TESTNET", "True"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--unlock", "stop", "--status"],
        ["--no-testnet-lock", "stop", "--status"],
        ["--live", "stop", "--status"],
        ["--testnet-lock=off", "stop", "--status"],
        [
            "order",
            "place",
            "--venue",
            "paperlive",
            "--symbol",
            "BTC/USDT",
            "--side",
            "buy",
            "--type",
            "limit",
            "--amount",
            "0.01",
            "--price",
            "1",
            "--unlock",
        ],
        [
            "order",
            "place",
            "--venue",
            "paperlive",
            "--symbol",
            "BTC/USDT",
            "--side",
            "buy",
            "--type",
            "limit",
            "--amount",
            "0.01",
            "--price",
            "1",
            "--confirm",
            "testnet_lock",
            "--no-testnet-lock",
        ],
    ],
)
def test_no_command_line_flag_unlocks(argv, tmp_path, capsys):
    from terminal.cli import main

    code = main(["--data-dir", str(tmp_path), *argv])
    assert code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_no_global_option_mentions_the_lock():
    from terminal.cli import build_parser

    dests = {a.dest for a in build_parser()._actions}
    assert not [d for d in dests if "lock" in d or "unlock" in d or d == "live"]


def test_safety_code_reads_no_environment_settings_or_files():
    """The lock's state can only come from a call in the running app."""
    forbidden_names = {"environ", "getenv", "open", "load_settings", "read_text", "argv"}
    for path in sorted(SAFETY_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else None
            )
            assert name not in forbidden_names, f"{path.name}:{node.lineno} uses {name}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                assert not [
                    m
                    for m in mods
                    if m.split(".")[0] in ("os", "sys", "json") or m.startswith("terminal.settings")
                ], f"{path.name}: {mods}"
