"""The stop cannot be crowded out: idle and slow-loris connections held open, a stop
still gets through within a second; each such connection is dropped at its own
deadline; past the pending limit the oldest unproven connection goes, not the new one.
A real `ControlServer` and the real client, on both transports."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from terminal.control import ControlServer, ask
from terminal.control import server as server_module
from terminal.control.endpoint import connect
from terminal.control.protocol import HANDSHAKE_TIMEOUT_S
from tests.control.helpers import TRANSPORTS, Recorder
from tests.fixtures_paper import run_async


async def hold_open(advert: Any, idle: int, slow: int) -> tuple[list[Any], asyncio.Task[None]]:
    """`idle` connections that say nothing, `slow` ones that trickle a byte at a time."""
    writers = []
    for _ in range(idle):
        writers.append((await connect(advert, limit=1 << 16, timeout=10))[1])
    trickling = [(await connect(advert, limit=1 << 16, timeout=10))[1] for _ in range(slow)]
    writers += trickling

    async def trickle() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for w in trickling:
                if not w.is_closing():
                    w.write(b"{")
            await asyncio.sleep(0.1)

    return writers, asyncio.ensure_future(trickle())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_stop_gets_through_100_idle_and_100_slow_connections_within_a_second(
    tmp_path: Path, transport: str
) -> None:
    async def main() -> None:
        handler = Recorder()
        server = ControlServer(handler, tmp_path / "journal.sqlite.control", transport=transport)
        advert = await server.start()
        writers, trickle = await hold_open(advert, 100, 100)
        try:
            await asyncio.sleep(0.3)  # all of them accepted and waiting
            started = time.perf_counter()
            engaged_after: list[float] = []
            replies = await ask(
                advert.path,
                "engage",
                {"scope": "all"},
                timeout=10,
                on_reply=lambda r: engaged_after.append(time.perf_counter() - started),
            )
            assert replies[0]["event"] == "engaged" and handler.engaged
            assert engaged_after[0] < 1.0, engaged_after
        finally:
            trickle.cancel()
            for w in writers:
                w.close()
            await server.aclose()

    run_async(main(), 60)


def test_idle_and_trickling_connections_are_dropped_at_their_own_deadline(tmp_path: Path) -> None:
    async def main() -> None:
        server = ControlServer(Recorder(), tmp_path / "j.control")
        advert = await server.start()
        try:
            idle_r, idle_w = await connect(advert, limit=1 << 16, timeout=10)
            slow_r, slow_w = await connect(advert, limit=1 << 16, timeout=10)
            started = time.monotonic()
            for _ in range(int(HANDSHAKE_TIMEOUT_S * 10) + 40):  # a byte every 0.1 s
                if slow_w.is_closing() or slow_r.at_eof():
                    break
                slow_w.write(b"{")
                try:
                    await slow_w.drain()
                except ConnectionError:
                    break
                await asyncio.sleep(0.1)
            # both closed by the server, without an answer, a little after the deadline
            assert await asyncio.wait_for(idle_r.read(), 10) == b""
            assert await asyncio.wait_for(slow_r.read(), 10) == b""
            assert HANDSHAKE_TIMEOUT_S - 0.5 < time.monotonic() - started < 30
            idle_w.close()
            slow_w.close()
        finally:
            await server.aclose()

    run_async(main(), 60)


def test_past_the_pending_limit_the_oldest_unproven_connection_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "MAX_PENDING", 5)

    async def main() -> None:
        server = ControlServer(Recorder(), tmp_path / "j.control")
        advert = await server.start()
        try:
            held = [await connect(advert, limit=1 << 16, timeout=10) for _ in range(20)]
            replies = await ask(advert.path, "status", timeout=10)
            assert replies[-1]["event"] == "status"
            # the first fifteen were dropped to make room, the last five still wait
            closed = [await asyncio.wait_for(r.read(), 5) == b"" for r, _ in held[:15]]
            assert all(closed)
            for _, w in held:
                w.close()
        finally:
            await server.aclose()

    run_async(main(), 60)
