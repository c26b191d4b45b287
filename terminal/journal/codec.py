"""Order <-> row conversion. Decimals go in and out as exact text, times as epoch ms."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable, Mapping

from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import Order, OrderStatus


def dt_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def ms_to_dt(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def dec_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def order_row(order: Order) -> dict[str, Any]:
    average = order.average_price
    return {
        "client_order_id": str(order.client_order_id),
        "venue": str(order.venue),
        "mode": order.mode.value,
        "account": str(order.account),
        "symbol": str(order.symbol),
        "side": order.side.value,
        "type": order.type.value,
        "time_in_force": order.time_in_force.value,
        "post_only": bool(order.post_only),
        "external": bool(order.external),
        "amount": dec_text(order.amount),
        "price": dec_text(order.price),
        "status": order.status.value,
        "venue_order_id": order.venue_order_id,
        "filled": dec_text(order.filled),
        "cost": dec_text(order.cost),
        "average_price": dec_text(average),
        "fees": json.dumps({k: dec_text(v) for k, v in sorted(order.fees.items())}),
        "reason": order.reason or "",
        "created_ms": dt_to_ms(order.created_at),
        "updated_ms": dt_to_ms(order.updated_at),
    }


def order_from_row(row: Mapping[str, Any], trade_ids: Iterable[str] = ()) -> Order:
    fees = {k: Decimal(v) for k, v in json.loads(row["fees"] or "{}").items()}
    return Order(
        client_order_id=ClientOrderId(row["client_order_id"]),
        venue=VenueId(row["venue"]),
        symbol=Symbol(row["symbol"]),
        side=Side(row["side"]),
        type=OrderType(row["type"]),
        amount=Decimal(row["amount"]),
        price=None if row["price"] is None else Decimal(row["price"]),
        time_in_force=TimeInForce(row["time_in_force"]),
        post_only=bool(row["post_only"]),
        mode=VenueMode(row["mode"]),
        account=AccountLabel(row["account"]),
        status=OrderStatus(row["status"]),
        venue_order_id=None if row["venue_order_id"] is None else VenueOrderId(row["venue_order_id"]),
        filled=Decimal(row["filled"]),
        cost=Decimal(row["cost"]),
        fees=fees,
        trade_ids={TradeId(t) for t in trade_ids},
        external=bool(row["external"]),
        reason=row["reason"] or "",
        created_at=ms_to_dt(row["created_ms"]),
        updated_at=ms_to_dt(row["updated_ms"]),
    )


def jsonable(value: Any) -> Any:
    """Plain JSON values for an event or payload (Decimals as text, enums as values)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return repr(value)  # venue payloads only; kept as text, never as money
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
