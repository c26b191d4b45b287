"""Emergency stop against the real paper exchange (real ccxt, real journal, order service).

Open orders on three symbols (plus one placed outside the terminal) and one order held
in flight by the paper exchange's REST latency fault: after engagement the venue shows 0
open orders, the terminal sends 0 new orders, and the stop is still engaged after a
restart (new journal connection, and a new process) until it is reset.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.core.orders import OrderService, SubmitRefused
from terminal.core.ports import GateContext
from terminal.core.safety import SafetyState, StopScope, order_service_sink
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, SessionOptions, VenueSession
from terminal.journal.store import SqlJournal
from tests.fixtures_paper import paper_rest, run_async

SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")


class Terminal:
    """The pieces the app wires, built by hand: journal, safety, session, order service."""

    def __init__(self, handle: Any, journal_path: Path) -> None:
        self.handle = handle
        self.journal_path = journal_path
        self.prices: dict[str, Decimal] = {}
        self.balances = None

    async def open(self) -> Terminal:
        self.journal = SqlJournal.open(f"sqlite:///{self.journal_path}")
        self.safety = await SafetyState.open(self.journal)
        self.session = VenueSession(
            paper_info(),
            VenueMode.PAPER,
            "main",
            paper=PaperEndpoint(self.handle.url, tuple(self.handle.accounts)),
            options=SessionOptions(rate_limit_ms=1, heartbeat_s=0),
        )
        await self.session.connect()
        self.service = OrderService(
            self.journal, gate=self.safety.gate, context_provider=self.context
        )
        self.service.attach(self.session)
        await self.service.reconcile(self.session.key)
        await self.refresh()
        return self

    def context(self, request: OrderRequest) -> GateContext:
        return GateContext(
            market=self.session.markets.get(request.symbol),
            mode=self.session.mode,
            reference_price=self.prices.get(request.symbol),
            balances=self.balances,
        )

    async def refresh(self) -> None:
        for symbol in SYMBOLS:
            t = await self.session.fetch_ticker_raw(symbol)
            self.prices[symbol] = (Decimal(str(t["bid"])) + Decimal(str(t["ask"]))) / 2
        self.balances = await self.session.fetch_balances()

    def resting(self, symbol: str, side: Side, away: str = "0.03") -> OrderRequest:
        """A limit order 3 % away from the mid: rests, within the 5 % deviation check."""
        market = self.session.markets[Symbol(symbol)]
        mid = self.prices[symbol]
        factor = Decimal(1) - Decimal(away) if side is Side.BUY else Decimal(1) + Decimal(away)
        price = market.round_price(mid * factor)
        amount = market.round_amount(Decimal("20") / price * 10)  # about 200 quote
        return OrderRequest(
            venue=VenueId("paper"),
            symbol=Symbol(symbol),
            side=side,
            type=OrderType.LIMIT,
            amount=amount,
            price=price,
            mode=VenueMode.PAPER,
            account=AccountLabel("main"),
        )

    async def close(self) -> None:
        await self.service.aclose()
        await self.session.close()
        await self.safety.aclose()
        self.journal.close()


async def venue_open_orders(handle: Any) -> list[dict]:
    return await asyncio.to_thread(handle.control.open_orders, handle.api_key)


async def place_foreign_order(handle: Any) -> None:
    """An order on the same account from another client (not in the journal)."""
    async with paper_rest(handle) as ex:
        await ex.load_markets()
        t = await ex.fetch_ticker("SOL/USDT")
        price = ex.price_to_precision("SOL/USDT", t["ask"] * 1.04)
        await ex.create_order(
            "SOL/USDT", "limit", "sell", 1, float(price), {"clientOrderId": "foreign-1"}
        )


def stop_state_in_new_process(journal_path: Path) -> str:
    code = (
        "import asyncio,sys\n"
        "from terminal.journal.store import SqlJournal\n"
        "from terminal.core.safety import SafetyState\n"
        "async def main():\n"
        f"    j = SqlJournal.open('sqlite:///{journal_path}')\n"
        "    try:\n"
        "        s = await SafetyState.open(j)\n"
        "        print(s.snapshot().stop_label)\n"
        "    finally:\n"
        "        j.close()\n"
        "asyncio.run(main())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_stop_cancels_everything_blocks_new_orders_and_survives_restart(paper_exchange, tmp_path):
    handle = paper_exchange
    journal_path = tmp_path / "journal.sqlite"

    async def scenario() -> None:
        term = await Terminal(handle, journal_path).open()
        try:
            for symbol, side in zip(SYMBOLS, (Side.BUY, Side.BUY, Side.SELL), strict=False):
                order = await term.service.submit(term.resting(symbol, side))
                assert order.status is OrderStatus.OPEN, order
            await term.service.submit(term.resting("BTC/USDT", Side.SELL))
            await place_foreign_order(handle)
            assert len(await venue_open_orders(handle)) == 5

            # one order held in flight by the venue's REST latency
            await asyncio.to_thread(handle.control.latency, rest_ms=1500)
            in_flight = asyncio.create_task(
                term.service.submit(term.resting("ETH/USDT", Side.SELL))
            )
            await asyncio.sleep(0.4)
            await asyncio.to_thread(handle.control.latency, rest_ms=0)
            pending = await term.journal.open_orders(VenueId("paper"))
            assert [o for o in pending if o.status is OrderStatus.PENDING_SUBMIT]

            term.safety.stop.engage(StopScope.ALL, "integration drill")
            assert term.safety.gate.submissions_blocked()  # before any await
            result = await term.safety.stop.sweep(
                [term.session], report_sink=order_service_sink(term.service), settle_timeout=10.0
            )
            flown = await asyncio.wait_for(in_flight, 15)

            v = result.venues[0]
            print("\n".join(result.lines()))
            assert result.ok, result.lines()
            assert v.remaining_open == 0 and v.cancelled_count >= 5, v.line()
            assert await venue_open_orders(handle) == []
            async with paper_rest(handle) as ex:  # and the venue says so to ccxt too
                assert await ex.fetch_open_orders("ETH/USDT") == []
                assert await ex.fetch_open_orders("BTC/USDT") == []
            # the in-flight order was acknowledged after engagement and cancelled
            settled = await term.journal.get_order(flown.client_order_id)
            assert settled.status is OrderStatus.CANCELED, settled

            # no new order leaves the terminal
            before = len(await term.journal.order_history())
            with pytest.raises(SubmitRefused) as info:
                await term.service.submit(term.resting("BTC/USDT", Side.BUY, away="0.04"))
            assert "emergency_stop" in info.value.rules
            assert len(await term.journal.order_history()) == before
            assert await venue_open_orders(handle) == []
            history = await term.journal.safety_history()
            kinds = [h.kind for h in history]
            assert "emergency_stop_engaged" in kinds and "emergency_stop_sweep" in kinds
        finally:
            await term.close()

        # restart: a new journal connection still finds the stop engaged
        again = await Terminal(handle, journal_path).open()
        try:
            assert again.safety.snapshot().stop_label == "ENGAGED"
            with pytest.raises(SubmitRefused):
                await again.service.submit(again.resting("SOL/USDT", Side.BUY))
        finally:
            await again.close()

    run_async(scenario(), timeout=120)
    assert stop_state_in_new_process(journal_path) == "ENGAGED"

    async def reset() -> None:
        term = await Terminal(handle, journal_path).open()
        try:
            term.safety.stop.reset(confirmed=True, source="test")
            order = await term.service.submit(term.resting("BTC/USDT", Side.BUY))
            assert order.status is OrderStatus.OPEN
            await term.service.cancel(order.client_order_id)
        finally:
            await term.close()

    run_async(reset(), timeout=60)
    assert stop_state_in_new_process(journal_path) == "OFF"


def test_terminal_scope_leaves_orders_placed_elsewhere(paper_exchange, tmp_path):
    handle = paper_exchange

    async def scenario() -> None:
        term = await Terminal(handle, tmp_path / "journal.sqlite").open()
        try:
            ours = [await term.service.submit(term.resting(s, Side.BUY)) for s in SYMBOLS]
            await place_foreign_order(handle)
            term.safety.stop.engage(StopScope.TERMINAL)
            result = await term.safety.stop.sweep(
                [term.session], report_sink=order_service_sink(term.service), settle_timeout=2.0
            )
            assert result.ok, result.lines()
            assert sorted(result.venues[0].cancelled) == sorted(o.client_order_id for o in ours)
            left = await venue_open_orders(handle)
            assert [o.get("clientOrderId") for o in left] == ["foreign-1"]
        finally:
            await term.close()

    run_async(scenario(), timeout=90)


def _cli(
    data_dir: Path, *args: str, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "WARNING",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=stdin,
        env=dict(os.environ),
    )


def test_stop_command_engages_sweeps_and_resets_with_confirmation(tmp_path):
    data = tmp_path / "cli-data"
    placed = _cli(
        data,
        "order",
        "place",
        "--symbol",
        "ETH/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.1",
        "--price",
        "2900",
    )
    assert placed.returncode == 0, placed.stderr
    assert "state: open" in placed.stdout

    stop = _cli(data, "stop", "--scope", "all", "--reason", "cli drill")
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert "ENGAGED" in stop.stdout
    assert "paper (paper, default): OK, cancelled 1, open after sweep 0" in stop.stdout

    refused = _cli(
        data,
        "order",
        "place",
        "--symbol",
        "ETH/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.1",
        "--price",
        "2900",
    )
    assert refused.returncode != 0 and "emergency_stop" in refused.stdout + refused.stderr

    status = _cli(data, "stop", "--status")
    assert status.returncode == 0 and "ENGAGED" in status.stdout and "cli drill" in status.stdout
    no_tty = _cli(data, "stop", "--reset")
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr
    assert "ENGAGED" in _cli(data, "stop", "--status").stdout
    reset = _cli(data, "stop", "--reset", "--yes")
    assert reset.returncode == 0 and "reset" in reset.stdout
    assert "OFF" in _cli(data, "stop", "--status").stdout
