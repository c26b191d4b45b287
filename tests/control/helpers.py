"""What the control channel tests share: a recording handler, impostors, raw clients."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from terminal.control.advert import Advert, write_advert
from terminal.control.endpoint import connect
from terminal.control.protocol import decode, dumps, encode, mac, new_nonce

TRANSPORTS = ("unix", "tcp") if os.name != "nt" else ("tcp",)
# How many orders a stop's own sweep cancels depends on timing: a sweep the terminal runs
# after a reconciliation while the stop is engaged may take some first. What counts is a
# clean sweep and nothing left open on the exchange (checked separately).
SWEPT_OK = re.compile(
    r"^paper \(paper, default\): OK, cancelled \d+, .*open after sweep 0$", re.MULTILINE
)


class Recorder:
    """The handler's side of the channel: what the commands did, nothing more."""

    def __init__(self) -> None:
        self.engaged: list[tuple[str, str]] = []
        self.shown = 0

    def engage(
        self, scope: str, reason: str, settle_timeout: float, **where: Any
    ) -> tuple[dict[str, Any], Awaitable[dict[str, Any]]]:
        self.engaged.append((scope, reason))

        async def result() -> dict[str, Any]:
            return {"ok": True, "lines": ["paper: OK, cancelled 0"], "venues": []}

        return {"description": "Emergency stop ENGAGED (test)", "venues": ["paper"]}, result()

    def status(self) -> dict[str, Any]:
        return {"engaged": bool(self.engaged)}

    async def reset(self, phrase: str, **where: Any) -> dict[str, Any]:
        return {"was_engaged": False, "journaled": True}

    def show(self) -> dict[str, Any]:
        self.shown += 1
        return {"window": True}


class Impostor:
    """Listens where a stale advertisement points and answers like a terminal would,
    with a forged proof and a forged ENGAGED; records every byte it receives."""

    def __init__(self, transport: str, tmp: Path) -> None:
        self.transport, self.tmp = transport, tmp
        self.received = bytearray()
        self.server: asyncio.AbstractServer | None = None
        self.address: str | int = ""

    async def start(self) -> Impostor:
        if self.transport == "unix":
            self.address = str(self.tmp / "impostor.sock")
            self.server = await asyncio.start_unix_server(self._on, self.address)
        else:
            self.server = await asyncio.start_server(self._on, "127.0.0.1", 0)
            self.address = self.server.sockets[0].getsockname()[1]
        return self

    def advertise(self, path: Path, pid: int = 4242) -> Advert:
        return write_advert(path, self.transport, self.address, "the-real-token", pid=pid)

    async def _on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            self.received += line
            forged = {"v": 2, "pid": 4242, "nonce": new_nonce(), "proof": "0" * 64}
            writer.write(encode(forged))
            for event in ("engaged", "result"):
                body = dumps(
                    {
                        "pid": 4242,
                        "event": event,
                        "finished": True,
                        "ok": True,
                        "description": "Emergency stop ENGAGED by an IMPOSTOR",
                    }
                )
                writer.write(encode({"reply": body, "mac": "0" * 64}))
            await writer.drain()
            self.received += await asyncio.wait_for(reader.read(65536), 2)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def aclose(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def raw_request(advert: Advert, request: dict[str, Any], *, key: str) -> bytes:
    """Hello, then `request` with a proof made with `key`; everything the server says."""
    reader, writer = await connect(advert, limit=1 << 20, timeout=10)
    nc = new_nonce()
    writer.write(encode({"v": 2, "hello": nc}))
    proof = decode(await asyncio.wait_for(reader.readline(), 10))
    body = dumps(request)
    writer.write(encode({"request": body, "proof": mac(key, "client", nc, proof["nonce"], body)}))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer
