"""`ask()`: send one command to the running terminal and collect its reply lines.

Three outcomes, kept apart because the caller acts differently on each:
- `ControlUnavailable`: no running terminal answers here: no advertisement file, nobody
  at its endpoint (a crash left it behind), or whoever answers there cannot prove it
  holds the token (then nothing but a random nonce was sent to it). The caller may then
  take the journal itself, or leave a stop request the running terminal watches;
- `ControlRefused`: the proven terminal refused (a bad request, a refused command), or
  an answer failed its check: there is no falling back;
- the reply lines (dicts), also handed to `on_reply` as each arrives. Every one of them
  carries a valid MAC of this connection: nothing reaches the caller that the running
  terminal did not say.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from terminal.control.advert import Advert, read_advert
from terminal.control.endpoint import connect
from terminal.control.protocol import (
    MAX_REPLY_BYTES,
    VERSION,
    ProtocolError,
    decode,
    dumps,
    encode,
    is_nonce,
    mac,
    mac_ok,
    new_nonce,
)

CONNECT_TIMEOUT_S = 3.0
PROOF_TIMEOUT_S = 5.0  # a busy GUI loop still answers the hello well within this


class ControlUnavailable(Exception):
    """No running terminal answers for this journal (no file, or a stale one)."""


class ControlRefused(Exception):
    """The running terminal refused the request (or its answer could not be trusted)."""


async def ask(
    advert_path: Path | Advert,
    cmd: str,
    args: dict[str, Any] | None = None,
    *,
    timeout: float = 30.0,
    token: str | None = None,
    on_reply: Callable[[dict[str, Any]], None] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> list[dict[str, Any]]:
    """Send `cmd` with `args`; return every reply line. `token` overrides the file's
    (tests use it to check that a server without the right one is not trusted)."""
    advert = advert_path if isinstance(advert_path, Advert) else read_advert(advert_path)
    if advert is None:
        raise ControlUnavailable("no running terminal advertises a control channel")
    key = advert.token if token is None else token
    try:
        reader, writer = await connect(advert, limit=MAX_REPLY_BYTES, timeout=connect_timeout)
    except (TimeoutError, OSError) as exc:
        raise ControlUnavailable(
            f"stale advertisement (pid {advert.pid}): nobody answers "
            f"at {advert.where()}: {exc or type(exc).__name__}"
        ) from None
    try:
        ns = await _server_proof(reader, writer, advert, key, nc := new_nonce())
        body = dumps({"cmd": cmd, "args": args or {}})
        writer.write(encode({"request": body, "proof": mac(key, "client", nc, ns, body)}))
        await asyncio.wait_for(writer.drain(), CONNECT_TIMEOUT_S)
        return await _replies(reader, key, nc, ns, timeout, on_reply)
    finally:
        writer.close()
        # the answer is complete; how the socket closes does not matter
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _server_proof(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, advert: Advert, key: str, nc: str
) -> str:
    """Send our nonce; return the server's once its proof checks out."""

    def impostor(why: str) -> ControlUnavailable:
        return ControlUnavailable(
            f"stale advertisement: whoever answers at {advert.where()} "
            f"is not the running terminal ({why}); nothing was sent"
        )

    try:
        writer.write(encode({"v": VERSION, "hello": nc}))
        await asyncio.wait_for(writer.drain(), CONNECT_TIMEOUT_S)
        line = await asyncio.wait_for(reader.readline(), PROOF_TIMEOUT_S)
    except TimeoutError:
        raise impostor(f"no answer within {PROOF_TIMEOUT_S:g} s") from None
    except (ValueError, OSError) as exc:
        raise impostor(str(exc) or type(exc).__name__) from None
    try:
        hello = decode(line)
    except ProtocolError as exc:
        raise impostor(str(exc) if line else "it closed at once") from None
    ns, pid = hello.get("nonce"), hello.get("pid")
    if not is_nonce(ns) or not isinstance(pid, int):
        raise impostor("it does not speak this protocol")
    if not mac_ok(mac(key, "server", nc, str(ns), pid), hello.get("proof")):
        raise impostor("it cannot prove it holds the token")
    if pid != advert.pid:
        raise impostor(f"pid {pid}, not the advertised {advert.pid}")
    return str(ns)


async def _replies(
    reader: asyncio.StreamReader,
    key: str,
    nc: str,
    ns: str,
    timeout: float,
    on_reply: Callable[[dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    seq = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            line = await asyncio.wait_for(reader.readline(), left)
        except TimeoutError:
            raise ControlRefused(f"no complete answer within {timeout:g} s") from None
        except (ValueError, OSError) as exc:
            raise ControlRefused(f"the answer broke off: {exc}") from None
        if not line:
            break
        try:
            sealed = decode(line)
            body = sealed.get("reply")
            if not isinstance(body, str) or not mac_ok(
                mac(key, "reply", nc, ns, seq, body), sealed.get("mac")
            ):
                raise ProtocolError("it fails its check")
            reply = decode(body)
        except ProtocolError as exc:
            raise ControlRefused(f"an answer that cannot be trusted: {exc}") from None
        seq += 1
        if reply.get("event") == "error":
            raise ControlRefused(str(reply.get("error") or "refused"))
        replies.append(reply)
        if on_reply is not None:
            on_reply(reply)
    if not replies:
        raise ControlRefused("the running terminal closed without an answer")
    return replies
