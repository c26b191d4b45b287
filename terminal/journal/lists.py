"""Rows of `order_lists`: one per order list or bracket (legs link by orders.list_id)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from terminal.domain.enums import HeldBy, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.orderlist import ListKind, ListStatus, OrderList
from terminal.domain.session import MarketType, SessionKey
from terminal.journal.codec import dt_to_ms, jsonable, ms_to_dt
from terminal.journal.schema import order_lists, orders


def list_row(lst: OrderList) -> dict[str, Any]:
    return {
        "list_id": lst.list_id,
        "venue": str(lst.venue),
        "account": str(lst.account),
        "mode": lst.mode.value if lst.mode is not None else None,
        "market": lst.market.value,
        "symbol": str(lst.symbol),
        "kind": lst.kind.value,
        "held_by": lst.held_by.value,
        "venue_list_id": lst.venue_list_id,
        "status": lst.status.value,
        "details": json.dumps(jsonable(lst.details), sort_keys=True),
        "created_ms": dt_to_ms(lst.created_at),
        "updated_ms": dt_to_ms(lst.updated_at),
    }


def list_from_row(row: Any) -> OrderList:
    return OrderList(
        list_id=row["list_id"],
        venue=VenueId(row["venue"]),
        account=AccountLabel(row["account"]),
        mode=VenueMode(row["mode"]),
        market=MarketType(row["market"]),
        symbol=Symbol(row["symbol"]),
        kind=ListKind(row["kind"]),
        held_by=HeldBy(row["held_by"]),
        status=ListStatus(row["status"]),
        venue_list_id=row["venue_list_id"],
        details=json.loads(row["details"] or "{}"),
        created_at=ms_to_dt(row["created_ms"]),
        updated_at=ms_to_dt(row["updated_ms"]),
    )


def save_list(conn: Connection, lst: OrderList) -> None:
    """Insert the list, or update its mutable fields (status, venue id, details)."""
    row = list_row(lst)
    done = conn.execute(
        update(order_lists)
        .where(order_lists.c.list_id == lst.list_id)
        .values(
            status=row["status"],
            venue_list_id=row["venue_list_id"],
            details=row["details"],
            updated_ms=row["updated_ms"],
        )
    )
    if done.rowcount == 0:
        if row["mode"] is None:
            row["mode"] = _mode_of_legs(conn, lst)
        conn.execute(insert(order_lists), row)


def _mode_of_legs(conn: Connection, lst: OrderList) -> str:
    """The mode of a list saved without one: its legs', else live (never shown as paper
    when it might be live)."""
    found = conn.execute(
        select(orders.c.mode).where(orders.c.list_id == lst.list_id).limit(1)
    ).scalar()
    return str(found) if found else VenueMode.LIVE.value


def lists_of(
    conn: Connection,
    venue: VenueId | None = None,
    open_only: bool = False,
    list_id: str | None = None,
    session: SessionKey | None = None,
) -> list[OrderList]:
    q = select(order_lists)
    if venue is not None:
        q = q.where(order_lists.c.venue == str(venue))
    if session is not None:
        q = q.where(
            order_lists.c.venue == str(session.venue),
            order_lists.c.mode == session.mode.value,
            order_lists.c.account == str(session.account),
            order_lists.c.market == session.market.value,
        )
    if open_only:
        q = q.where(order_lists.c.status == ListStatus.OPEN.value)
    if list_id is not None:
        q = q.where(order_lists.c.list_id == list_id)
    q = q.order_by(order_lists.c.created_ms.desc())
    return [list_from_row(r._mapping) for r in conn.execute(q)]


__all__ = ["list_from_row", "list_row", "lists_of", "save_list"]
