"""Private user-data stream over the WebSocket API (/ws-api/v3), as ccxt 4.5.90 uses it:
``userDataStream.subscribe.signature``, then executionReport / outboundAccountPosition /
balanceUpdate events wrapped in ``{"subscriptionId": n, "event": {...}}``.

Events go out through ``Hub.send_event`` and replies (and pongs) through
``Hub.send_direct``, so every connection fault of the market streams applies here too: a
stalled connection loses its events, replies and pongs; latency delays them; malformed
and truncated frames (target "user") replace the next events."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Protocol

import orjson
from aiohttp import WSMsgType, web

from .errors import ApiError
from .frames import encode, pong_frame
from .host import StreamHost
from .hub import Conn
from .orderlist import OrderList
from .orders import ExecEvent


class UserEvents:
    """Encodes engine events for the accounts' user-stream connections."""

    def __init__(self, srv: StreamHost) -> None:
        self.srv = srv
        self.pending_balances: dict[str, set[str]] = {}
        self._scheduled = False

    def on_exec(self, account: str, ev: ExecEvent) -> None:
        subs = self.srv.hub.users.get(account)
        if not subs:
            return
        o = ev.order
        m = self.srv.engine.specs[o.symbol]
        canceled = ev.exec_type == "CANCELED"
        report = {
            "e": "executionReport",
            "E": ev.time,
            "s": o.symbol,
            "c": ev.cancel_client_id if canceled else o.client_id,
            "S": o.side,
            "o": o.type,
            "f": o.tif,
            "q": m.qty_str(o.orig_qty),
            "p": m.price_str(o.price),
            "P": m.price_str(o.stop_price),
            "F": "0.00000000",
            "g": o.order_list_id,
            "C": o.client_id if canceled else "",
            "x": ev.exec_type,
            "X": o.status,
            "r": "NONE",
            "i": o.order_id,
            "l": m.qty_str(ev.last_qty),
            "z": m.qty_str(o.executed),
            "L": m.price_str(ev.last_price),
            "n": f"{ev.commission:.8f}",
            "N": ev.commission_asset,
            "T": ev.time,
            "t": ev.trade_id,
            "v": 0,
            "I": 0,
            "w": o.is_open and o.working,
            "m": ev.is_maker,
            "M": False,
            "O": o.time,
            "Z": m.notional_str(o.cum_quote),
            "Y": m.notional_str(ev.last_qty * ev.last_price),
            "Q": f"{o.quote_order_qty:.8f}",
            "V": "NONE",
        }
        if o.working:
            report["W"] = o.wire_working_time
        if o.trailing_delta:
            report["d"] = o.trailing_delta
            if o.trailing_time != -1:
                report["D"] = o.trailing_time
        for c in list(subs):
            self.srv.hub.send_event(c, encode({"subscriptionId": c.sub_id, "event": report}))

    def on_list(self, account: str, lst: OrderList) -> None:
        """The ``listStatus`` event of an order list (after its executionReports)."""
        subs = self.srv.hub.users.get(account)
        if not subs:
            return
        ev = {
            "e": "listStatus",
            "E": self.srv.now_ms(),
            "s": lst.symbol,
            "g": lst.list_id,
            "c": lst.contingency,
            "l": lst.status_type,
            "L": lst.order_status,
            "r": "NONE",
            "C": lst.client_id,
            "T": lst.update_time or lst.time,
            "O": [{"s": lst.symbol, "i": i, "c": c} for i, c in lst.client_ids],
        }
        for c in list(subs):
            self.srv.hub.send_event(c, encode({"subscriptionId": c.sub_id, "event": ev}))

    def on_balance(self, account: str, assets: set[str]) -> None:
        if account not in self.srv.hub.users:
            return
        self.pending_balances.setdefault(account, set()).update(assets)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush_balances)

    def flush_balances(self) -> None:
        self._scheduled = False
        pending, self.pending_balances = self.pending_balances, {}
        for account, assets in pending.items():
            self.push_position(account, assets)

    def push_position(
        self, account: str, assets: set[str] | None, only: Conn | None = None
    ) -> None:
        led = self.srv.engine.ledger
        snap = led.snapshot(account)
        now = self.srv.now_ms()
        rows = [
            {"a": a, "f": f"{f:.8f}", "l": f"{lk:.8f}"}
            for a, (f, lk) in snap.items()
            if assets is None or a in assets
        ]
        ev = {"e": "outboundAccountPosition", "E": now, "u": now, "B": rows}
        for c in [only] if only else list(self.srv.hub.users.get(account, ())):
            self.srv.hub.send_event(c, encode({"subscriptionId": c.sub_id, "event": ev}))

    def balance_update(self, account: str, asset: str, delta: Decimal) -> None:
        now = self.srv.now_ms()
        ev = {"e": "balanceUpdate", "E": now, "a": asset, "d": f"{delta:.8f}", "T": now}
        for c in list(self.srv.hub.users.get(account, ())):
            self.srv.hub.send_event(c, encode({"subscriptionId": c.sub_id, "event": ev}))


class UserStreamHost(StreamHost, Protocol):
    """The user data stream's endpoint: the stream host and its account events."""

    user_events: UserEvents


def setup(app: web.Application, srv: UserStreamHost) -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        # pings are answered by the hub (pong_frame), so a stalled connection stays silent
        ws = web.WebSocketResponse(compress=False, autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = srv.hub.register(ws, "user")
        next_sub = 0
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    srv.hub.send_direct(conn, pong_frame(msg.data))
                    continue
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    req = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    srv.hub.send_direct(
                        conn,
                        encode(
                            {
                                "id": None,
                                "status": 400,
                                "error": {"code": -1102, "msg": "Malformed request."},
                            }
                        ),
                    )
                    continue
                rid = req.get("id") if isinstance(req, dict) else None
                method = req.get("method") if isinstance(req, dict) else None
                params = req.get("params") or {} if isinstance(req, dict) else {}
                try:
                    if method == "userDataStream.subscribe.signature":
                        account = srv.auth.verify_ws_params(params, srv.now_ms())
                        conn.sub_id = next_sub
                        next_sub += 1
                        srv.hub.attach_user(conn, account)
                        srv.hub.send_direct(
                            conn,
                            encode(
                                {
                                    "id": rid,
                                    "status": 200,
                                    "result": {"subscriptionId": conn.sub_id},
                                    "rateLimits": [],
                                }
                            ),
                        )
                        srv.user_events.push_position(account, None, only=conn)
                    elif method == "userDataStream.unsubscribe":
                        srv.hub.detach_user(conn)
                        srv.hub.send_direct(conn, encode({"id": rid, "status": 200, "result": {}}))
                    elif method == "ping":
                        srv.hub.send_direct(conn, encode({"id": rid, "status": 200, "result": {}}))
                    elif method == "time":
                        srv.hub.send_direct(
                            conn,
                            encode(
                                {"id": rid, "status": 200, "result": {"serverTime": srv.now_ms()}}
                            ),
                        )
                    else:
                        raise ApiError(-1102, f"Unknown method: {method}")
                except ApiError as e:
                    srv.hub.send_direct(
                        conn, encode({"id": rid, "status": e.status, "error": e.body()})
                    )
        finally:
            srv.hub.unregister(conn)
        return ws

    app.router.add_get("/ws-api/v3", handler)
