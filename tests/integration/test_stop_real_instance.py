"""The emergency stop against a real running terminal, every part its own process.

The window runs as a user starts it (offscreen), connected to a paper exchange; orders
are placed on its account by a separate ccxt client. Then:
- 100 idle and 100 slow-loris connections are held open on its control channel, and
  `trading-terminal stop` (its own process) still engages the stop and the orders are
  gone from the exchange (asked with a separate ccxt client);
- its advertisement is pointed at an impostor (a stale file whose endpoint another
  process took): the impostor receives a random nonce and nothing else, its forged
  ENGAGED is never printed, and the stop still reaches the window through the stop
  request file.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from terminal.control.advert import read_advert
from terminal.control.endpoint import connect
from terminal.paper.embedded import start_paper_exchange
from tests.control.helpers import SWEPT_OK, Impostor
from tests.fixtures_paper import run_async
from tests.integration.gui_process import ROOT, GuiProcess
from tests.integration.test_stop_channel import place_elsewhere, run_cli, venue_open

pytestmark = pytest.mark.timeout(400)
ACCOUNT = ("real-key-0000001", "real-secret-00000000001")
CLI = (sys.executable, "-m", "terminal")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-real"), faults=False, rate="calm", accounts=[ACCOUNT]
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def window(paper, tmp_path_factory):  # type: ignore[no-untyped-def]
    gui = GuiProcess(tmp_path_factory.mktemp("window") / "app", paper, ACCOUNT)
    try:
        gui.wait_ready()
        yield gui
    finally:
        gui.stop()


async def hold_open(advert: Any, idle: int, slow: int) -> tuple[list[Any], asyncio.Task[None]]:
    writers = [(await connect(advert, limit=1 << 16, timeout=10))[1] for _ in range(idle)]
    trickling = [(await connect(advert, limit=1 << 16, timeout=10))[1] for _ in range(slow)]

    async def trickle() -> None:  # one byte every 0.2 s each, never a whole line
        while True:
            for w in trickling:
                if not w.is_closing():
                    w.write(b"{")
            await asyncio.sleep(0.2)

    return writers + trickling, asyncio.ensure_future(trickle())


async def timed_stop(
    window: GuiProcess, paper: Any, reason: str
) -> tuple[int, str, str, float, float]:
    """`trading-terminal stop` as its own process; when its ENGAGED line came, and all."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "--data-dir",
        str(window.data),
        "--log-level",
        "WARNING",
        "--paper-url",
        paper.url,
        "--paper-account",
        ":".join(ACCOUNT),
        "stop",
        "--reason",
        reason,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    started = time.monotonic()
    assert proc.stdout is not None and proc.stderr is not None
    lines, engaged_at = [], float("nan")
    errors = asyncio.ensure_future(proc.stderr.read())
    while line := await asyncio.wait_for(proc.stdout.readline(), 120):
        if "ENGAGED" in line.decode() and not lines:
            engaged_at = time.monotonic() - started
        lines.append(line.decode())
    await asyncio.wait_for(proc.wait(), 60)
    return (
        proc.returncode or 0,
        "".join(lines),
        (await errors).decode(),
        engaged_at,
        time.monotonic() - started,
    )


def reset(window: GuiProcess, paper: Any) -> None:
    rc, out, err = run_async(run_cli(window.data, paper, ACCOUNT, "stop", "--reset", "--yes"), 120)
    assert rc == 0, out + err


def test_stop_gets_through_200_held_connections(window: GuiProcess, paper: Any) -> None:
    advert = read_advert(window.advert_path)
    assert advert is not None and advert.pid == window.pid

    async def main() -> tuple[float, float]:
        for i in range(2):
            await place_elsewhere(paper, ACCOUNT, f"flood-{i}")
        assert len(await venue_open(paper, ACCOUNT)) == 2
        writers, trickle = await hold_open(advert, 100, 100)
        try:
            await asyncio.sleep(0.5)
            rc, out, err, engaged_at, took = await timed_stop(window, paper, "flooded")
            # and while the flood goes on, the running terminal answers a status at once
            from terminal.control import ask

            t0 = time.monotonic()
            status = (await ask(window.advert_path, "status", timeout=10))[-1]
            status_took = time.monotonic() - t0
        finally:
            trickle.cancel()
            for w in writers:
                w.close()
        print(
            f"stop command under 200 held connections: ENGAGED printed {engaged_at:.2f} s "
            f"after the process started (Python start included), {took:.2f} s in all "
            f"(sweep included); a status round trip {status_took * 1000:.0f} ms"
        )
        assert rc == 0, out + err
        assert "busy" not in out + err
        assert "Emergency stop ENGAGED" in out and "flooded" in out
        assert f"pid {window.pid}" in err
        assert SWEPT_OK.search(out), out + err
        assert status["engaged"] and status_took < 1.0, status_took
        assert await venue_open(paper, ACCOUNT) == []
        return took, status_took

    run_async(main(), 240)
    reset(window, paper)


def test_an_impostor_on_the_advertisement_gets_nothing_and_the_stop_still_lands(
    window: GuiProcess, paper: Any, tmp_path: Path
) -> None:
    real = window.advert_path.read_bytes()

    async def main() -> None:
        await place_elsewhere(paper, ACCOUNT, "impostor-1")
        impostor = await Impostor("unix" if os.name != "nt" else "tcp", tmp_path).start()
        try:
            impostor.advertise(window.advert_path, pid=window.pid)
            rc, out, err = await run_cli(window.data, paper, ACCOUNT, "stop", "--reason", "not you")
        finally:
            await impostor.aclose()
            window.advert_path.write_bytes(real)
        assert "IMPOSTOR" not in out + err
        received = bytes(impostor.received)
        assert received.count(b"\n") == 1 and set(json.loads(received)) == {"v", "hello"}
        assert json.loads(real)["token"].encode() not in received
        # the window confirmed it through the stop request file
        assert rc == 0, out + err
        assert "through its stop request file" in err and f"pid {window.pid}" in err
        assert "Emergency stop ENGAGED" in out and "not you" in out
        assert SWEPT_OK.search(out), out + err + window.log()[-6000:]
        assert await venue_open(paper, ACCOUNT) == []

    run_async(main(), 240)
    reset(window, paper)
