"""Order <-> row conversion. Decimals go in and out as exact text, times as epoch ms."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring_ascii
from typing import Any

from terminal.domain.enums import HeldBy, LegRole, OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import Order, OrderStatus
from terminal.domain.session import MarketType, SessionKey


def dt_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def ms_to_dt(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def dec_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


# Encoders built once: `json.dumps(x, sort_keys=...)` builds a new JSONEncoder per call,
# which is a measurable share of the per-event cost (see tests/bench/bench_journal.py).
_FEES_JSON = json.JSONEncoder().encode
_escape = encode_basestring_ascii  # what json.dumps uses for str with ensure_ascii
_DETAILS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def fees_json(fees: Mapping[str, Decimal]) -> str:
    """The order's fees as JSON {currency: "decimal"}, currencies sorted."""
    if not fees:
        return "{}"
    return _FEES_JSON({k: dec_text(v) for k, v in sorted(fees.items())})


def order_session(order: Order) -> SessionKey:
    """The session an order belongs to (venue, environment, account, market type)."""
    return order.session


def session_columns(session: SessionKey) -> dict[str, str]:
    """The four columns that key a journal row by its session."""
    return {
        "venue": str(session.venue),
        "mode": session.mode.value,
        "account": str(session.account),
        "market": session.market.value,
    }


def session_from_row(row: Mapping[Any, Any]) -> SessionKey:
    return SessionKey(
        VenueId(row["venue"]),
        VenueMode(row["mode"]),
        AccountLabel(row["account"]),
        MarketType(row["market"]),
    )


def order_row(order: Order) -> dict[str, Any]:
    average = order.average_price
    return {
        "client_order_id": str(order.client_order_id),
        **session_columns(order_session(order)),
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
        "fees": fees_json(order.fees),
        "reason": order.reason or "",
        "created_ms": dt_to_ms(order.created_at),
        "updated_ms": dt_to_ms(order.updated_at),
        "trigger_price": dec_text(order.trigger_price),
        "trailing_percent": dec_text(order.trailing_percent),
        "list_id": order.list_id,
        "leg_role": order.leg_role.value if order.leg_role else None,
        "held_by": order.held_by.value if order.held_by else None,
        "triggered": bool(order.triggered),
        "reduce_only": bool(order.reduce_only),
        "close_position": bool(order.close_position),
    }


def order_from_row(row: Mapping[Any, Any], trade_ids: Iterable[str] = ()) -> Order:
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
        market=MarketType(row.get("market") or MarketType.SPOT.value),
        status=OrderStatus(row["status"]),
        venue_order_id=None
        if row["venue_order_id"] is None
        else VenueOrderId(row["venue_order_id"]),
        filled=Decimal(row["filled"]),
        cost=Decimal(row["cost"]),
        fees=fees,
        trade_ids={TradeId(t) for t in trade_ids},
        external=bool(row["external"]),
        reason=row["reason"] or "",
        created_at=ms_to_dt(row["created_ms"]),
        updated_at=ms_to_dt(row["updated_ms"]),
        trigger_price=_opt_dec(row.get("trigger_price")),
        reduce_only=bool(row.get("reduce_only") or False),
        close_position=bool(row.get("close_position") or False),
        trailing_percent=_opt_dec(row.get("trailing_percent")),
        list_id=row.get("list_id") or None,
        leg_role=LegRole(row["leg_role"]) if row.get("leg_role") else None,
        held_by=HeldBy(row["held_by"]) if row.get("held_by") else None,
        triggered=bool(row.get("triggered") or False),
    )


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(value)


_EVENT_FIELDS: dict[type, tuple[str, ...]] = {}
_NOT_DETAILS = frozenset({"at", "source"})  # journaled in their own columns


def event_details_json(event: Any) -> str:
    """The event's own fields (not `at` / `source`) as compact JSON with sorted keys.

    Exactly the text of `json.dumps(<jsonable(event) without at/source>, sort_keys=True,
    separators=(",", ":"))` (tests/journal/test_codec.py checks every event type), but
    built from a per-class field list and the json module's C string escaper: this runs
    once per journaled event, and the generic path costs several times more.
    """
    names = _EVENT_FIELDS.get(type(event))
    if names is None:
        names = _EVENT_FIELDS[type(event)] = tuple(
            sorted(f.name for f in fields(event) if f.name not in _NOT_DETAILS)
        )
    parts = []
    for name in names:
        value = getattr(event, name)
        if value is None:
            text = "null"
        elif isinstance(value, str):  # str ids and str enums alike, as json.dumps does
            text = _escape(value.value if isinstance(value, Enum) else value)
        elif isinstance(value, Decimal):
            text = '"' + format(value, "f") + '"'
        elif value is True or value is False:
            text = "true" if value else "false"
        else:  # anything else (int, float, nested values): the generic path
            return _DETAILS_JSON({n: jsonable(getattr(event, n)) for n in names})
        parts.append(_escape(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


def details_json(details: Any) -> str:
    """Compact JSON with sorted keys (the order_events.details column)."""
    return _DETAILS_JSON(details)


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
