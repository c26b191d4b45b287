"""`ask()`: send one command to the running terminal and collect its reply lines.

Three outcomes, kept apart because the caller acts differently on each:
- `ControlUnavailable`: no running terminal here: no advertisement file, nobody listens
  on its port (a crash left it behind), or another process answers there (the port was
  reused: its pid is not the advertised one, or it does not speak this protocol). The
  caller may then take the journal itself;
- `ControlRefused`: the advertised terminal answered and refused (wrong token, bad
  request, a refused command): the journal is still held, so there is no falling back;
- the reply lines (dicts), also handed to `on_reply` as each arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terminal.control.advert import Advert, read_advert
from terminal.control.protocol import MAX_REPLY_BYTES, ProtocolError, decode, encode

CONNECT_TIMEOUT_S = 3.0


class ControlUnavailable(Exception):
    """No running terminal answers for this journal (no file, or a stale one)."""


class ControlRefused(Exception):
    """The running terminal refused the request."""


async def ask(advert_path: Path | Advert, cmd: str, args: dict[str, Any] | None = None, *,
              timeout: float = 30.0, token: str | None = None,
              on_reply: Callable[[dict[str, Any]], None] | None = None
              ) -> list[dict[str, Any]]:
    """Send `cmd` with `args`; return every reply line. `token` overrides the file's
    (tests use it to check that a wrong one is refused)."""
    advert = advert_path if isinstance(advert_path, Advert) else read_advert(advert_path)
    if advert is None:
        raise ControlUnavailable("no running terminal advertises a control channel")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(advert.host, advert.port, limit=MAX_REPLY_BYTES),
            CONNECT_TIMEOUT_S)
    except (TimeoutError, OSError) as exc:
        raise ControlUnavailable(f"stale advertisement (pid {advert.pid}): nobody answers on "
                                 f"port {advert.port}: {exc or type(exc).__name__}") from None
    replies: list[dict[str, Any]] = []
    try:
        writer.write(encode({"token": advert.token if token is None else token,
                             "cmd": cmd, "args": args or {}}))
        await asyncio.wait_for(writer.drain(), CONNECT_TIMEOUT_S)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise ControlRefused(f"no complete answer within {timeout:g} s")
            try:
                line = await asyncio.wait_for(reader.readline(), left)
            except TimeoutError:
                raise ControlRefused(f"no complete answer within {timeout:g} s") from None
            except (ValueError, ConnectionError) as exc:
                if not replies:
                    raise ControlUnavailable(f"port {advert.port} does not answer as a "
                                             f"terminal: {exc}") from None
                raise ControlRefused(f"the answer broke off: {exc}") from None
            if not line:
                break
            try:
                reply = decode(line)
            except ProtocolError as exc:
                if not replies:
                    raise ControlUnavailable(f"port {advert.port} does not answer as a "
                                             f"terminal: {exc}") from None
                raise ControlRefused(f"malformed answer: {exc}") from None
            if reply.get("pid") != advert.pid:
                raise ControlUnavailable(
                    f"stale advertisement: pid {reply.get('pid')} answers on port "
                    f"{advert.port}, not the advertised pid {advert.pid}")
            if reply.get("event") == "error":
                raise ControlRefused(str(reply.get("error") or "refused"))
            replies.append(reply)
            if on_reply is not None:
                on_reply(reply)
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        except Exception:
            pass
    if not replies:
        raise ControlUnavailable(f"port {advert.port} closed without an answer")
    return replies
