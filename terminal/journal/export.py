"""CSV export of orders and fills, and the matching readers (the round trip is tested).

Decimals are written as their exact text; times both as epoch ms (machine) and ISO-8601
UTC (people opening the file in a spreadsheet).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from terminal.domain.order import Order
from terminal.journal.codec import dec_text, ms_to_dt, order_from_row, order_row
from terminal.journal.queries import fill_history, order_history
from terminal.journal.records import FillRecord

ORDER_COLUMNS = [
    "client_order_id", "venue", "mode", "account", "symbol", "side", "type", "time_in_force",
    "post_only", "external", "amount", "price", "status", "venue_order_id", "filled", "cost",
    "average_price", "fees", "reason", "created_ms", "updated_ms", "created_at", "updated_at",
]
FILL_COLUMNS = [
    "venue", "trade_id", "client_order_id", "venue_order_id", "account", "symbol", "side",
    "price", "amount", "fee", "fee_currency", "is_maker", "ts_ms", "time",
]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_orders_csv(path: Path, items: list[Order]) -> int:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ORDER_COLUMNS)
        writer.writeheader()
        for order in items:
            row = order_row(order)
            row["created_at"] = ms_to_dt(row["created_ms"]).isoformat()
            row["updated_at"] = ms_to_dt(row["updated_ms"]).isoformat()
            writer.writerow({k: _text(row[k]) for k in ORDER_COLUMNS})
    return len(items)


def write_fills_csv(path: Path, items: list[FillRecord]) -> int:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FILL_COLUMNS)
        writer.writeheader()
        for f in items:
            writer.writerow({
                "venue": f.venue, "trade_id": f.trade_id, "client_order_id": _text(f.client_order_id),
                "venue_order_id": _text(f.venue_order_id), "account": f.account, "symbol": f.symbol,
                "side": _text(f.side), "price": dec_text(f.price), "amount": dec_text(f.amount),
                "fee": dec_text(f.fee), "fee_currency": _text(f.fee_currency),
                "is_maker": _text(f.is_maker), "ts_ms": f.ts_ms,
                "time": ms_to_dt(f.ts_ms).isoformat(),
            })
    return len(items)


def export_csv(conn: Connection, orders_path: Path | None, fills_path: Path | None,
               **filters: Any) -> tuple[int, int]:
    """Export orders (oldest first) and fills matching venue/symbol/since_ms/until_ms."""
    n_orders = n_fills = 0
    keys = {k: v for k, v in filters.items() if k in ("venue", "symbol", "since_ms", "until_ms")}
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
            data["external"] = data["external"] == "true"
            data["created_ms"] = int(data["created_ms"])
            data["updated_ms"] = int(data["updated_ms"])
            json.loads(data["fees"])  # validate
            out.append(order_from_row(data))
    return out


def read_fills_csv(path: Path) -> list[FillRecord]:
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.append(FillRecord(
                venue=r["venue"], trade_id=r["trade_id"], client_order_id=_opt(r["client_order_id"]),
                venue_order_id=_opt(r["venue_order_id"]), account=r["account"], symbol=r["symbol"],
                side=_opt(r["side"]), price=Decimal(r["price"]), amount=Decimal(r["amount"]),
                fee=Decimal(r["fee"]), fee_currency=_opt(r["fee_currency"]),
                is_maker=_bool(r["is_maker"]), ts_ms=int(r["ts_ms"])))
    return out
