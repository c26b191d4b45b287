"""The one CSV format for orders and fills: `trading-terminal journal export` and the
History panel's "Export CSV" both write it, so their files have the same columns and
the same text for the same order or fill.

It lives in core because both sides may import core (the UI must not import the
journal, which brings SQLAlchemy). Only formatting is here: the callers open the file.

Format: a header row, then one row per order/fill. Decimals are their exact value as
plain digits (`format_decimal`: "0.000000001", never "1E-9"; "1.12", never
"1.1200000"); booleans "true"/"false"; absent
values empty; enums their wire code; times twice, as epoch milliseconds (for machines)
and ISO-8601 UTC with milliseconds (for people in a spreadsheet); an order's fees as
"BNB:0.0002;USDT:0.1" (currencies sorted).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any, Protocol

from terminal.domain.money import format_decimal
from terminal.domain.order import Order
from terminal.domain.session import SessionKey

ORDER_COLUMNS: tuple[str, ...] = (
    "created_at",
    "client_order_id",
    "venue_order_id",
    "venue",
    "mode",
    "account",
    "market",
    "symbol",
    "side",
    "type",
    "time_in_force",
    "post_only",
    "external",
    "amount",
    "price",
    "status",
    "filled",
    "cost",
    "average_price",
    "fees",
    "reason",
    "updated_at",
    "created_ms",
    "updated_ms",
)
FILL_COLUMNS: tuple[str, ...] = (
    "time",
    "venue",
    "mode",
    "account",
    "market",
    "symbol",
    "side",
    "price",
    "amount",
    "value",
    "fee",
    "fee_currency",
    "is_maker",
    "trade_id",
    "client_order_id",
    "venue_order_id",
    "ts_ms",
)


class FillLike(Protocol):
    """A journal fill (terminal.journal.records.FillRecord has these fields), read only."""

    @property
    def venue(self) -> str: ...
    @property
    def trade_id(self) -> str: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def venue_order_id(self) -> str | None: ...
    @property
    def account(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> str | None: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def fee(self) -> Decimal: ...
    @property
    def fee_currency(self) -> str | None: ...
    @property
    def is_maker(self) -> bool | None: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def session(self) -> SessionKey: ...


def cell(value: Any) -> str:
    """One value as CSV text (see the module docstring for the rules)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return time_text(epoch_ms(value))
    return str(value)


def epoch_ms(value: datetime) -> int:
    """Epoch milliseconds, computed as the journal stores them (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def time_text(ms: int) -> str:
    """'2026-11-21T09:00:00.000+00:00': ISO-8601 UTC, to the millisecond."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def fees_text(fees: Mapping[str, Decimal]) -> str:
    """'BNB:0.0002;USDT:0.1' (sorted by currency, exact decimals)."""
    return ";".join(f"{c}:{format_decimal(v)}" for c, v in sorted(fees.items()))


def parse_fees(text: str) -> dict[str, Decimal]:
    """The inverse of `fees_text`; also reads the JSON {currency: "decimal"} that
    exports before this format wrote."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return {k: Decimal(v) for k, v in json.loads(text).items()}
    out = {}
    for part in text.split(";"):
        currency, sep, amount = part.partition(":")
        if not sep:
            raise ValueError(f"not a fee 'CURRENCY:AMOUNT': {part!r}")
        out[currency] = Decimal(amount)
    return out


def order_csv_row(o: Order) -> dict[str, str]:
    """An order as one CSV row keyed by `ORDER_COLUMNS`."""
    created_ms, updated_ms = epoch_ms(o.created_at), epoch_ms(o.updated_at)
    values = {
        "created_at": time_text(created_ms),
        "client_order_id": o.client_order_id,
        "venue_order_id": o.venue_order_id,
        "venue": o.venue,
        "mode": o.mode,
        "account": o.account,
        "market": o.market.value,
        "symbol": o.symbol,
        "side": o.side,
        "type": o.type,
        "time_in_force": o.time_in_force,
        "post_only": bool(o.post_only),
        "external": bool(o.external),
        "amount": o.amount,
        "price": o.price,
        "status": o.status,
        "filled": o.filled,
        "cost": o.cost,
        "average_price": o.average_price,
        "fees": fees_text(o.fees),
        "reason": o.reason or "",
        "updated_at": time_text(updated_ms),
        "created_ms": created_ms,
        "updated_ms": updated_ms,
    }
    return {k: cell(values[k]) for k in ORDER_COLUMNS}


def fill_csv_row(f: FillLike) -> dict[str, str]:
    """A fill as one CSV row keyed by `FILL_COLUMNS`; value = price x amount, exact."""
    values = {
        "time": time_text(f.ts_ms),
        "venue": f.venue,
        "mode": f.session.mode.value,
        "account": f.account,
        "market": f.session.market.value,
        "symbol": f.symbol,
        "side": f.side,
        "price": f.price,
        "amount": f.amount,
        "value": f.price * f.amount,
        "fee": f.fee,
        "fee_currency": f.fee_currency,
        "is_maker": f.is_maker,
        "trade_id": f.trade_id,
        "client_order_id": f.client_order_id,
        "venue_order_id": f.venue_order_id,
        "ts_ms": f.ts_ms,
    }
    return {k: cell(values[k]) for k in FILL_COLUMNS}


def write_rows(stream: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> int:
    """Header plus rows to an open text stream (opened with newline=""); the count."""
    writer = csv.DictWriter(stream, fieldnames=list(columns))
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n
