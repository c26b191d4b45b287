"""`ControlServer`: the loopback listener of the process that holds the journal.

asyncio streams on the running loop (plain asyncio or the GUI's qasync loop): accepting
and answering never blocks. Every connection is bounded: one request line of at most
MAX_REQUEST_BYTES read within REQUEST_READ_TIMEOUT_S, at most MAX_CONNECTIONS at once,
an engage reply within ENGAGE_REPLY_TIMEOUT_S (the sweep keeps running in its owner if
the reply gives up waiting). The token is compared in constant time and never logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Protocol

from terminal.control.advert import HOST, Advert, new_token, remove_advert, write_advert
from terminal.control.protocol import (
    COMMANDS,
    ENGAGE_REPLY_TIMEOUT_S,
    MAX_CONNECTIONS,
    MAX_REQUEST_BYTES,
    REQUEST_READ_TIMEOUT_S,
    ProtocolError,
    decode,
    encode,
)

log = logging.getLogger(__name__)


class CommandRefused(Exception):
    """The handler refuses a well-formed command (the message goes to the client)."""


class ControlHandler(Protocol):
    """What the channel's commands do (the composition root implements it)."""

    def engage(self, scope: str, reason: str, settle_timeout: float
               ) -> tuple[dict[str, Any], Awaitable[dict[str, Any]]]:
        """Block new orders before returning; return (state, awaitable sweep result).

        The awaitable may be cancelled when the channel stops waiting; it must shield
        the sweep itself, which belongs to the handler's owner."""

    def status(self) -> dict[str, Any]: ...

    async def reset(self, phrase: str) -> dict[str, Any]:
        """Lift the stop if `phrase` is the confirmation phrase, else CommandRefused."""


class ControlServer:
    def __init__(self, handler: ControlHandler, advert_path: Path, *,
                 engage_reply_timeout: float = ENGAGE_REPLY_TIMEOUT_S) -> None:
        self._handler = handler
        self._advert_path = Path(advert_path)
        self._engage_timeout = engage_reply_timeout
        self._token = new_token()
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.advert: Advert | None = None

    @property
    def port(self) -> int | None:
        return self.advert.port if self.advert is not None else None

    async def start(self) -> Advert:
        """Listen on 127.0.0.1 (a free port) and write the advertisement file."""
        self._server = await asyncio.start_server(
            self._on_connection, HOST, 0, limit=MAX_REQUEST_BYTES)
        port = self._server.sockets[0].getsockname()[1]
        try:
            self.advert = await asyncio.to_thread(
                write_advert, self._advert_path, port, self._token)
        except BaseException:
            self._server.close()
            self._server = None
            raise
        log.info("control channel on %s:%d (advertised in %s)", HOST, port, self._advert_path)
        return self.advert

    async def aclose(self, timeout: float = 2.0) -> None:
        """Stop listening, drop open connections (bounded), remove the file if ours."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        try:
            await asyncio.to_thread(remove_advert, self._advert_path, self._token)
        except OSError as exc:
            log.warning("could not remove %s: %s", self._advert_path, exc)

    # ---- one connection --------------------------------------------------------------
    async def _on_connection(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        busy = len(self._connections) >= MAX_CONNECTIONS
        if task is not None:
            self._connections.add(task)
        try:
            if busy:
                await self._send(writer, {"event": "error", "error": "busy"})
                return
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to answer
        except Exception:
            log.exception("control channel: request failed")
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except Exception:
                pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), REQUEST_READ_TIMEOUT_S)
        except TimeoutError:
            await self._send(writer, {"event": "error", "error": "request timed out"})
            return
        except ValueError:  # longer than the stream limit
            await self._send(writer, {"event": "error", "error": "request too large"})
            return
        try:
            request = decode(line)
        except ProtocolError as exc:
            await self._send(writer, {"event": "error", "error": f"bad request: {exc}"})
            return
        token = request.get("token")
        if not isinstance(token, str) or not secrets.compare_digest(
                token.encode(), self._token.encode()):
            log.warning("control channel: refused a request with a wrong token")
            await self._send(writer, {"event": "error", "error": "not authorised",
                                      "auth": False})
            return
        cmd = request.get("cmd")
        args = request.get("args") if isinstance(request.get("args"), dict) else {}
        if cmd not in COMMANDS:
            await self._send(writer, {"event": "error", "error": f"unknown command {cmd!r}"})
            return
        log.info("control channel: %s", cmd)
        try:
            if cmd == "status":
                await self._send(writer, {"event": "status", **self._handler.status()})
            elif cmd == "reset":
                reply = await self._handler.reset(str(args.get("phrase", "")))
                await self._send(writer, {"event": "reset", **reply})
            else:
                await self._engage(writer, args)
        except CommandRefused as exc:
            await self._send(writer, {"event": "error", "error": str(exc)})

    async def _engage(self, writer: asyncio.StreamWriter, args: dict[str, Any]) -> None:
        try:
            settle = min(60.0, max(0.0, float(args.get("settle_timeout", 10.0))))
        except (TypeError, ValueError):
            settle = 10.0
        state, pending = self._handler.engage(str(args.get("scope", "all")),
                                              str(args.get("reason", ""))[:500], settle)
        await self._send(writer, {"event": "engaged", **state})
        future = asyncio.ensure_future(pending)
        try:
            done, _ = await asyncio.wait({future}, timeout=self._engage_timeout)
        finally:
            if not future.done():  # the handler shields the sweep: it goes on in its owner
                future.cancel()
        if not done:
            await self._send(writer, {"event": "result", "finished": False,
                                      "error": f"the sweep did not finish within "
                                               f"{self._engage_timeout:g} s; it goes on in "
                                               "the running terminal"})
            return
        try:
            result = future.result()
        except asyncio.CancelledError:
            await self._send(writer, {"event": "result", "finished": False,
                                      "error": "the sweep was cancelled (terminal closing)"})
            return
        except Exception as exc:
            log.exception("control channel: the sweep failed")
            await self._send(writer, {"event": "result", "finished": False,
                                      "error": f"the sweep failed: {exc}"})
            return
        await self._send(writer, {"event": "result", "finished": True, **result})

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        writer.write(encode({"pid": os.getpid(), **message}))
        await asyncio.wait_for(writer.drain(), 5.0)
