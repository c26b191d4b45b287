"""`trading-terminal stop` when the journal is held but the control channel is out of reach.

A real TerminalServices holds the journal; its channel is closed (or its endpoint
taken by an impostor), so the command, run as its own process, leaves a stop request
file. The holder engages, its sweep cancels the order on the paper exchange (checked
with a separate ccxt client) and the command prints ENGAGED only after that holder
confirmed. A holder that does not answer gets no ENGAGED printed, and the request
waits for the next process to open the journal.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from terminal.control import stopfile
from terminal.paper.embedded import start_paper_exchange
from terminal.services import TerminalServices, control_advert_path
from tests.control.helpers import SWEPT_OK, Impostor
from tests.fixtures_paper import run_async
from tests.integration.test_stop_channel import options, place_elsewhere, run_cli, venue_open

ACCOUNTS = [(f"file-key-00000{i}", f"file-secret-000000000000{i}") for i in range(1, 4)]


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-file"), faults=False, rate="calm", accounts=ACCOUNTS
    )
    try:
        yield handle
    finally:
        handle.stop()


def test_a_stop_reaches_a_holder_whose_channel_is_gone(paper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    account = ACCOUNTS[0]
    data = tmp_path / "app"

    async def main() -> None:
        async with TerminalServices(options(data, paper, account)) as services:
            await services.connect("paper")
            path = control_advert_path(services.options, services.paths)
            impostor = await Impostor("unix" if os.name != "nt" else "tcp", tmp_path).start()
            try:
                await services.control.aclose()  # the channel is gone...
                impostor.advertise(path, pid=os.getpid())  # ...and something else answers
                await place_elsewhere(paper, account, "file-1")
                rc, out, err = await run_cli(
                    data, paper, account, "stop", "--reason", "channel down"
                )
            finally:
                await impostor.aclose()
            assert rc == 0, out + err
            assert "IMPOSTOR" not in out + err
            assert "Emergency stop ENGAGED" in out and "channel down" in out
            assert "through its stop request file" in err
            assert SWEPT_OK.search(out), out + err
            assert await venue_open(paper, account) == []
            stop = services.safety.stop
            assert stop.engaged and stop.state.reason == "channel down"
            assert not stopfile.request_path(path).exists()
            assert not stopfile.ack_path(path).exists()
            received = bytes(impostor.received)  # a hello with a nonce, and nothing else
            assert received.count(b"\n") == 1 and b"hello" in received, received
            stop.reset(confirmed=True)

    run_async(main(), 180)


def test_no_engaged_without_the_holders_word_and_the_request_waits(paper, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    account = ACCOUNTS[1]
    data = tmp_path / "app"

    async def main() -> None:
        async with TerminalServices(options(data, paper, account)) as services:
            path = control_advert_path(services.options, services.paths)
            await services.control.aclose()
            services._stop_requests.cancel()  # a holder that reads no request (stuck)
            rc, out, err = await run_cli(data, paper, account, "stop", "--reason", "waiting")
            assert rc == 3, out + err
            assert "ENGAGED" not in out and "NOT confirmed" in err, out + err
            assert not services.safety.stop.engaged
            assert stopfile.read_request(path)["reason"] == "waiting"

        # the next process to open the journal engages it
        await place_elsewhere(paper, account, "file-2")
        async with TerminalServices(options(data, paper, account)) as again:
            for _ in range(200):  # engaged, then answered and removed
                if again.safety.stop.engaged and not stopfile.request_path(path).exists():
                    break
                await asyncio.sleep(0.05)
            assert again.safety.stop.engaged and again.safety.stop.state.reason == "waiting"
            assert not stopfile.request_path(path).exists()
            await again.connect("paper")  # engaged: the venue is swept once reconciled
            for _ in range(200):
                if not await venue_open(paper, account):
                    break
                await asyncio.sleep(0.1)
            assert await venue_open(paper, account) == []
            again.safety.stop.reset(confirmed=True)

    run_async(main(), 180)
