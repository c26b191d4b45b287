"""A real terminal-side process for the dead-man's switch test: connects a perpetual
session of the paper exchange, places a resting limit order, arms the switch and keeps
renewing it until it is killed. Prints `ARMED <client order id>` once armed."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from terminal.core.futures.deadman import DeadMansSwitch
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint, SessionOptions

BTC = Symbol("BTC/USDT:USDT")


async def main(url: str, key: str, secret: str, window_s: float) -> None:
    session = FuturesSession(
        paper_info(),
        VenueMode.PAPER,
        paper=PaperEndpoint(url, ((key, secret),)),
        options=SessionOptions(heartbeat_s=0, rate_limit_ms=1),
    )
    await session.connect()
    funding = await session.fetch_funding(BTC)
    assert funding.mark_price is not None
    price = (funding.mark_price * Decimal("0.97")).quantize(Decimal("0.01"))
    order = Order.from_request(
        OrderRequest(VenueId("paper"), BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), price)
    )
    await session.create_order(order)
    switch = DeadMansSwitch(session, [str(BTC)], window_s=window_s)
    await switch.beat()
    print("ARMED", order.client_order_id, flush=True)
    await switch.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
