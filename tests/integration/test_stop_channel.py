"""`trading-terminal stop` from a shell while a terminal holds the journal.

A real TerminalServices (headless, as the CLI builds it) holds the journal and serves
its control channel; the stop command runs as a subprocess (`python -m terminal ...`),
reaches it over its private socket and the running terminal cancels every open order
on the paper exchange, checked with a separate ccxt client. Also: requests without a
valid proof, oversized and malformed ones are refused; a stale advertisement file
(crashed process, or its endpoint now answered by another process) means "no running
terminal" and the command works on its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.control import ControlRefused, ControlServer, ControlUnavailable, ask
from terminal.control.advert import read_advert, write_advert
from terminal.control.endpoint import connect
from terminal.core.orders import SubmitRefused
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.paper.embedded import start_paper_exchange
from terminal.services import ServicesOptions, TerminalServices, control_advert_path
from tests.control.helpers import raw_request
from tests.fixtures_paper import paper_rest, run_async

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = [(f"chan-key-00000{i}", f"chan-secret-000000000000{i}") for i in range(1, 5)]
PAPER = VenueId("paper")
SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-chan"), faults=False, rate="calm", accounts=ACCOUNTS
    )
    try:
        yield handle
    finally:
        handle.stop()


def options(data: Path, paper: Any, account: tuple[str, str]) -> ServicesOptions:
    return ServicesOptions(
        data_dir=str(data),
        paper_url=paper.url,
        paper_account=f"{account[0]}:{account[1]}",
        session_heartbeat_s=0,
    )


async def run_cli(
    data: Path, paper: Any, account: tuple[str, str], *args: str, timeout: float = 120
) -> tuple[int, str, str]:
    """The command as a user types it, in its own process; this loop keeps serving."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "terminal",
        "--data-dir",
        str(data),
        "--log-level",
        "WARNING",
        "--paper-url",
        paper.url,
        "--paper-account",
        f"{account[0]}:{account[1]}",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(), err.decode()


async def venue_open(paper: Any, account: tuple[str, str]) -> list[dict]:
    """Open orders as the paper exchange tells a separate ccxt client."""
    async with paper_rest(paper, account) as ex:
        await ex.load_markets()
        found = []
        for symbol in SYMBOLS:
            found += await ex.fetch_open_orders(symbol)
        return found


async def place_elsewhere(paper: Any, account: tuple[str, str], client_id: str) -> None:
    """An order on the same account from another client (the terminal does not know it)."""
    async with paper_rest(paper, account) as ex:
        await ex.load_markets()
        t = await ex.fetch_ticker("SOL/USDT")
        price = ex.price_to_precision("SOL/USDT", t["ask"] * 1.04)
        await ex.create_order(
            "SOL/USDT", "limit", "sell", 1, float(price), {"clientOrderId": client_id}
        )


async def place_through(services: TerminalServices, symbol: str) -> Any:
    """A resting limit buy 3 % under the mid, through the terminal's order pipeline."""
    await services.refresh_market_inputs("paper", symbol)
    session = services.sessions[PAPER]
    market = session.markets[Symbol(symbol)]
    mid = services.gate_context(
        OrderRequest(PAPER, Symbol(symbol), Side.BUY, OrderType.LIMIT, Decimal(1), Decimal(1))
    ).reference_price
    price = market.round_price(mid * Decimal("0.97"))
    amount = market.round_amount(Decimal(150) / price)
    order = await services.orders.submit(
        OrderRequest(PAPER, Symbol(symbol), Side.BUY, OrderType.LIMIT, amount, price)
    )
    assert order.status is OrderStatus.OPEN, order
    return order


def test_stop_command_reaches_the_running_terminal(paper, tmp_path, caplog):
    account = ACCOUNTS[0]
    data = tmp_path / "app"
    caplog.set_level(logging.DEBUG, logger="terminal")

    async def main() -> None:
        notices: list[Any] = []
        services = TerminalServices(options(data, paper, account))
        await services.start()
        try:
            services.stop_notices.add(notices.append)
            await services.connect("paper")
            advert_path = control_advert_path(services.options, services.paths)
            assert advert_path.parent == services.paths.data
            advert = read_advert(advert_path)
            assert advert is not None and advert.pid == os.getpid()
            assert advert == services.control.advert
            if os.name == "posix":
                assert stat.S_IMODE(advert_path.stat().st_mode) == 0o600
                sock = Path(str(advert.address))
                assert advert.transport == "unix" and sock.parent == services.paths.data
                assert stat.S_ISSOCK(sock.stat().st_mode)
                assert stat.S_IMODE(sock.stat().st_mode) == 0o600
            assert advert.token not in repr(advert)

            ours = [await place_through(services, s) for s in ("BTC/USDT", "ETH/USDT")]
            await place_elsewhere(paper, account, "elsewhere-1")
            assert len(await venue_open(paper, account)) == 3

            rc, out, err = await run_cli(
                data,
                paper,
                account,
                "stop",
                "--reason",
                "shell drill",
                "--venue",
                "paper",
                "--venue",
                "binance",
            )
            print(out, err)
            # the running terminal engaged on both venues and swept paper; binance is not
            # connected there
            assert rc == 1, out + err
            assert "Emergency stop ENGAGED" in out and "shell drill" in out
            assert "paper (paper, default): OK, cancelled 3, open after sweep 0" in out
            assert "binance: INCOMPLETE, not connected in the running terminal" in out
            assert f"pid {os.getpid()}" in err
            assert advert.token not in out + err

            assert await venue_open(paper, account) == []  # on the exchange itself
            for order in ours:
                got = await services.journal.get_order(order.client_order_id)
                assert got.status is OrderStatus.CANCELED, got
            stop = services.safety.stop
            assert stop.engaged and stop.state.source == "cli"
            assert stop.state.reason == "shell drill"
            with pytest.raises(SubmitRefused):
                await place_through(services, "BTC/USDT")
            kinds = [n.kind for n in notices]
            assert kinds == ["engaged", "sweep"], kinds
            assert notices[1].result is not None and notices[1].result.ok

            # only paper this time: everything done, exit 0
            await place_elsewhere(paper, account, "elsewhere-2")
            rc, out, err = await run_cli(data, paper, account, "stop")
            assert rc == 0, out + err
            assert "paper (paper, default): OK, cancelled 1, open after sweep 0" in out
            assert await venue_open(paper, account) == []

            rc, out, err = await run_cli(data, paper, account, "stop", "--status")
            assert rc == 0 and "ENGAGED" in out and "shell drill" in out, out + err

            # reset: the same confirmation rules as a local reset
            rc, out, err = await run_cli(data, paper, account, "stop", "--reset")
            assert rc == 2 and "--yes" in err, out + err
            assert stop.engaged
            rc, out, err = await run_cli(data, paper, account, "stop", "--reset", "--yes")
            assert rc == 0 and "reset" in out, out + err
            assert not stop.engaged
            assert notices[-1].kind == "reset"
            history = [h.kind for h in await services.journal.safety_history()]
            assert history.count("emergency_stop_sweep") == 2
            assert "emergency_stop_reset" in history
        finally:
            await services.aclose()
        assert not advert_path.exists()  # removed on a clean exit, the socket too
        assert advert.transport != "unix" or not Path(str(advert.address)).exists()
        return advert.token

    token = run_async(main(), 240)
    assert "control channel: refused" not in caplog.text
    assert "control channel: engage" in caplog.text  # the log speaks, the token never
    assert token not in caplog.text
    logs = list(data.rglob("*.log*"))
    assert logs  # the commands' own log files
    for path in logs:
        assert token not in path.read_text(errors="replace"), path


def test_unproven_and_bad_requests_are_refused(paper, tmp_path):
    account = ACCOUNTS[1]

    async def main() -> None:
        async with TerminalServices(options(tmp_path, paper, account)) as services:
            path = control_advert_path(services.options, services.paths)
            # a client without the token cannot check the server's proof: it sends nothing
            with pytest.raises(ControlUnavailable, match="cannot prove"):
                await ask(path, "engage", {"scope": "all"}, token="not-the-token", timeout=10)
            advert = read_advert(path)
            # a request whose proof is made with another key is refused by the server
            answer = await raw_request(advert, {"cmd": "engage", "args": {}}, key="wrong")
            assert b"not authorised" in answer, answer
            assert not services.safety.stop.engaged

            for raw, expected in (
                (b"x" * 10_000 + b"\n", b"bad hello"),
                (b"[1, 2]\n", b"bad hello"),
                (b"{nope\n", b"bad hello"),
            ):
                reader, writer = await connect(advert, limit=1 << 20, timeout=10)
                writer.write(raw)
                await writer.drain()
                answer = await asyncio.wait_for(reader.read(), 10)
                writer.close()
                assert expected in answer, answer
            assert not services.safety.stop.engaged

            with pytest.raises(ControlRefused, match="unknown command"):
                await ask(path, "shutdown", timeout=10)
            with pytest.raises(ControlRefused, match="RESET STOP"):  # engaged first below
                services.safety.stop.engage(reason="token test")
                await ask(path, "reset", {"phrase": "please"}, timeout=10)
            assert services.safety.stop.engaged
            status = await ask(path, "status", timeout=10)
            assert status[-1]["engaged"] and status[-1]["reason"] == "token test"
            # a headless holder has no window to bring to the front
            assert (await ask(path, "show", timeout=10))[-1]["window"] is False
            services.safety.stop.reset(confirmed=True)

    run_async(main(), 60)


def test_stale_advertisement_means_no_running_terminal(paper, tmp_path):
    account = ACCOUNTS[2]
    data = tmp_path / "stale"

    async def main() -> None:
        opts = options(data, paper, account)
        from terminal.paths import AppPaths

        path = control_advert_path(opts, AppPaths.from_override(str(data)))
        # a crashed terminal's file: nobody listens at its socket any more
        dead = tmp_path / "dead.sock"
        write_advert(path, "unix", str(dead), "crashed-token", pid=999_999)
        with pytest.raises(ControlUnavailable, match="stale"):
            await ask(path, "status", timeout=10)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead_port = s.getsockname()[1]
        write_advert(path, "tcp", dead_port, "crashed-token", pid=999_999)
        with pytest.raises(ControlUnavailable, match="stale"):
            await ask(path, "status", timeout=10)

        # the endpoint now answers, but as another process (another terminal's channel)
        class Nothing:
            def status(self) -> dict:
                return {"engaged": False}

        for transport in ("unix", "tcp"):
            other = ControlServer(
                Nothing(),
                tmp_path / f"other-{transport}.control",  # type: ignore[arg-type]
                transport=transport,
            )
            await other.start()
            try:
                write_advert(path, transport, other.advert.address, "crashed-token", pid=999_999)
                with pytest.raises(ControlUnavailable, match="cannot prove"):
                    await ask(path, "status", timeout=10)
            finally:
                await other.aclose()
        write_advert(path, "tcp", dead_port, "crashed-token", pid=999_999)

        # the command then works on its own: it takes the journal and sweeps itself
        await place_elsewhere(paper, account, "stale-1")
        rc, out, err = await run_cli(data, paper, account, "stop", "--reason", "no app")
        assert rc == 0, out + err
        assert "paper (paper, default): OK, cancelled 1, open after sweep 0" in out
        assert "running terminal" not in err
        assert await venue_open(paper, account) == []
        assert not path.exists()  # its own channel replaced the stale file, then removed it
        rc, out, err = await run_cli(data, paper, account, "stop", "--reset", "--yes")
        assert rc == 0, out + err

    run_async(main(), 120)
