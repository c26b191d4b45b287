"""Prepared Core statements for the hot path (built once, executed with parameters).

Building `update(...).values(**row)` per event costs several times the SQLite work
itself (cache-key generation for 20 bind parameters); a statement built once with
`bindparam`s is compiled once per dialect and reused, and stays portable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from terminal.journal.schema import fills, order_events, orders

# The order columns an event can change (identity and ticket stay as journaled).
MUTABLE_ORDER_COLUMNS = (
    "status",
    "venue_order_id",
    "filled",
    "cost",
    "average_price",
    "fees",
    "reason",
    "updated_ms",
    "amount",
    "price",
    "external",
    "trigger_price",
    "list_id",
    "triggered",
)

INSERT_ORDER = insert(orders)
UPDATE_ORDER = (
    update(orders)
    .where(orders.c.client_order_id == bindparam("b_client_order_id"))
    .values({c: bindparam(c) for c in MUTABLE_ORDER_COLUMNS})
)
INSERT_EVENT = insert(order_events)
INSERT_FILL = insert(fills)
FIND_FILL = select(fills.c.id, fills.c.client_order_id).where(
    fills.c.venue == bindparam("b_venue"), fills.c.trade_id == bindparam("b_trade_id")
)
LINK_FILL = (
    update(fills)
    .where(fills.c.id == bindparam("b_id"))
    .values(client_order_id=bindparam("client_order_id"))
)


def update_params(row: dict) -> dict:
    params = {c: row[c] for c in MUTABLE_ORDER_COLUMNS}
    params["b_client_order_id"] = row["client_order_id"]
    return params


class Prepared:
    """A Core statement compiled once for the engine's dialect, run on the DBAPI cursor.

    Why: the journal commits one transaction per order event, and SQLAlchemy's
    execution layer (events, result objects, parameter processing) costs more per
    statement than SQLite's own insert. The SQL text still comes from SQLAlchemy's
    compiler for whatever dialect the engine has (qmark for SQLite, pyformat for
    PostgreSQL), so nothing here is SQLite-specific. Only plain text, integer and
    boolean columns are bound, which need no SQLAlchemy type processing.

    `aliases` maps a bind parameter name to the row key that feeds it (the UPDATE's
    `b_client_order_id` is the row's `client_order_id`), so `args(row)` takes the row
    dict as it is. Positional parameters are picked with one C-level itemgetter.
    """

    def __init__(
        self,
        statement: Any,
        dialect: Any,
        keys: Sequence[str] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        self.sql = str(compiled)
        aliases = dict(aliases or {})
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if dialect.positional else None
        )
        if self.order is not None:
            sources = [aliases.get(k, k) for k in self.order]
            if len(sources) == 1:
                only = sources[0]
                self._pick: Callable[[Mapping[str, Any]], Any] = lambda row: (row[only],)
            elif sources:
                self._pick = itemgetter(*sources)
            else:
                self._pick = lambda row: ()
        else:
            names = tuple(compiled.binds)
            pairs = tuple((name, aliases.get(name, name)) for name in names)
            self._pick = lambda row: {name: row[src] for name, src in pairs}

    def args(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters for this statement from a row dict (plus aliases)."""
        return self._pick(params)


class PreparedSet:
    """The hot-path statements, compiled for one dialect."""

    def __init__(self, dialect: Any) -> None:
        self.insert_order = Prepared(INSERT_ORDER, dialect, [c.name for c in orders.c])
        self.update_order = Prepared(
            UPDATE_ORDER, dialect, aliases={"b_client_order_id": "client_order_id"}
        )
        event_keys = [c.name for c in order_events.c if c.name != "id"]
        self.insert_event = Prepared(INSERT_EVENT, dialect, event_keys)
        self.insert_fill = Prepared(
            INSERT_FILL, dialect, [c.name for c in fills.c if c.name != "id"]
        )
        self.find_fill = Prepared(FIND_FILL, dialect)
        self.link_fill = Prepared(LINK_FILL, dialect)
