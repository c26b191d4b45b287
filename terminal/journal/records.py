"""Rows the journal hands back that are not Orders: fills, order events, safety events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from terminal.domain.session import SessionKey


@dataclass(frozen=True)
class FillRecord:
    venue: str
    trade_id: str
    client_order_id: str | None
    venue_order_id: str | None
    account: str
    symbol: str
    side: str | None
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str | None
    is_maker: bool | None
    ts_ms: int
    session: SessionKey


@dataclass(frozen=True)
class EventRecord:
    id: int
    client_order_id: str
    kind: str
    source: str
    status_after: str
    details: dict
    payload: str | None
    at: datetime
    recorded: datetime
    session: SessionKey


@dataclass(frozen=True)
class SafetyRecord:
    id: int
    kind: str
    details: dict
    at: datetime
