"""The dead-man's switch against the paper exchange: while the process renews it the
order stays; after a SIGKILL of the real process the venue cancels it when the window
runs out. Also: disarming switches the countdown off, the state shows in health, and a
venue without cancel-all-after is refused in one line."""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal.core.errors import OrderRejectedError
from terminal.core.futures.deadman import DeadMansSwitch
from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async
from tests.paper.futures.conftest import futures_rest

KEYS = [("dms-key-1", "dms-secret-1"), ("dms-key-2", "dms-secret-2")]
ROOT = Path(__file__).resolve().parents[2]
WINDOW_S = 5.0


@pytest.fixture(scope="module")
def dms_paper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("dms"), faults=True, accounts=KEYS)
    try:
        yield h
    finally:
        h.stop()


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline()
                if line.startswith("ARMED"):
                    return line.strip()
                if not line and proc.poll() is not None:
                    break
        pytest.fail(f"worker not armed in {timeout} s: {proc.stderr.read()[-2000:]}")
    finally:
        sel.close()


async def order_status(h: PaperExchangeHandle, client_id: str) -> str:
    async with futures_rest(h, 0) as ex:
        await ex.load_markets()
        o = await ex.fetch_order(None, "BTC/USDT:USDT", {"origClientOrderId": client_id})
        return o["status"]


def test_sigkilled_process_has_its_orders_cancelled_by_the_venue(dms_paper) -> None:
    key, secret = dms_paper.accounts[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.exchange.deadman_worker", dms_paper.url, key, secret,
         str(WINDOW_S)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        client_id = read_line(proc, 60).split()[1]
        # renewed every window/4: well past one window the order still rests
        time.sleep(WINDOW_S * 1.6)
        assert proc.poll() is None
        assert run_async(order_status(dms_paper, client_id)) == "open"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        assert run_async(order_status(dms_paper, client_id)) == "open"  # not a disconnect
        deadline = killed_at + WINDOW_S + 10
        status = "open"
        while time.monotonic() < deadline:
            status = run_async(order_status(dms_paper, client_id))
            if status != "open":
                break
            time.sleep(0.5)
        assert status == "canceled"
        assert time.monotonic() - killed_at >= WINDOW_S * 0.6  # the countdown, not at once
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()


def test_disarm_health_and_refusals(dms_paper) -> None:
    async def go() -> None:
        endpoint = PaperEndpoint(dms_paper.url, tuple(dms_paper.accounts))
        s = FuturesSession(paper_info(), VenueMode.PAPER, "acct2", paper=endpoint, options=FAST)
        try:
            await s.connect()
            assert s.has_cancel_all_after
            switch = DeadMansSwitch(
                s, ["BTC/USDT:USDT"], window_s=WINDOW_S, report=s.health.set_dead_man
            )
            assert await switch.beat()
            assert s.health.snapshot().dead_man == "armed, 5 s"
            countdowns = await s.rest.fapiPrivateGetOpenOrders()  # the session still works
            assert countdowns == []
            await switch.disarm()
            assert s.health.snapshot().dead_man is None
            with pytest.raises(ValueError, match="5-3600 s, not 1"):
                DeadMansSwitch(s, ["BTC/USDT:USDT"], window_s=1)
            with pytest.raises(OrderRejectedError, match="no perpetual market"):
                await s.cancel_all_orders_after("BTC/USDT", 5000)
        finally:
            await s.close()

    run_async(go())


def test_venue_without_cancel_all_after_is_refused_in_one_line() -> None:
    from terminal.exchange.catalogue import default_catalogue

    s = FuturesSession(
        default_catalogue().get("bitget"), VenueMode.DEMO,
        credentials={"apiKey": "k" * 12, "secret": "s" * 12, "password": "p" * 8},
    )  # fmt: skip
    s._rest = s._new_instance(pro=False)
    assert not s.has_cancel_all_after

    from terminal.domain.ids import Symbol
    from terminal.domain.market import MarketRules

    raw = {"symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT", "limits": {},
           "precision": {"price": 0.1, "amount": 0.001}}  # fmt: skip
    s._markets = {Symbol("BTC/USDT:USDT"): MarketRules.from_ccxt_market(raw)}

    async def go() -> None:
        with pytest.raises(OrderRejectedError) as err:
            await s.cancel_all_orders_after("BTC/USDT:USDT", 5000)
        assert str(err.value) == "bitget has no cancel-all-after: no dead-man's switch here"
        await s._rest.close()

    asyncio.run(go())
