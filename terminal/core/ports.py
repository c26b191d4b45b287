"""Ports: what the core needs from the outside, as Protocols.

Adapters implement them (terminal.exchange for venues, terminal.journal for the order
journal, terminal.secrets for credentials); the core depends only on these shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.order import Order, OrderEvent, OrderRequest
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import SessionKey


class Clock(Protocol):
    def now(self) -> datetime: ...  # timezone-aware UTC
    def monotonic(self) -> float: ...  # seconds, for timeouts and rates


@runtime_checkable
class ExchangePort(Protocol):
    """One connected venue session (one venue, one mode, one account, one market type).

    Every method raises only terminal.core.errors.VenueError subclasses. Reads may be
    retried by the adapter; create/cancel/edit are never retried by it.
    """

    venue: VenueId
    mode: VenueMode
    account: AccountLabel
    key: SessionKey  # the session these four make up; orders are routed by it

    @property
    def markets(self) -> Mapping[Symbol, MarketRules]: ...
    @property
    def has_cancel_all(self) -> bool: ...
    @property
    def has_edit_order(self) -> bool: ...
    def capabilities(self, symbol: str) -> OrderCapabilities:
        """Order types, trailing, native lists and brackets the venue takes for `symbol`."""

    async def create_order(self, order: Order) -> OrderReport:
        """Send `order` with its client_order_id; return the venue's acknowledgement."""

    async def cancel_order(self, order: Order) -> OrderReport | None:
        """Cancel by client order id (or venue id); the canceled order's report if given."""

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]: ...
    async def edit_order(
        self,
        order: Order,
        amount: Decimal,
        price: Decimal | None,
        new_client_order_id: ClientOrderId | None = None,
        trigger: Decimal | None = None,
    ) -> OrderReport:
        """Amend `order` (`trigger`: the new trigger of a waiting stop or take-profit).
        A venue that cancels and replaces gives the new order `new_client_order_id`
        (journaled by the caller before the call)."""

    async def fetch_order(self, client_order_id: ClientOrderId, symbol: Symbol) -> OrderReport:
        """Raises OrderNotFoundError when the venue does not know that client order id."""

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]: ...
    async def fetch_my_trades(
        self, symbol: Symbol, since_ms: int | None = None
    ) -> list[FillReport]: ...
    async def fetch_balances(self) -> Balances: ...


class JournalPort(Protocol):
    """The write-ahead order journal. Writes are committed (durable) when they return."""

    async def record_intent(self, order: Order) -> None:
        """Store a new order in PENDING_SUBMIT before anything is sent."""

    async def record_event(
        self, order: Order, event: OrderEvent, payload: Mapping[str, Any] | None = None
    ) -> None:
        """Append `event` (already applied to `order`) and store the order's new state."""

    async def record_safety_event(self, kind: str, details: Mapping[str, Any]) -> None: ...
    async def latest_safety_event(
        self, kinds: Sequence[str]
    ) -> tuple[str, dict[str, Any], datetime] | None:
        """The newest safety event whose kind is in `kinds` (kind, details, time), if any."""

    async def get_order(self, client_order_id: ClientOrderId) -> Order | None: ...
    async def open_orders(
        self,
        venue: VenueId | None = None,
        account: AccountLabel | None = None,
        *,
        session: SessionKey | None = None,
    ) -> list[Order]:
        """Orders not in a final status (PENDING_SUBMIT and UNKNOWN included), of one
        venue/account or of exactly one session."""

    async def last_fill_ms(self, venue: VenueId, symbol: Symbol) -> int | None: ...


@dataclass(frozen=True)
class Refusal:
    """Why the safety gate refuses a ticket. `overridable` ones may be confirmed."""

    rule: str
    message: str
    overridable: bool = False
    values: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class GateContext:
    """What the gate may look at, gathered by the caller before it runs (no I/O inside)."""

    market: MarketRules | None
    mode: VenueMode
    reference_price: Decimal | None = None  # mid, else last
    balances: Balances | None = None
    confirmed: frozenset[str] = frozenset()  # rule names the user explicitly overrode
    leverage: Decimal | None = None  # a perpetual symbol's leverage (None: not read, or spot)
    position_size: Decimal | None = None  # its position in base units, short < 0 (perpetuals)
    # the session's order-rate budget: (orders allowed, per seconds, seconds until one more
    # fits; 0 when it fits now), or None when the session has no budget to read
    order_rate: tuple[int, float, float] | None = None


class SubmitGate(Protocol):
    """Synchronous pre-trade check; runs before any await in the submit path."""

    def check(self, request: OrderRequest, ctx: GateContext) -> Sequence[Refusal]: ...
    def submissions_blocked(
        self, session: SessionKey | None = None, symbol: Symbol | str | None = None
    ) -> str | None:
        """A reason when no order may be sent to `session` on `symbol` (an emergency
        stop covering them is engaged; without a session: any stop), else None."""
