"""CSV files of the history panel's rows: Decimals as their exact text, times in UTC ISO.

Written with the csv module; small enough to write on the GUI thread (the panel shows
at most what one journal query returned), and readable back for the round-trip test.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from terminal.domain.order import Order

ORDER_COLUMNS = (
    "created_at", "client_order_id", "venue_order_id", "venue", "mode", "account", "symbol",
    "side", "type", "time_in_force", "post_only", "amount", "price", "status", "filled",
    "cost", "average_price", "fees", "reason", "updated_at",
)
FILL_COLUMNS = (
    "time", "venue", "account", "symbol", "side", "price", "amount", "value", "fee",
    "fee_currency", "is_maker", "trade_id", "client_order_id", "venue_order_id", "ts_ms",
)


class FillLike(Protocol):
    """A journal fill (terminal.journal.records.FillRecord has these fields)."""

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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        return value.value  # str enums: their wire code
    return str(value)


def fees_text(fees: dict[str, Decimal]) -> str:
    """'USDT:0.1;BNB:0.0002' (sorted by currency)."""
    return ";".join(f"{c}:{format(v, 'f')}" for c, v in sorted(fees.items()))


def order_record(o: Order) -> dict[str, str]:
    values = {
        "created_at": o.created_at, "client_order_id": o.client_order_id,
        "venue_order_id": o.venue_order_id, "venue": o.venue, "mode": o.mode,
        "account": o.account, "symbol": o.symbol, "side": o.side, "type": o.type,
        "time_in_force": o.time_in_force, "post_only": o.post_only, "amount": o.amount,
        "price": o.price, "status": o.status, "filled": o.filled, "cost": o.cost,
        "average_price": o.average_price, "fees": fees_text(o.fees), "reason": o.reason,
        "updated_at": o.updated_at,
    }
    return {k: _text(values[k]) for k in ORDER_COLUMNS}


def fill_time(f: FillLike) -> datetime:
    return datetime.fromtimestamp(f.ts_ms / 1000, timezone.utc)


def fill_record(f: FillLike) -> dict[str, str]:
    values = {
        "time": fill_time(f), "venue": f.venue, "account": f.account, "symbol": f.symbol,
        "side": f.side, "price": f.price, "amount": f.amount, "value": f.price * f.amount,
        "fee": f.fee, "fee_currency": f.fee_currency, "is_maker": f.is_maker,
        "trade_id": f.trade_id, "client_order_id": f.client_order_id,
        "venue_order_id": f.venue_order_id, "ts_ms": f.ts_ms,
    }
    return {k: _text(values[k]) for k in FILL_COLUMNS}


def write_csv(path: Path | str, columns: Sequence[str], records: Iterable[dict[str, str]]) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for record in records:
            writer.writerow(record)
            n += 1
    return n
