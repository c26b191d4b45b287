"""CSV export of orders and fills, and the matching readers (the round trip is tested).

The format (columns and cell text) is `terminal.core.csv_format`, shared with the
History panel's export, so both write identical files for the same rows: Decimals as
their exact text, times both as epoch ms (machine) and ISO-8601 UTC (people opening the
file in a spreadsheet).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from terminal.core.csv_format import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    fill_csv_row,
    order_csv_row,
    parse_fees,
    write_rows,
)
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.order import Order
from terminal.domain.session import MarketType, SessionKey
from terminal.journal.codec import fees_json, order_from_row
from terminal.journal.queries import fill_history, order_history
from terminal.journal.records import FillRecord

__all__ = [
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "export_csv",
    "read_fills_csv",
    "read_orders_csv",
    "write_fills_csv",
    "write_orders_csv",
]


def write_orders_csv(path: Path, items: list[Order]) -> int:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        return write_rows(fh, ORDER_COLUMNS, (order_csv_row(o) for o in items))


def write_fills_csv(path: Path, items: list[FillRecord]) -> int:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        return write_rows(fh, FILL_COLUMNS, (fill_csv_row(f) for f in items))


def export_csv(
    conn: Connection, orders_path: Path | None, fills_path: Path | None, **filters: Any
) -> tuple[int, int]:
    """Export orders (oldest first) and fills matching session/venue/symbol/time range."""
    n_orders = n_fills = 0
    keys = {
        k: v
        for k, v in filters.items()
        if k in ("session", "venue", "symbol", "since_ms", "until_ms")
    }
    if orders_path is not None:
        n_orders = write_orders_csv(Path(orders_path), list(reversed(order_history(conn, **keys))))
    if fills_path is not None:
        n_fills = write_fills_csv(Path(fills_path), fill_history(conn, **keys))
    return n_orders, n_fills


def _opt(value: str) -> str | None:
    return value if value != "" else None


def _bool(value: str) -> bool | None:
    return None if value == "" else value == "true"


def read_orders_csv(path: Path) -> list[Order]:
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            data: dict[str, Any] = dict(row)
            for key in ("price", "venue_order_id", "average_price"):
                data[key] = _opt(data[key])
            data["post_only"] = data["post_only"] == "true"
            data["external"] = data.get("external") == "true"
            data["created_ms"] = int(data["created_ms"])
            data["updated_ms"] = int(data["updated_ms"])
            data["fees"] = fees_json(parse_fees(data["fees"]))
            out.append(order_from_row(data))
    return out


def read_fills_csv(path: Path) -> list[FillRecord]:
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.append(
                FillRecord(
                    venue=r["venue"],
                    trade_id=r["trade_id"],
                    client_order_id=_opt(r["client_order_id"]),
                    venue_order_id=_opt(r["venue_order_id"]),
                    account=r["account"],
                    symbol=r["symbol"],
                    side=_opt(r["side"]),
                    price=Decimal(r["price"]),
                    amount=Decimal(r["amount"]),
                    fee=Decimal(r["fee"]),
                    fee_currency=_opt(r["fee_currency"]),
                    is_maker=_bool(r["is_maker"]),
                    ts_ms=int(r["ts_ms"]),
                    session=SessionKey(
                        VenueId(r["venue"]),
                        VenueMode(r["mode"]),
                        AccountLabel(r["account"]),
                        MarketType(r["market"]),
                    ),
                )
            )
    return out
