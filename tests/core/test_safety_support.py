"""In-memory JournalPort and ExchangePort for the pure safety tests (no tests here).

The real journal (SQLite) and the real venue session (ccxt against the paper exchange)
are exercised by tests/integration/test_emergency_stop.py; these fakes only let the
core's rules be tested one by one, including venue errors that are hard to provoke.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from terminal.core.errors import OrderNotFoundError, VenueError
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId, VenueOrderId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.order import Order, OrderStatus
from terminal.domain.reports import OrderReport
from terminal.domain.session import SessionKey


class MemoryJournal:
    """JournalPort in memory; `fail_safety` makes record_safety_event raise."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.events: list[tuple[str, Any]] = []
        self.safety: list[tuple[str, dict, datetime]] = []
        self.fail_safety = 0

    async def record_intent(self, order: Order) -> None:
        self.orders[order.client_order_id] = order.copy()

    async def record_event(self, order: Order, event: Any, payload: Mapping | None = None) -> None:
        self.orders[order.client_order_id] = order.copy()
        self.events.append((order.client_order_id, event))

    async def record_safety_event(self, kind: str, details: Mapping[str, Any]) -> None:
        if self.fail_safety:
            self.fail_safety -= 1
            raise OSError("disk full")
        self.safety.append((kind, dict(details), datetime.now(UTC)))

    async def latest_safety_event(self, kinds: Sequence[str]):
        for kind, details, at in reversed(self.safety):
            if kind in kinds:
                return kind, dict(details), at
        return None

    async def get_order(self, client_order_id: ClientOrderId) -> Order | None:
        o = self.orders.get(client_order_id)
        return o.copy() if o else None

    async def open_orders(
        self,
        venue: VenueId | None = None,
        account: AccountLabel | None = None,
        *,
        session: SessionKey | None = None,
    ) -> list[Order]:
        return [
            o.copy()
            for o in self.orders.values()
            if not o.is_final
            and (venue is None or o.venue == venue)
            and (account is None or o.account == account)
            and (
                session is None
                or (o.venue, o.mode, o.account) == (session.venue, session.mode, session.account)
            )
        ]

    async def last_fill_ms(self, venue: VenueId, symbol: Symbol) -> int | None:
        return None

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.safety]


@dataclass
class _Resting:
    report: OrderReport


@dataclass
class MemoryVenue:
    """ExchangePort with a dict of resting orders and scripted failures.

    `fail[name]` is a list of exceptions raised (one per call) before calls succeed.
    """

    venue: VenueId = VenueId("fakex")
    mode: VenueMode = VenueMode.SANDBOX
    account: AccountLabel = AccountLabel("main")
    cancel_all_supported: bool = True
    cancel_all_empty_not_found: bool = False  # Binance: -2011 when nothing is open there
    resting: dict[str, OrderReport] = field(default_factory=dict)
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)  # resting but not listed by open orders

    @property
    def key(self) -> SessionKey:
        return SessionKey(self.venue, self.mode, self.account)

    @property
    def markets(self) -> Mapping[Symbol, MarketRules]:
        return {}

    @property
    def has_cancel_all(self) -> bool:
        return self.cancel_all_supported

    @property
    def has_edit_order(self) -> bool:
        return False

    def add(self, symbol: str, cid: str, *, vid: str | None = None) -> OrderReport:
        r = OrderReport(
            symbol=Symbol(symbol),
            status=OrderStatus.OPEN,
            client_order_id=ClientOrderId(cid),
            venue_order_id=VenueOrderId(vid or f"v{len(self.resting) + 1}"),
            side=Side.BUY,
            type=OrderType.LIMIT,
            amount=Decimal("1"),
            price=Decimal("100"),
        )
        self.resting[cid] = r
        return r

    async def _maybe_fail(self, name: str) -> None:
        await asyncio.sleep(0)
        queue = self.fail.get(name)
        if queue:
            raise queue.pop(0)

    def _canceled(self, r: OrderReport) -> OrderReport:
        return OrderReport(
            symbol=r.symbol,
            status=OrderStatus.CANCELED,
            client_order_id=r.client_order_id,
            venue_order_id=r.venue_order_id,
            side=r.side,
            type=r.type,
            amount=r.amount,
            price=r.price,
        )

    async def create_order(self, order: Order) -> OrderReport:
        raise VenueError("not used")

    async def cancel_order(self, order: Order) -> OrderReport | None:
        self.calls.append(("cancel_order", order.client_order_id))
        await self._maybe_fail("cancel_order")
        r = self.resting.pop(order.client_order_id, None)
        if r is None:
            raise OrderNotFoundError("Unknown order sent.")
        return self._canceled(r)

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]:
        self.calls.append(("cancel_all_orders", symbol))
        await self._maybe_fail("cancel_all_orders")
        out = []
        for cid, r in list(self.resting.items()):
            if r.symbol == symbol:
                out.append(self._canceled(self.resting.pop(cid)))
        if not out and self.cancel_all_empty_not_found:
            raise OrderNotFoundError("Unknown order sent.")  # Binance's -2011
        return out

    async def edit_order(
        self,
        order: Order,
        amount: Decimal,
        price: Decimal,
        new_client_order_id: ClientOrderId | None = None,
    ) -> OrderReport:
        raise VenueError("not used")

    async def fetch_order(self, client_order_id: ClientOrderId, symbol: Symbol) -> OrderReport:
        r = self.resting.get(client_order_id)
        if r is None:
            raise OrderNotFoundError("not found")
        return r

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]:
        self.calls.append(("fetch_open_orders", symbol))
        await self._maybe_fail("fetch_open_orders")
        return [
            r
            for cid, r in self.resting.items()
            if cid not in self.hidden and (symbol is None or r.symbol == symbol)
        ]

    async def fetch_my_trades(self, symbol: Symbol, since_ms: int | None = None) -> list:
        return []

    async def fetch_balances(self) -> Balances:
        return Balances({})


def journal_order(
    cid: str,
    symbol: str = "BTC/USDT",
    *,
    venue: str = "fakex",
    account: str = "main",
    mode: VenueMode = VenueMode.SANDBOX,
    status: OrderStatus = OrderStatus.OPEN,
    external: bool = False,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(cid),
        venue=VenueId(venue),
        symbol=Symbol(symbol),
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("1"),
        price=Decimal("100"),
        mode=mode,
        account=AccountLabel(account),
        status=status,
        external=external,
    )


def btc_usdt_rules(**kw: Any) -> MarketRules:
    base = dict(
        symbol=Symbol("BTC/USDT"),
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.00001"),
        min_amount=Decimal("0.00001"),
        max_amount=Decimal("9000"),
        min_notional=Decimal("5"),
        taker_fee=Decimal("0.001"),
        maker_fee=Decimal("0.001"),
    )
    base.update(kw)
    return MarketRules(**base)


def balances(**free: str) -> Balances:
    return Balances({a: Balance(a, Decimal(v), Decimal(0)) for a, v in free.items()})
