"""Read queries over the journal, as functions of a Connection (run on the writer thread)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from terminal.domain.enums import VenueMode
from terminal.domain.ids import Symbol
from terminal.domain.order import FINAL_STATUSES, Order, OrderStatus
from terminal.domain.session import SessionKey
from terminal.journal.codec import ms_to_dt, order_from_row, session_from_row
from terminal.journal.records import EventRecord, FillRecord, SafetyRecord
from terminal.journal.schema import fills, order_events, orders, safety_events

# The statuses an order can be open in, named (an index serves `IN`, not `NOT IN`).
OPEN_STATUSES = sorted(s.value for s in OrderStatus if s not in FINAL_STATUSES)


def _trade_ids(conn: Connection, coids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(coids), 500):  # stay under bound-parameter limits
        chunk = list(coids[start : start + 500])
        for coid, trade_id in conn.execute(
            select(fills.c.client_order_id, fills.c.trade_id).where(
                fills.c.client_order_id.in_(chunk)
            )
        ):
            out[coid].append(trade_id)
    return out


def get_order(conn: Connection, client_order_id: str) -> Order | None:
    row = conn.execute(
        select(orders).where(orders.c.client_order_id == str(client_order_id))
    ).first()
    if row is None:
        return None
    return order_from_row(
        row._mapping, _trade_ids(conn, [row.client_order_id])[row.client_order_id]
    )


def find_by_venue_order_id(conn: Connection, venue: str, venue_order_id: str) -> Order | None:
    row = conn.execute(
        select(orders.c.client_order_id)
        .where(orders.c.venue == str(venue), orders.c.venue_order_id == str(venue_order_id))
        .order_by(orders.c.created_ms.desc())
        .limit(1)
    ).first()
    return None if row is None else get_order(conn, row.client_order_id)


def _of_session(table: Any, session: SessionKey) -> list[Any]:
    """WHERE terms for the rows of exactly one session."""
    return [
        table.c.venue == str(session.venue),
        table.c.mode == session.mode.value,
        table.c.account == str(session.account),
        table.c.market == session.market.value,
    ]


def mode_of_order(conn: Connection, client_order_id: str | None) -> str:
    """The mode an order was journaled under; live when the order is not journaled (a
    row is never shown as paper when it might be live)."""
    if client_order_id:
        found = conn.execute(
            select(orders.c.mode).where(orders.c.client_order_id == str(client_order_id))
        ).scalar()
        if found:
            return str(found)
    return VenueMode.LIVE.value


def known_symbols(conn: Connection, venue: str, since_ms: int | None = None) -> list[Symbol]:
    q1 = select(orders.c.symbol).where(orders.c.venue == str(venue))
    q2 = select(fills.c.symbol).where(fills.c.venue == str(venue))
    if since_ms is not None:
        q1 = q1.where(orders.c.created_ms >= since_ms)
        q2 = q2.where(fills.c.ts_ms >= since_ms)
    found = {r[0] for r in conn.execute(q1.distinct())} | {
        r[0] for r in conn.execute(q2.distinct())
    }
    return [Symbol(s) for s in sorted(found)]


def order_history(
    conn: Connection,
    *,
    session: SessionKey | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    account: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    open_only: bool = False,
    limit: int | None = None,
    list_id: str | None = None,
) -> list[Order]:
    """Orders newest first, filtered by session, venue, symbol, account, creation time
    range, order list."""
    q = select(orders)
    if session is not None:
        q = q.where(*_of_session(orders, session))
    if list_id:
        q = q.where(orders.c.list_id == list_id)
    if venue:
        q = q.where(orders.c.venue == str(venue))
    if symbol:
        q = q.where(orders.c.symbol == str(symbol))
    if account:
        q = q.where(orders.c.account == str(account))
    if since_ms is not None:
        q = q.where(orders.c.created_ms >= since_ms)
    if until_ms is not None:
        q = q.where(orders.c.created_ms < until_ms)
    if open_only:
        q = q.where(orders.c.status.in_(OPEN_STATUSES))  # ix_orders_status_created
    q = q.order_by(orders.c.created_ms.desc(), orders.c.client_order_id.desc())
    if limit:
        q = q.limit(limit)
    rows = [r._mapping for r in conn.execute(q)]
    trade_ids = _trade_ids(conn, [r["client_order_id"] for r in rows]) if rows else {}
    return [order_from_row(r, trade_ids.get(r["client_order_id"], ())) for r in rows]


def fill_history(
    conn: Connection,
    *,
    session: SessionKey | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    client_order_id: str | None = None,
    limit: int | None = None,
) -> list[FillRecord]:
    """Fills oldest first, filtered by session, venue, symbol, time range or order."""
    q = select(fills)
    if session is not None:
        q = q.where(*_of_session(fills, session))
    if venue:
        q = q.where(fills.c.venue == str(venue))
    if symbol:
        q = q.where(fills.c.symbol == str(symbol))
    if since_ms is not None:
        q = q.where(fills.c.ts_ms >= since_ms)
    if until_ms is not None:
        q = q.where(fills.c.ts_ms < until_ms)
    if client_order_id:
        q = q.where(fills.c.client_order_id == str(client_order_id))
    q = q.order_by(fills.c.ts_ms, fills.c.id)
    if limit:
        q = q.limit(limit)
    return [fill_from_row(r._mapping) for r in conn.execute(q)]


def fill_from_row(r: Any) -> FillRecord:
    return FillRecord(
        venue=r["venue"],
        trade_id=r["trade_id"],
        client_order_id=r["client_order_id"],
        venue_order_id=r["venue_order_id"],
        account=r["account"],
        symbol=r["symbol"],
        side=r["side"],
        price=Decimal(r["price"]),
        amount=Decimal(r["amount"]),
        fee=Decimal(r["fee"]),
        fee_currency=r["fee_currency"],
        is_maker=None if r["is_maker"] is None else bool(r["is_maker"]),
        ts_ms=int(r["ts_ms"]),
        session=session_from_row(r),
    )


def order_events_of(conn: Connection, client_order_id: str) -> list[EventRecord]:
    q = (
        select(order_events)
        .where(order_events.c.client_order_id == str(client_order_id))
        .order_by(order_events.c.id)
    )
    return [
        EventRecord(
            id=r.id,
            client_order_id=r.client_order_id,
            kind=r.kind,
            source=r.source,
            status_after=r.status_after,
            details=json.loads(r.details),
            payload=r.payload,
            at=ms_to_dt(r.at_ms),
            recorded=ms_to_dt(r.recorded_ms),
            session=session_from_row(r._mapping),
        )
        for r in conn.execute(q)
    ]


def safety_history(
    conn: Connection, kinds: Sequence[str] | None = None, limit: int = 100
) -> list[SafetyRecord]:
    q = select(safety_events)
    if kinds:
        q = q.where(safety_events.c.kind.in_(list(kinds)))
    q = q.order_by(safety_events.c.id.desc()).limit(limit)
    return [
        SafetyRecord(id=r.id, kind=r.kind, details=json.loads(r.details), at=ms_to_dt(r.at_ms))
        for r in conn.execute(q)
    ]
