"""Who is subscribed to what, and fan-out of pre-encoded frames to them.

Publishing appends the same bytes to each subscriber's buffer and schedules one flush per
event-loop pass, so a burst of frames costs one transport write per connection.
Connection-level faults (drop, stall, latency, malformed frames) are applied here, to
market streams and private user-data connections alike: every byte the server writes on a
WebSocket (stream data, private events, request replies, pongs) goes through this module.

A stalled connection writes nothing at all, as a black-holed TCP path would: frames meant
for it while stalled are lost, never queued, and lifting the stall replays nothing (Binance
never replays private events either; the client has to reconcile over REST).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable

from aiohttp import web

from .frames import RawSink, text_frame
from .hostile import HOSTILE_KINDS, hostile_depth

MAX_BUFFER = 64 * 1024 * 1024
KINDS = ("market", "user")
MALFORMED_TARGETS = KINDS
TARGET_ALIASES = {"all": "all", "market": "market", "user": "user", "private": "user"}


class Conn:
    """One WebSocket connection (market streams or the user-data WS API)."""

    __slots__ = ("account", "id", "kind", "lost", "sink", "stalled", "sub_id", "topics", "ws")

    def __init__(self, cid: int, kind: str, ws: web.WebSocketResponse, sink: RawSink) -> None:
        self.id = cid
        self.kind = kind  # "market" or "user"
        self.ws = ws
        self.sink = sink
        self.topics: set[str] = set()
        self.stalled = False
        self.lost = 0  # frames discarded while stalled (events, replies, pongs)
        self.account: str | None = None
        self.sub_id: int | None = None

    def info(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "topics": sorted(self.topics),
            "stalled": self.stalled,
            "account": self.account,
            "lost": self.lost,
            "subscribed": self.sub_id is not None and self.account is not None,
        }


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
        # pending frame corruptions ("malformed"/"truncated") per target: the next market
        # stream frames, or the next private events of user-data connections
        self.malformed: dict[str, list[str]] = {t: [] for t in MALFORMED_TARGETS}
        self.frames_sent = 0
        self.frames_lost = 0
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
        """A market-stream frame to every subscriber of `topic`."""
        subs = self.topics.get(topic)
        if not subs:
            return
        if self.malformed["market"]:
            frame = self._corrupt(frame, "market")  # one corrupted frame, as all see it
        for c in subs:
            self._queue(c, frame)
        self._schedule()

    def send_event(self, conn: Conn, frame: bytes) -> None:
        """A private user-data event (executionReport, outboundAccountPosition,
        balanceUpdate) to one connection: stall, latency and malformed faults apply."""
        if self.malformed["user"] and not conn.stalled:
            frame = self._corrupt(frame, "user")
        self._queue(conn, frame)
        self._schedule()

    def send_user(self, account: str, frame: bytes) -> None:
        """The same private event to every user-data connection of `account`."""
        for c in list(self.users.get(account, ())):
            self.send_event(c, frame)

    def send_direct(self, conn: Conn, frame: bytes) -> None:
        """Replies (acks, errors, pongs) go through the same buffer to keep ordering. A
        stalled connection loses them too: it delivers nothing, like a stalled TCP path."""
        self._queue(conn, frame)
        self._schedule()

    def _queue(self, conn: Conn, frame: bytes) -> None:
        if conn.stalled:
            conn.lost += 1
            self.frames_lost += 1
            return
        conn.sink.buf.append(frame)
        self._dirty.add(conn)

    def _corrupt(self, frame: bytes, target: str) -> bytes:
        kind = self.malformed[target][0]
        payload = frame[2:] if frame[1] < 126 else frame[4:] if frame[1] == 126 else frame[10:]
        if kind in HOSTILE_KINDS:  # valid JSON with impossible content: depth diffs only
            hostile = hostile_depth(payload, kind)
            if hostile is None:
                return frame  # not a depth diff with levels: the next one gets it
            self.malformed[target].pop(0)
            return text_frame(hostile)
        self.malformed[target].pop(0)
        if kind == "truncated":
            return text_frame(payload[: max(1, len(payload) // 2)])
        return text_frame(b"\x00{not json" + payload[:8])

    def add_malformed(self, kind: str, count: int, target: str) -> None:
        self.malformed[target].extend([kind] * count)

    def malformed_pending(self) -> int:
        return sum(len(v) for v in self.malformed.values())

    def clear_malformed(self) -> None:
        for v in self.malformed.values():
            v.clear()

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
    def select(
        self, target: str = "all", conn_id: int | None = None, account: str | None = None
    ) -> list[Conn]:
        """Connections a fault applies to: one by id, else every connection of `target`
        ("all", "market", "user" or its alias "private"), narrowed to the user-data
        connections of `account` when one is given."""
        if conn_id is not None:
            c = self.conns.get(int(conn_id))
            return [c] if c else []
        kind = TARGET_ALIASES.get(target)
        if kind is None:
            raise ValueError(f"target must be one of {', '.join(TARGET_ALIASES)}")
        return [
            c
            for c in self.conns.values()
            if kind in ("all", c.kind) and (account is None or c.account == account)
        ]

    def drop(
        self, target: str = "all", conn_id: int | None = None, account: str | None = None
    ) -> int:
        return self.drop_conns(self.select(target, conn_id, account))

    def drop_conns(self, victims: list[Conn]) -> int:
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
            except Exception:
                c.sink.transport.abort()
            self.unregister(c)
