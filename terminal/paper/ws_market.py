"""Market-stream WebSocket endpoint (/ws and /ws/<anything>): SUBSCRIBE and friends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from aiohttp import WSMsgType, web

from .frames import encode, pong_frame

if TYPE_CHECKING:
    from .host import MarketStreamHost


def setup(app: web.Application, srv: MarketStreamHost) -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        # pings are answered by the hub (pong_frame), so a stalled connection stays silent
        ws = web.WebSocketResponse(compress=False, autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        hub = srv.hub
        conn = hub.register(ws, "market")
        tail = request.match_info.get("tail", "")
        if "@" in tail:  # Binance raw-stream form: /ws/btcusdt@trade/ethusdt@trade
            topics = [t for t in tail.split("/") if srv.feeds.valid_topic(t)]
            hub.subscribe(conn, topics)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    hub.send_direct(conn, pong_frame(msg.data))
                elif msg.type == WSMsgType.TEXT:
                    _handle(srv, conn, msg.data)
        finally:
            hub.unregister(conn)
        return ws

    app.router.add_get("/ws", handler)
    app.router.add_get("/ws/{tail:.*}", handler)
    app.router.add_get("/stream", handler)


def _handle(srv: MarketStreamHost, conn, text: str) -> None:
    hub = srv.hub
    try:
        req = orjson.loads(text)
    except orjson.JSONDecodeError:
        hub.send_direct(
            conn,
            encode(
                {"error": {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}}
            ),
        )
        return
    if not isinstance(req, dict):
        hub.send_direct(conn, encode({"error": {"code": 2, "msg": "Invalid request"}}))
        return
    rid = req.get("id")
    method = req.get("method")
    params = req.get("params") or []
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            hub.send_direct(
                conn,
                encode(
                    {
                        "error": {
                            "code": 1,
                            "msg": "Invalid value type: expected Array of strings",
                        },
                        "id": rid,
                    }
                ),
            )
            return
        bad = [p for p in params if not srv.feeds.valid_topic(p)]
        if method == "SUBSCRIBE" and bad:
            hub.send_direct(
                conn,
                encode(
                    {
                        "error": {"code": 2, "msg": f"Invalid request: invalid stream {bad[0]}"},
                        "id": rid,
                    }
                ),
            )
            return
        if method == "SUBSCRIBE":
            hub.subscribe(conn, params)
        else:
            hub.unsubscribe(conn, params)
        hub.send_direct(conn, encode({"result": None, "id": rid}))
    elif method == "LIST_SUBSCRIPTIONS":
        hub.send_direct(conn, encode({"result": sorted(conn.topics), "id": rid}))
    elif method == "SET_PROPERTY" or method == "GET_PROPERTY":
        hub.send_direct(
            conn, encode({"result": None if method == "SET_PROPERTY" else False, "id": rid})
        )
    else:
        hub.send_direct(
            conn,
            encode({"error": {"code": 2, "msg": "Invalid request: unknown method"}, "id": rid}),
        )
