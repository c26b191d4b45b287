"""Futures WebSockets: the listenKey user-data stream (``/private/ws?listenKey=``, as
ccxt.pro's binance connects for linear markets) with ORDER_TRADE_UPDATE, ALGO_UPDATE and
ACCOUNT_UPDATE events, and the market stream (``/market/ws``, ``/public/ws``) with the
``<symbol>@markPrice`` (every 3 s), ``<symbol>@markPrice@1s``, ``!markPrice@arr`` and
``<symbol>@depth`` streams. Frames go through the hub, so the connection faults apply as on spot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import Protocol

import orjson
from aiohttp import WSMsgType, web

from ..frames import encode, pong_frame
from ..hub import Conn
from . import lifecycle, wire
from .accounts import Position
from .forders import FOrder
from .host import FuturesStreamHost
from .market_rest import contract_qty

TICK_S = 0.1
FUT = "fapi:"  # hub namespace of the futures depth topics
DEPTH_SUFFIXES = ("@depth", "@depth@100ms", "@depth@250ms", "@depth@500ms")
log = logging.getLogger("terminal.paper")


class FuturesStream:
    def __init__(self, srv: FuturesStreamHost) -> None:
        self.srv = srv
        # account -> listenKey lives in the venue (it is saved with it); listenKey -> account
        self.by_account = srv.futures.listen_keys
        self.keys: dict[str, str] = {lk: a for a, lk in self.by_account.items()}
        self.users: dict[str, set[Conn]] = {}
        v = srv.futures
        srv.feeds.on_diff.append(self.publish_depth)
        v.on_order.append(self.on_order)
        v.on_algo.append(self.on_algo)
        v.on_account.append(self.on_account)

    # --- listen keys --------------------------------------------------------------------
    def listen_key(self, account: str, fresh: str) -> str:
        """The account's listenKey (an existing one is kept, as Binance does)."""
        lk = self.by_account.get(account)
        if lk is None:
            lk = self.by_account[account] = fresh
            self.keys[lk] = account
        return lk

    def drop_key(self, account: str) -> None:
        lk = self.by_account.pop(account, None)
        if lk is not None:
            self.keys.pop(lk, None)
        for c in list(self.users.pop(account, ())):
            self.srv.hub.drop_conns([c])

    # --- events -------------------------------------------------------------------------
    def _send(self, account: str, event: dict[str, object]) -> None:
        conns = self.users.get(account)
        if not conns:
            return
        frame = encode(event)
        for c in list(conns):
            self.srv.hub.send_event(c, frame)

    def on_order(self, account: str, payload: dict[str, object]) -> None:
        now = self.srv.now_ms()
        self._send(
            account,
            {"e": "ORDER_TRADE_UPDATE", "E": now, "T": payload.get("T") or now, "o": payload},
        )

    def on_algo(self, account: str, o: FOrder) -> None:
        now = self.srv.now_ms()
        self._send(account, {"e": "ALGO_UPDATE", "T": now, "E": now, "o": o.algo_update(now)})

    def on_account(
        self, account: str, reason: str, positions: list[Position], change: Decimal = Decimal(0)
    ) -> None:
        if account in self.users:
            v = self.srv.futures
            self._send(
                account, wire.account_update(v, v.account(account), reason, positions, change)
            )

    # --- mark price ---------------------------------------------------------------------
    def publish_marks(self, every_1s: bool, every_3s: bool) -> None:
        hub, v = self.srv.hub, self.srv.futures
        now = self.srv.now_ms()
        rows = []
        for sym in v.contracts:
            ev = {
                "e": "markPriceUpdate",
                "E": now,
                "s": sym,
                "p": wire.s(v.mark_price(sym)),
                "i": wire.s(v.index_price(sym)),
                "P": wire.s(v.index_price(sym)),
                "r": wire.s(v.funding_rate(sym)),
                "T": v.next_funding_time(now),
            }
            rows.append(ev)
            low = sym.lower()
            if every_1s and hub.has(f"{low}@markPrice@1s"):
                hub.publish(f"{low}@markPrice@1s", encode(ev))
            if every_3s and hub.has(f"{low}@markPrice"):
                hub.publish(f"{low}@markPrice", encode(ev))
        if every_1s and hub.has("!markPrice@arr@1s"):
            hub.publish("!markPrice@arr@1s", encode(rows))
        if every_3s and hub.has("!markPrice@arr"):
            hub.publish("!markPrice@arr", encode(rows))

    # --- depth ----------------------------------------------------------------------
    def publish_depth(
        self,
        symbol: str,
        first: int,
        last: int,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
    ) -> None:
        """A spot book diff as the contract's ``depthUpdate``: quantities in whole
        contract steps, ``pu`` the final update id of the previous event (U - 1, so a
        skipped id shows as a gap as on Binance)."""
        c = self.srv.futures.contracts.get(symbol)
        if c is None:
            return
        hub, low = self.srv.hub, symbol.lower()
        topics = [FUT + low + s for s in DEPTH_SUFFIXES if hub.has(FUT + low + s)]
        if not topics:
            return
        now = self.srv.now_ms()
        ps = c.spot.price_str
        frame = encode(
            {
                "e": "depthUpdate",
                "E": now,
                "T": now,
                "s": symbol,
                "U": first,
                "u": last,
                "pu": first - 1,
                "b": [[ps(t), contract_qty(c, q)] for t, q in bids],
                "a": [[ps(t), contract_qty(c, q)] for t, q in asks],
            }
        )
        for t in topics:
            hub.publish(t, frame)

    def valid_topic(self, topic: str) -> bool:
        if topic in ("!markPrice@arr", "!markPrice@arr@1s"):
            return True
        sym, _, rest = topic.partition("@")
        return sym.upper() in self.srv.futures.contracts and rest in (
            "markPrice",
            "markPrice@1s",
            "depth",
            "depth@100ms",
            "depth@250ms",
            "depth@500ms",
        )

    @staticmethod
    def hub_topic(topic: str) -> str:
        """Futures depth shares the hub with spot depth: its topics are prefixed."""
        return FUT + topic if "@depth" in topic else topic

    async def run(self, stop: asyncio.Event) -> None:
        """Tick the venue (fills, triggers, liquidation, funding, countdowns) and publish
        the mark price streams."""
        n = 0
        while not stop.is_set():
            try:
                lifecycle.tick(self.srv.futures)
                if n % 10 == 0:
                    self.publish_marks(True, n % 30 == 0)
            except Exception:
                import logging

                logging.getLogger("terminal.paper").exception("futures tick failed")
            n += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_S)


class FuturesWsHost(FuturesStreamHost, Protocol):
    """The futures WebSocket endpoints: the publisher's host and the publisher."""

    futures_stream: FuturesStream


def setup(app: web.Application, srv: FuturesWsHost) -> None:
    async def private(request: web.Request) -> web.StreamResponse:
        lk = request.query.get("listenKey") or request.match_info.get("key", "")
        account = srv.futures_stream.keys.get(lk)
        if account is None:
            raise web.HTTPBadRequest(
                content_type="application/json",
                text='{"code":-1125,"msg":"This listenKey does not exist. Please use '
                '`POST /fapi/v1/listenKey` to recreate `listenKey`"}',
            )
        ws = web.WebSocketResponse(compress=False, autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = srv.hub.register(ws, "user")
        conn.account = account
        fs = srv.futures_stream
        fs.users.setdefault(account, set()).add(conn)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    srv.hub.send_direct(conn, pong_frame(msg.data))
        finally:
            fs.users.get(account, set()).discard(conn)
            conn.account = None
            srv.hub.unregister(conn)
        return ws

    async def market(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        hub = srv.hub
        conn = hub.register(ws, "market")
        fs = srv.futures_stream
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    hub.send_direct(conn, pong_frame(msg.data))
                elif msg.type == WSMsgType.TEXT:
                    try:
                        req = orjson.loads(msg.data)
                    except orjson.JSONDecodeError:
                        req = None
                    if not isinstance(req, dict):
                        hub.send_direct(
                            conn, encode({"error": {"code": 2, "msg": "Invalid request"}})
                        )
                        continue
                    rid, method = req.get("id"), req.get("method")
                    params = req.get("params") or []
                    if method in ("SUBSCRIBE", "UNSUBSCRIBE") and isinstance(params, list):
                        bad = [p for p in params if not isinstance(p, str) or not fs.valid_topic(p)]
                        if method == "SUBSCRIBE" and bad:
                            hub.send_direct(
                                conn,
                                encode(
                                    {
                                        "error": {
                                            "code": 2,
                                            "msg": f"Invalid request: invalid stream {bad[0]}",
                                        },
                                        "id": rid,
                                    }
                                ),
                            )
                            continue
                        (hub.subscribe if method == "SUBSCRIBE" else hub.unsubscribe)(
                            conn, [fs.hub_topic(p) for p in params]
                        )
                        hub.send_direct(conn, encode({"result": None, "id": rid}))
                    elif method == "LIST_SUBSCRIPTIONS":
                        hub.send_direct(
                            conn,
                            encode(
                                {
                                    "result": sorted(t.removeprefix(FUT) for t in conn.topics),
                                    "id": rid,
                                }
                            ),
                        )
                    else:
                        hub.send_direct(
                            conn,
                            encode(
                                {
                                    "error": {"code": 2, "msg": "Invalid request: unknown method"},
                                    "id": rid,
                                }
                            ),
                        )
        finally:
            hub.unregister(conn)
        return ws

    app.router.add_get("/private/ws", private)
    for base in ("/market/ws", "/public/ws"):  # ccxt appends a stream index: /market/ws/0
        app.router.add_get(base, market)
        app.router.add_get(base + "/{tail:.*}", market)
