"""What a venue says about an order, and how that becomes order events.

Adapters turn venue payloads (REST replies, stream events, queries) into `OrderReport`s;
`events_for_report` turns a report into the events that move a local `Order` to agree
with it. Keeping this pure makes reconciliation testable without any I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .enums import OrderType, Side, TimeInForce
from .ids import ClientOrderId, Symbol, TradeId, VenueOrderId
from .money import ZERO
from .order import (
    EventSource,
    Order,
    OrderAccepted,
    OrderArmed,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderStatus,
    OrderTriggered,
)


@dataclass(frozen=True)
class FillReport:
    trade_id: TradeId
    symbol: Symbol
    price: Decimal
    amount: Decimal
    fee: Decimal = ZERO
    fee_currency: str | None = None
    is_maker: bool | None = None
    timestamp_ms: int | None = None
    venue_order_id: VenueOrderId | None = None
    client_order_id: ClientOrderId | None = None
    side: Side | None = None


@dataclass(frozen=True)
class OrderReport:
    """The venue's view of one order at one moment."""

    symbol: Symbol
    status: (
        OrderStatus  # OPEN, PARTIALLY_FILLED, PENDING_TRIGGER, FILLED, CANCELED, REJECTED, EXPIRED
    )
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId | None = None
    side: Side | None = None
    type: OrderType | None = None
    amount: Decimal | None = None
    price: Decimal | None = None
    filled: Decimal = ZERO
    average_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    post_only: bool = False
    fills: tuple[FillReport, ...] = field(default_factory=tuple)
    timestamp_ms: int | None = None
    reason: str = ""
    raw: dict[str, Any] | None = (
        None  # excerpt of the venue payload, secrets removed by the adapter
    )
    trigger_price: Decimal | None = None
    list_id: str | None = None  # the venue's order list id (Binance orderListId)


def fill_event(fill: FillReport, source: EventSource) -> OrderFilled:
    return OrderFilled(
        trade_id=fill.trade_id,
        price=fill.price,
        amount=fill.amount,
        fee=fill.fee,
        fee_currency=fill.fee_currency,
        is_maker=fill.is_maker,
        venue_order_id=fill.venue_order_id,
        source=source,
    )


def events_for_report(order: Order, report: OrderReport, source: EventSource) -> list[OrderEvent]:
    """Events that bring `order` in line with `report`, in the order they must be applied.

    Fills come first (money that moved), then the status. Fills already applied are
    skipped by trade id. A report whose filled amount exceeds the fills it lists leaves
    the difference to be fetched as trades (see `missing_fill_amount`).
    """
    events: list[OrderEvent] = []
    waiting = report.status is OrderStatus.PENDING_TRIGGER
    if report.venue_order_id and order.status in (OrderStatus.PENDING_SUBMIT, OrderStatus.UNKNOWN):
        events.append(
            (OrderArmed if waiting else OrderAccepted)(
                venue_order_id=report.venue_order_id, source=source
            )
        )
    elif report.venue_order_id and not order.venue_order_id:
        events.append(OrderAccepted(venue_order_id=report.venue_order_id, source=source))
    # a conditional order that triggered, or an order of a list the venue held back
    # until another order filled (Binance's pending OTO orders) that now works
    if (
        (order.type.is_conditional or order.status is OrderStatus.PENDING_TRIGGER)
        and not waiting
        and not order.triggered
        and report.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED)
    ):
        events.append(OrderTriggered(venue_order_id=report.venue_order_id, source=source))
    for fill in report.fills:
        if fill.trade_id not in order.trade_ids:
            events.append(fill_event(fill, source))
    status = report.status
    if status is OrderStatus.CANCELED and order.status is not OrderStatus.CANCELED:
        events.append(OrderCanceled(reason=report.reason, source=source))
    elif status is OrderStatus.EXPIRED and order.status is not OrderStatus.EXPIRED:
        events.append(OrderExpired(reason=report.reason, source=source))
    elif status is OrderStatus.REJECTED and order.status is not OrderStatus.REJECTED:
        events.append(OrderRejected(reason=report.reason or "rejected by venue", source=source))
    return events


def missing_fill_amount(order: Order, report: OrderReport) -> Decimal:
    """How much the venue says is filled beyond what the local order has applied."""
    listed = sum((f.amount for f in report.fills if f.trade_id not in order.trade_ids), ZERO)
    return max(ZERO, report.filled - order.filled - listed)
