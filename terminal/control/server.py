"""`ControlServer`: the listener of the process that holds the journal.

asyncio streams on the running loop (plain asyncio or the GUI's qasync loop): accepting
and answering never blocks. Idle or slow clients cannot crowd out a stop: there is no
small cap on connections; each connection has its own deadline for the whole
handshake (`HANDSHAKE_TIMEOUT_S`, so a client trickling one byte at a time is dropped
just the same), and past `MAX_PENDING` connections that have not proved themselves the
oldest of them is dropped, never the newcomer. The token never goes over the wire
(see `protocol`) and is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, Protocol

from terminal.control.advert import Advert, new_token, remove_advert, sibling, write_advert
from terminal.control.endpoint import Listening, default_transport, listen
from terminal.control.protocol import (
    COMMANDS,
    ENGAGE_REPLY_TIMEOUT_S,
    HANDSHAKE_TIMEOUT_S,
    MAX_PENDING,
    MAX_REQUEST_BYTES,
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

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 5.0


class CommandRefused(Exception):
    """The handler refuses a well-formed command (the message goes to the client)."""


class ControlHandler(Protocol):
    """What the channel's commands do (the composition root implements it)."""

    def engage(
        self,
        scope: str,
        reason: str,
        settle_timeout: float,
        *,
        venues: Sequence[str] = (),
        session: str = "",
        symbol: str = "",
    ) -> tuple[dict[str, Any], Awaitable[dict[str, Any]]]:
        """Block new orders before returning; return (state, awaitable sweep result).
        `venues`, `session` (a session label) and `symbol` narrow the stop; a target
        that names nothing is CommandRefused.

        The awaitable may be cancelled when the channel stops waiting; it must shield
        the sweep itself, which belongs to the handler's owner."""

    def status(self) -> dict[str, Any]: ...

    async def reset(
        self, phrase: str, *, venues: Sequence[str] = (), session: str = "", symbol: str = ""
    ) -> dict[str, Any]:
        """Lift the stop (only the one on the target named, if any) if `phrase` is the
        confirmation phrase, else CommandRefused."""

    def show(self) -> dict[str, Any]:
        """Bring the window to the front: {"window": bool, ...} (False when headless)."""


class _Session:
    """One authenticated connection: the nonces its replies are bound to."""

    def __init__(self, token: str, client_nonce: str, server_nonce: str) -> None:
        self.token, self.nc, self.ns = token, client_nonce, server_nonce
        self.seq = 0

    def seal(self, message: dict[str, Any]) -> dict[str, Any]:
        body = dumps({"pid": os.getpid(), **message})
        sealed = {"reply": body, "mac": mac(self.token, "reply", self.nc, self.ns, self.seq, body)}
        self.seq += 1
        return sealed


class ControlServer:
    def __init__(
        self,
        handler: ControlHandler,
        advert_path: Path,
        *,
        engage_reply_timeout: float = ENGAGE_REPLY_TIMEOUT_S,
        transport: str | None = None,
    ) -> None:
        self._handler = handler
        self._advert_path = Path(advert_path)
        self._engage_timeout = engage_reply_timeout
        self._transport = transport or default_transport()
        self._token = new_token()
        self._listening: Listening | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._pending: OrderedDict[asyncio.Task[Any], None] = OrderedDict()
        self.advert: Advert | None = None

    @property
    def token(self) -> str:
        return self._token

    async def start(self) -> Advert:
        """Listen (a private socket, or a loopback port) and write the advertisement."""
        self._listening = await listen(
            self._on_connection,
            sibling(self._advert_path, ".sock"),
            self._transport,
            limit=MAX_REQUEST_BYTES,
        )
        listening = self._listening
        try:
            self.advert = await asyncio.to_thread(
                write_advert, self._advert_path, listening.transport, listening.address, self._token
            )
        except BaseException:
            listening.server.close()
            await asyncio.to_thread(listening.remove)
            self._listening = None
            raise
        log.info("control channel on %s (advertised in %s)", self.advert.where(), self._advert_path)
        return self.advert

    async def aclose(self, timeout: float = 2.0) -> None:
        """Stop listening, drop open connections (bounded), remove the files if ours."""
        listening, self._listening = self._listening, None
        if listening is None:
            return
        listening.server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        try:
            await asyncio.to_thread(remove_advert, self._advert_path, self._token)
            await asyncio.to_thread(listening.remove)
        except OSError as exc:
            log.warning("could not remove %s: %s", self._advert_path, exc)

    # ---- one connection --------------------------------------------------------------
    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            self._pending[task] = None
            while len(self._pending) > MAX_PENDING:  # the oldest unproven one goes
                oldest, _ = self._pending.popitem(last=False)
                oldest.cancel()
        try:
            session = await self._handshake(reader, writer)
            if task is not None:
                self._pending.pop(task, None)
            if session is not None:
                await self._serve(session, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or was dropped; nothing to answer
        except Exception:
            log.exception("control channel: request failed")
        finally:
            if task is not None:
                self._connections.discard(task)
                self._pending.pop(task, None)
            writer.close()
            # closing a connection that is gone or dropped
            with contextlib.suppress(OSError, TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[_Session, dict[str, Any]] | None:
        """Prove ourselves to the client, then check its proof: (session, request)."""
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT_S):
                hello = await self._read(reader)
                if hello is None or hello.get("v") != VERSION or not is_nonce(hello.get("hello")):
                    await self._send(writer, {"v": VERSION, "error": "bad hello"})
                    return None
                session = _Session(self._token, str(hello["hello"]), new_nonce())
                await self._send(
                    writer,
                    {
                        "v": VERSION,
                        "pid": os.getpid(),
                        "nonce": session.ns,
                        "proof": mac(self._token, "server", session.nc, session.ns, os.getpid()),
                    },
                )
                sent = await self._read(reader)
        except TimeoutError:
            return None  # idle or trickling: dropped without a word
        sent = sent or {}
        body = sent.get("request")
        if not isinstance(body, str) or not mac_ok(
            mac(self._token, "client", session.nc, session.ns, body), sent.get("proof")
        ):
            log.warning("control channel: refused a request without a valid proof")
            await self._send(
                writer, session.seal({"event": "error", "error": "not authorised", "auth": False})
            )
            return None
        try:
            request = decode(body)
        except ProtocolError as exc:
            await self._send(
                writer, session.seal({"event": "error", "error": f"bad request: {exc}"})
            )
            return None
        return session, request

    async def _read(self, reader: asyncio.StreamReader) -> dict[str, Any] | None:
        try:
            line = await reader.readline()
        except ValueError:  # longer than the stream limit
            return None
        try:
            return decode(line)
        except ProtocolError:
            return None

    async def _serve(
        self,
        authenticated: tuple[_Session, dict[str, Any]],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        session, request = authenticated

        async def reply(message: dict[str, Any]) -> None:
            await self._send(writer, session.seal(message))

        cmd = request.get("cmd")
        given = request.get("args")
        args: dict[str, Any] = given if isinstance(given, dict) else {}
        if cmd not in COMMANDS:
            await reply({"event": "error", "error": f"unknown command {cmd!r}"})
            return
        log.info("control channel: %s", cmd)
        try:
            if cmd == "status":
                await reply({"event": "status", **self._handler.status()})
            elif cmd == "show":
                await reply({"event": "show", **self._handler.show()})
            elif cmd == "reset":
                answer = await self._handler.reset(str(args.get("phrase", "")), **_where(args))
                await reply({"event": "reset", **answer})
            else:
                await self._engage(reply, args)
        except CommandRefused as exc:
            await reply({"event": "error", "error": str(exc)})

    async def _engage(self, reply: Any, args: dict[str, Any]) -> None:
        try:
            settle = min(60.0, max(0.0, float(args.get("settle_timeout", 10.0))))
        except (TypeError, ValueError):
            settle = 10.0
        state, pending = self._handler.engage(
            str(args.get("scope", "all")), str(args.get("reason", ""))[:500], settle, **_where(args)
        )
        await reply({"event": "engaged", **state})
        future = asyncio.ensure_future(pending)
        try:
            done, _ = await asyncio.wait({future}, timeout=self._engage_timeout)
        finally:
            if not future.done():  # the handler shields the sweep: it goes on in its owner
                future.cancel()
        if not done:
            await reply(
                {
                    "event": "result",
                    "finished": False,
                    "error": f"the sweep did not finish within {self._engage_timeout:g} s;"
                    " it goes on in the running terminal",
                }
            )
            return
        try:
            result = future.result()
        except asyncio.CancelledError:
            await reply(
                {
                    "event": "result",
                    "finished": False,
                    "error": "the sweep was cancelled (terminal closing)",
                }
            )
            return
        except Exception as exc:
            log.exception("control channel: the sweep failed")
            await reply({"event": "result", "finished": False, "error": f"the sweep failed: {exc}"})
            return
        await reply({"event": "result", "finished": True, **result})

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        writer.write(encode(message))
        await asyncio.wait_for(writer.drain(), SEND_TIMEOUT_S)


def _where(args: dict[str, Any]) -> dict[str, Any]:
    """The stop target a request names: venues (a list of names), session, symbol."""
    venues = args.get("venues") or []
    if not isinstance(venues, list) or not all(isinstance(v, str) for v in venues):
        raise CommandRefused("venues must be a list of venue names")
    session, symbol = args.get("session") or "", args.get("symbol") or ""
    if not isinstance(session, str) or not isinstance(symbol, str):
        raise CommandRefused("session and symbol must be text")
    return {"venues": venues[:50], "session": session[:200], "symbol": symbol[:50]}
