"""Who is subscribed to what, and fan-out of pre-encoded frames to them.

Publishing appends the same bytes to each subscriber's buffer and schedules one flush per
event-loop pass, so a burst of frames costs one transport write per connection.
Connection-level faults (drop, stall, latency, malformed frames) are applied here.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable

from aiohttp import web

from .frames import RawSink, text_frame

MAX_BUFFER = 64 * 1024 * 1024


class Conn:
    """One WebSocket connection (market streams or the user-data WS API)."""

    __slots__ = ("account", "id", "kind", "sink", "stalled", "sub_id", "topics", "ws")

    def __init__(self, cid: int, kind: str, ws: web.WebSocketResponse, sink: RawSink) -> None:
        self.id = cid
        self.kind = kind  # "market" or "user"
        self.ws = ws
        self.sink = sink
        self.topics: set[str] = set()
        self.stalled = False
        self.account: str | None = None
        self.sub_id: int | None = None

    def info(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "topics": sorted(self.topics),
                "stalled": self.stalled, "account": self.account}


class Hub:
    def __init__(self, max_buffer: int = MAX_BUFFER) -> None:
        self.max_buffer = max_buffer
        self.conns: dict[int, Conn] = {}
        self.topics: dict[str, set[Conn]] = {}
        self.users: dict[str, set[Conn]] = {}
        self._ids = itertools.count(1)
        self._dirty: set[Conn] = set()
        self._flush_scheduled = False
        self.ws_latency = 0.0
        self.malformed: list[str] = []  # pending frame corruptions: "malformed"/"truncated"
        self.malformed_target = "market"
        self.frames_sent = 0
        self.depth_diffs_sent = 0

    # --- registration -------------------------------------------------------------------
    def register(self, ws: web.WebSocketResponse, kind: str) -> Conn:
        sink = RawSink(ws, self.max_buffer)
        sink.latency = self.ws_latency
        conn = Conn(next(self._ids), kind, ws, sink)
        self.conns[conn.id] = conn
        return conn

    def unregister(self, conn: Conn) -> None:
        self.conns.pop(conn.id, None)
        for t in conn.topics:
            subs = self.topics.get(t)
            if subs is not None:
                subs.discard(conn)
                if not subs:
                    del self.topics[t]
        conn.topics.clear()
        if conn.account is not None:
            subs = self.users.get(conn.account)
            if subs is not None:
                subs.discard(conn)
        self._dirty.discard(conn)

    def subscribe(self, conn: Conn, topics: Iterable[str]) -> None:
        for t in topics:
            if t not in conn.topics:  # idempotent: a repeated SUBSCRIBE starts no second feed
                conn.topics.add(t)
                self.topics.setdefault(t, set()).add(conn)

    def unsubscribe(self, conn: Conn, topics: Iterable[str]) -> None:
        for t in topics:
            if t in conn.topics:
                conn.topics.discard(t)
                subs = self.topics.get(t)
                if subs is not None:
                    subs.discard(conn)
                    if not subs:
                        del self.topics[t]

    def attach_user(self, conn: Conn, account: str) -> None:
        conn.account = account
        self.users.setdefault(account, set()).add(conn)

    def detach_user(self, conn: Conn) -> None:
        if conn.account is not None:
            subs = self.users.get(conn.account)
            if subs is not None:
                subs.discard(conn)
        conn.account = None

    def has(self, topic: str) -> bool:
        return topic in self.topics

    # --- sending ------------------------------------------------------------------------
    def publish(self, topic: str, frame: bytes) -> None:
        self._fan_out(self.topics.get(topic), frame, "market")

    def send_user(self, account: str, frame: bytes) -> None:
        self._fan_out(self.users.get(account), frame, "user")

    def _fan_out(self, subs, frame: bytes, target: str) -> None:  # type: ignore[no-untyped-def]
        """Queue `frame` for every subscriber that is not stalled (faults apply here)."""
        if not subs:
            return
        if self.malformed and self.malformed_target == target:
            frame = self._corrupt(frame)
        for c in subs:
            if not c.stalled:
                c.sink.buf.append(frame)
                self._dirty.add(c)
        self._schedule()

    def send_direct(self, conn: Conn, frame: bytes) -> None:
        """Replies (acks, errors) go through the same buffer to keep ordering."""
        conn.sink.buf.append(frame)
        self._dirty.add(conn)
        self._schedule()

    def _corrupt(self, frame: bytes) -> bytes:
        kind = self.malformed.pop(0)
        payload = frame[2:] if frame[1] < 126 else frame[4:] if frame[1] == 126 else frame[10:]
        if kind == "truncated":
            return text_frame(payload[: max(1, len(payload) // 2)])
        return text_frame(b"\x00{not json" + payload[:8])

    def _schedule(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        for c in dirty:
            n = len(c.sink.buf)
            if not c.sink.flush():
                self.unregister(c)
            else:
                self.frames_sent += n

    # --- faults -------------------------------------------------------------------------
    def select(self, target: str = "all", conn_id: int | None = None) -> list[Conn]:
        if conn_id is not None:
            c = self.conns.get(conn_id)
            return [c] if c else []
        return [c for c in self.conns.values() if target in ("all", c.kind)]

    def drop(self, target: str = "all", conn_id: int | None = None) -> int:
        victims = self.select(target, conn_id)
        for c in victims:
            c.sink.closed = True
            c.sink.transport.abort()
            self.unregister(c)
        return len(victims)

    def set_latency(self, seconds: float) -> None:
        self.ws_latency = seconds
        for c in self.conns.values():
            c.sink.latency = seconds

    async def close_all(self) -> None:
        for c in list(self.conns.values()):
            try:
                await asyncio.wait_for(c.ws.close(code=1001, message=b"server restart"), 0.5)
            except Exception:  # noqa: BLE001 - best effort on shutdown
                c.sink.transport.abort()
            self.unregister(c)
