"""Shared set-up for the order integration tests: REAL session, journal and service.

No tests here. The session is the real VenueSession (ccxt binance pointed at the
paper exchange), the journal the SQLite one, the service the real OrderService.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.core.orders import OrderPolicy, OrderService
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, SessionOptions, VenueSession
from terminal.journal import SqlJournal

PAPER = VenueId("paper")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)
BTC = Symbol("BTC/USDT")
FAST = OrderPolicy(
    unknown_query_backoff_s=0.1, unknown_query_backoff_max_s=0.5, double_submit_window_s=0.0
)
RAW_STATUS = {  # Binance order status -> ours
    "NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}


@contextlib.asynccontextmanager
async def order_stack(
    handle: Any,
    journal_path: Path,
    *,
    account: int = 0,
    timeout_ms: int = 10_000,
    reconcile: bool = True,
    policy: OrderPolicy = FAST,
) -> AsyncIterator[tuple[Any, SqlJournal, OrderService]]:
    endpoint = PaperEndpoint(handle.url, (handle.accounts[account],))
    session = VenueSession(
        paper_info(),
        VenueMode.PAPER,
        "default",
        paper=endpoint,
        options=SessionOptions(heartbeat_s=0, rate_limit_ms=1, timeout_ms=timeout_ms),
    )
    journal = SqlJournal.open(f"sqlite:///{journal_path}")
    service = OrderService(journal, policy=policy)
    try:
        await session.connect()
        service.attach(session)
        if reconcile:
            result = await service.reconcile(PAPER_KEY)
            assert result.ok, result.error
        yield session, journal, service
    finally:
        await service.aclose()
        await session.close()
        journal.close()


async def touch_prices(session: Any, symbol: str = BTC) -> tuple[Decimal, Decimal]:
    book = await session.fetch_order_book_raw(symbol, 5)
    return Decimal(repr(book["bids"][0][0])), Decimal(repr(book["asks"][0][0]))


def ticket(
    side: str,
    type_: str,
    amount: str,
    price: Decimal | str | None = None,
    tif: str = "GTC",
    post_only: bool = False,
    symbol: Symbol = BTC,
) -> OrderRequest:
    if price is not None:
        price = Decimal(price).quantize(Decimal("0.01"))
    return OrderRequest(
        venue=PAPER,
        symbol=symbol,
        side=Side(side),
        type=OrderType(type_),
        amount=Decimal(amount),
        price=price,
        time_in_force=TimeInForce(tif),
        post_only=post_only,
    )


async def venue_orders_with_client_id(
    ex: Any, client_order_id: str, symbol: str = BTC
) -> list[dict]:
    """Every order the venue holds with that client id (plain ccxt, all states)."""
    orders = await ex.fetch_orders(symbol, params={"limit": 1000})
    return [o for o in orders if o.get("clientOrderId") == client_order_id]


def services_options(tmp_path: Path, paper: Any, key: str, secret: str) -> Any:
    """TerminalServices options for a paper exchange started with `--account key:secret`
    (user streams on, no session heartbeat)."""
    from terminal.services import ServicesOptions

    return ServicesOptions(
        data_dir=str(tmp_path),
        paper_url=paper.url,
        paper_account=f"{key}:{secret}",
        private_streams=True,
        session_heartbeat_s=0,
    )


async def eventually(predicate: Any, timeout: float = 15.0) -> Any:
    """The first truthy value of the async `predicate`, polled until `timeout` s."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
