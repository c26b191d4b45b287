"""Pre-encoded WebSocket frames written straight to the transport.

A frame is encoded once (orjson + an unmasked server frame header) and the same bytes go
to every subscriber; at stress rates this, not JSON, is what keeps one core ahead of a
ccxt.pro consumer. ``RawSink`` sits beside aiohttp's own writer: both only ever write
whole frames synchronously, so they cannot interleave inside a frame.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web


def text_frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def pong_frame(payload: bytes) -> bytes:
    """The answer to a client's ping (control frames carry at most 125 bytes). Written by
    the hub rather than aiohttp's autoping so that stall and latency faults cover it."""
    payload = payload[:125]
    return bytes((0x8A, len(payload))) + payload


def encode(obj: Any) -> bytes:
    return text_frame(orjson.dumps(obj))


class RawSink:
    """Direct, buffered writes of pre-encoded frames to one WebSocket's transport."""

    __slots__ = ("buf", "closed", "latency", "loop", "max_buffer", "transport")

    def __init__(self, ws: web.WebSocketResponse, max_buffer: int) -> None:
        writer = ws._writer  # aiohttp internals: the only way to skip per-frame overhead
        assert writer is not None
        self.transport: asyncio.Transport = writer.transport
        self.buf: list[bytes] = []
        self.max_buffer = max_buffer
        self.closed = False
        self.latency = 0.0
        self.loop = asyncio.get_running_loop()

    def queue(self, frame: bytes) -> None:
        self.buf.append(frame)

    def flush(self) -> bool:
        """Write queued frames in one syscall; False if the peer is gone or too slow."""
        if not self.buf or self.closed:
            self.buf.clear()
            return not self.closed
        data = b"".join(self.buf) if len(self.buf) > 1 else self.buf[0]
        self.buf.clear()
        tr = self.transport
        if tr.is_closing():
            self.closed = True
            return False
        if tr.get_write_buffer_size() > self.max_buffer:
            # A consumer this far behind would only ever see stale data: drop it, as
            # Binance disconnects slow consumers.
            self.closed = True
            tr.abort()
            return False
        if self.latency > 0:
            self.loop.call_later(self.latency, self._late_write, data)
        else:
            tr.write(data)
        return True

    def _late_write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)
