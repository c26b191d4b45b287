"""Orders and their lifecycle: an order changes only by applying events.

Transition table
================
Rows are the current status, columns the event; a cell is the next status, FILL (the
status follows from the filled amount), KEEP (status unchanged, data may be updated) or
absent (illegal: `IllegalTransition` is raised and the order is not touched).

================  ========  ========  ======  =========  ========  =========  =======  =======  ========  =========  =======
status            Accepted  Rejected  Fill    CancelReq  Canceled  CancelRej  Expired  Unknown  Armed     Triggered  Amended
================  ========  ========  ======  =========  ========  =========  =======  =======  ========  =========  =======
PENDING_SUBMIT    OPEN      REJECTED  FILL    -          CANCELED  -          EXPIRED  UNKNOWN  P_TRIGGER -          -
UNKNOWN           OPEN      REJECTED  FILL    -          CANCELED  KEEP       EXPIRED  KEEP     P_TRIGGER OPEN       -
PENDING_TRIGGER   KEEP      -         FILL    P_CANCEL   CANCELED  KEEP       EXPIRED  UNKNOWN  KEEP      OPEN       KEEP
OPEN              KEEP      -         FILL    P_CANCEL   CANCELED  KEEP       EXPIRED  UNKNOWN  KEEP      KEEP       KEEP
PARTIALLY_FILLED  KEEP      -         FILL    P_CANCEL   CANCELED  KEEP       EXPIRED  UNKNOWN  KEEP      KEEP       KEEP
PENDING_CANCEL    KEEP      -         FILL    KEEP       CANCELED  (prior)    EXPIRED  UNKNOWN  KEEP      KEEP       (prior)
FILLED            KEEP      -         FILL*   -          -         KEEP       -        -        KEEP      KEEP       -
CANCELED          KEEP      -         FILL*   -          KEEP      KEEP       -        -        KEEP      KEEP       -
EXPIRED           KEEP      -         FILL*   -          -         KEEP       KEEP     -        KEEP      KEEP       -
REJECTED          -         KEEP      -       -          -         -          -        -        -         -          -
================  ========  ========  ======  =========  ========  =========  =======  =======  ========  =========  =======

Amending in place
-----------------
* `OrderAmended`: the venue changed a resting order's amount, price (and, for a stop
  still waiting, its trigger) and kept its ids. Legal while the order rests or waits for
  its trigger (KEEP: the data changes, the status stays) and while PENDING_CANCEL (the
  amend went out as a cancel-and-replace and the venue answered by amending in place):
  the order returns to its status before the request, as for CancelRejected. A new
  amount not above what has filled, or a price that is not positive, raises
  `OrderError` and nothing changes.

Conditional orders (stop, take-profit)
--------------------------------------
* `OrderArmed`: the venue accepted a conditional order that waits for its trigger
  (PENDING_TRIGGER: not on the book, funds locked). `OrderTriggered`: the trigger price was
  reached and the order now runs as a market or limit order (OPEN). A fill while
  PENDING_TRIGGER means it triggered and traded between two reports; the fill counts.
* Armed/Triggered after the order moved on (a late REST reply, a report crossing the
  stream) are KEEPs. CancelRejected while PENDING_CANCEL returns to PENDING_TRIGGER when
  the order had not triggered.

Races handled on purpose
------------------------
* A fill while PENDING_CANCEL: the cancel raced a taker. The fill counts; the status stays
  PENDING_CANCEL until the venue answers (or becomes FILLED when nothing is left).
* A fill after CANCELED or EXPIRED (FILL*): the venue matched the order before the cancel
  took effect, but the fill event arrived after the cancel acknowledgement (REST reply and
  user stream are separate channels). The fill is money that moved, so it is applied:
  `filled`, cost and fees grow; the status stays final (CANCELED/EXPIRED), or becomes
  FILLED when the whole amount turns out to be filled.
* A fill after FILLED (FILL*) with a new trade id can only be legal if it does not
  overfill; a duplicate trade id is ignored everywhere; an overfill raises `OverfillError`.
* Accepted after a fill, cancel or expiry (KEEP): the REST reply lost the race against the
  user stream; it only records the venue order id.
* Canceled while PENDING_SUBMIT: the stream reported a cancel (e.g. emergency stop, or an
  IOC with nothing matched) before the REST reply arrived.
* CancelRejected while PENDING_CANCEL returns to the status before the cancel request
  (OPEN or PARTIALLY_FILLED, from the filled amount); in a final status it is a no-op
  (the usual "unknown order" answer to a cancel that crossed a fill).
* Unknown while PENDING_SUBMIT or PENDING_CANCEL (timeout, 5xx, network error): the order
  may or may not exist / be cancelled. It is settled only by venue truth (a query by
  client order id, a stream event, reconciliation), never by sending it again.
* Rejected is legal only before the venue has acknowledged the order (PENDING_SUBMIT,
  UNKNOWN); a second identical rejection is a KEEP.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

from .enums import HeldBy, LegRole, OrderType, Side, TimeInForce, VenueMode
from .ids import AccountLabel, ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from .money import ZERO, format_decimal
from .order_events import (
    EVENT_TYPES,
    CancelRejected,
    CancelRequested,
    EventSource,
    OrderAccepted,
    OrderAmended,
    OrderArmed,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OutcomeUnknown,
    utc_now,
)
from .order_request import OrderRequest
from .session import MarketType, SessionKey

# The events (`order_events`) and the ticket (`order_request`) are re-exported here, next
# to the table that says which event is legal in which status.
__all__ = [
    "EVENT_TYPES",
    "FINAL_STATUSES",
    "RESTING_STATUSES",
    "TRANSITIONS",
    "CancelRejected",
    "CancelRequested",
    "EventSource",
    "IllegalTransition",
    "Order",
    "OrderAccepted",
    "OrderAmended",
    "OrderArmed",
    "OrderCanceled",
    "OrderError",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderRejected",
    "OrderRequest",
    "OrderStatus",
    "OrderTriggered",
    "OutcomeUnknown",
    "OverfillError",
]


class OrderStatus(str, Enum):
    PENDING_SUBMIT = "pending_submit"
    PENDING_TRIGGER = "pending_trigger"  # accepted, waiting for its trigger price
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_open(self) -> bool:
        """May still rest on the venue (or might, for UNKNOWN / PENDING_SUBMIT)."""
        return not self.is_final


FINAL_STATUSES = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)
# Live on the venue, acknowledged: on the book, partly filled or waiting for a trigger.
RESTING_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_TRIGGER)


class OrderError(Exception):
    """Base of the order model's named errors."""


class IllegalTransition(OrderError):
    def __init__(self, status: OrderStatus, event: OrderEvent) -> None:
        self.status = status
        self.event = event
        super().__init__(f"illegal transition: {type(event).__name__} while {status.value}")


class OverfillError(OrderError):
    def __init__(self, filled: Decimal, fill: Decimal, amount: Decimal) -> None:
        super().__init__(
            f"fill of {format_decimal(fill)} would bring filled {format_decimal(filled)} above "
            f"amount {format_decimal(amount)}"
        )


class _Rule(str, Enum):
    FILL = "fill"
    KEEP = "keep"
    PRIOR = "prior"


S = OrderStatus
_P = S.PENDING_SUBMIT
TRANSITIONS: dict[tuple[OrderStatus, type], OrderStatus | _Rule] = {
    (_P, OrderAccepted): S.OPEN,
    (_P, OrderRejected): S.REJECTED,
    (_P, OrderFilled): _Rule.FILL,
    (_P, OrderCanceled): S.CANCELED,
    (_P, OrderExpired): S.EXPIRED,
    (_P, OutcomeUnknown): S.UNKNOWN,
    (S.UNKNOWN, OrderAccepted): S.OPEN,
    (S.UNKNOWN, OrderRejected): S.REJECTED,
    (S.UNKNOWN, OrderFilled): _Rule.FILL,
    (S.UNKNOWN, OrderCanceled): S.CANCELED,
    (S.UNKNOWN, CancelRejected): _Rule.KEEP,
    (S.UNKNOWN, OrderExpired): S.EXPIRED,
    (S.UNKNOWN, OutcomeUnknown): _Rule.KEEP,
    (_P, OrderArmed): S.PENDING_TRIGGER,
    (S.UNKNOWN, OrderArmed): S.PENDING_TRIGGER,
    (S.UNKNOWN, OrderTriggered): S.OPEN,
    (S.PENDING_TRIGGER, OrderAccepted): _Rule.KEEP,
    (S.PENDING_TRIGGER, OrderFilled): _Rule.FILL,
    (S.PENDING_TRIGGER, CancelRequested): S.PENDING_CANCEL,
    (S.PENDING_TRIGGER, OrderCanceled): S.CANCELED,
    (S.PENDING_TRIGGER, CancelRejected): _Rule.KEEP,
    (S.PENDING_TRIGGER, OrderExpired): S.EXPIRED,
    (S.PENDING_TRIGGER, OutcomeUnknown): S.UNKNOWN,
    (S.PENDING_TRIGGER, OrderArmed): _Rule.KEEP,
    (S.PENDING_TRIGGER, OrderTriggered): S.OPEN,
    (S.PENDING_TRIGGER, OrderAmended): _Rule.KEEP,
    (S.OPEN, OrderAmended): _Rule.KEEP,
    (S.PARTIALLY_FILLED, OrderAmended): _Rule.KEEP,
    (S.PENDING_CANCEL, OrderAmended): _Rule.PRIOR,
}
for _st in (S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.EXPIRED):
    TRANSITIONS.update({(_st, OrderArmed): _Rule.KEEP, (_st, OrderTriggered): _Rule.KEEP})
for _st in (S.OPEN, S.PARTIALLY_FILLED):
    TRANSITIONS.update(
        {
            (_st, OrderAccepted): _Rule.KEEP,
            (_st, OrderFilled): _Rule.FILL,
            (_st, CancelRequested): S.PENDING_CANCEL,
            (_st, OrderCanceled): S.CANCELED,
            (_st, CancelRejected): _Rule.KEEP,
            (_st, OrderExpired): S.EXPIRED,
            (_st, OutcomeUnknown): S.UNKNOWN,
        }
    )
TRANSITIONS.update(
    {
        (S.PENDING_CANCEL, OrderAccepted): _Rule.KEEP,
        (S.PENDING_CANCEL, OrderFilled): _Rule.FILL,
        (S.PENDING_CANCEL, CancelRequested): _Rule.KEEP,
        (S.PENDING_CANCEL, OrderCanceled): S.CANCELED,
        (S.PENDING_CANCEL, CancelRejected): _Rule.PRIOR,
        (S.PENDING_CANCEL, OrderExpired): S.EXPIRED,
        (S.PENDING_CANCEL, OutcomeUnknown): S.UNKNOWN,
        (S.FILLED, OrderAccepted): _Rule.KEEP,
        (S.FILLED, OrderFilled): _Rule.FILL,
        (S.FILLED, CancelRejected): _Rule.KEEP,
        (S.CANCELED, OrderAccepted): _Rule.KEEP,
        (S.CANCELED, OrderFilled): _Rule.FILL,
        (S.CANCELED, OrderCanceled): _Rule.KEEP,
        (S.CANCELED, CancelRejected): _Rule.KEEP,
        (S.EXPIRED, OrderAccepted): _Rule.KEEP,
        (S.EXPIRED, OrderFilled): _Rule.FILL,
        (S.EXPIRED, CancelRejected): _Rule.KEEP,
        (S.EXPIRED, OrderExpired): _Rule.KEEP,
        (S.REJECTED, OrderRejected): _Rule.KEEP,
    }
)
del _st


# ---- the order -----------------------------------------------------------------------
@dataclass
class Order:
    client_order_id: ClientOrderId
    venue: VenueId
    symbol: Symbol
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    mode: VenueMode = VenueMode.PAPER
    account: AccountLabel = AccountLabel("default")
    status: OrderStatus = OrderStatus.PENDING_SUBMIT
    venue_order_id: VenueOrderId | None = None
    filled: Decimal = ZERO
    cost: Decimal = ZERO  # quote amount filled
    fees: dict[str, Decimal] = field(default_factory=dict)
    trade_ids: set[TradeId] = field(default_factory=set)
    external: bool = False  # adopted from the venue, not placed by this terminal
    reason: str = ""  # last reject / cancel / unknown reason
    trigger_price: Decimal | None = None
    trailing_percent: Decimal | None = None
    reduce_only: bool = False
    close_position: bool = False
    list_id: str | None = None
    leg_role: LegRole | None = None
    held_by: HeldBy | None = None
    triggered: bool = False  # a conditional order whose trigger was reached
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    market: MarketType = MarketType.SPOT

    @classmethod
    def from_request(
        cls, request: OrderRequest, client_order_id: ClientOrderId | None = None
    ) -> Order:
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            venue=request.venue,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            amount=request.amount,
            price=request.price,
            time_in_force=request.time_in_force,
            post_only=request.post_only,
            mode=request.mode,
            account=request.account,
            trigger_price=request.trigger_price,
            trailing_percent=request.trailing_percent,
            reduce_only=request.reduce_only,
            close_position=request.close_position,
            list_id=request.list_id,
            leg_role=request.leg_role,
            held_by=request.held_by,
            market=request.market,
        )

    # ---- derived -------------------------------------------------------------------
    @property
    def session(self) -> SessionKey:
        """The session the order belongs to (venue, environment, account, market type)."""
        return SessionKey(self.venue, self.mode, self.account, self.market)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def average_price(self) -> Decimal | None:
        return (self.cost / self.filled) if self.filled > ZERO else None

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    def copy(self) -> Order:
        return replace(self, fees=dict(self.fees), trade_ids=set(self.trade_ids))

    # ---- applying events -------------------------------------------------------------
    def can_apply(self, event: OrderEvent) -> bool:
        return (self.status, type(event)) in TRANSITIONS

    def apply(self, event: OrderEvent) -> bool:
        """Apply one event; return True if the order changed.

        Raises IllegalTransition for a (status, event) pair outside the table and
        OverfillError for a fill beyond the amount; in both cases nothing changes.
        A fill whose trade id was already applied is ignored (returns False).
        """
        rule = TRANSITIONS.get((self.status, type(event)))
        if rule is None:
            raise IllegalTransition(self.status, event)
        before = self._fingerprint()
        if isinstance(event, OrderAmended):
            self._apply_amend(event)
        if isinstance(event, OrderFilled):
            if event.trade_id in self.trade_ids:
                return False
            self._apply_fill(event)
        else:
            venue_id = getattr(event, "venue_order_id", None)
            if venue_id and not self.venue_order_id:
                self.venue_order_id = venue_id
            reason = getattr(event, "reason", "")
            if reason:
                self.reason = reason
            if isinstance(event, OrderTriggered) and self.type.is_conditional:
                self.triggered = True
            if isinstance(rule, OrderStatus):
                self.status = rule
            elif rule is _Rule.PRIOR:
                if self.filled > ZERO:
                    self.status = OrderStatus.PARTIALLY_FILLED
                elif self.type.is_conditional and not self.triggered:
                    self.status = OrderStatus.PENDING_TRIGGER
                else:
                    self.status = OrderStatus.OPEN
        changed = before != self._fingerprint()
        if changed or isinstance(event, OrderFilled):
            self.updated_at = event.at
        return changed or isinstance(event, OrderFilled)

    def _fingerprint(self) -> tuple[object, ...]:
        """What an event may change (compared before and after applying it)."""
        return (
            self.status,
            self.filled,
            self.venue_order_id,
            self.reason,
            self.triggered,
            self.amount,
            self.price,
            self.trigger_price,
        )

    def _apply_amend(self, event: OrderAmended) -> None:
        """New amount, price and trigger (checked first: an error changes nothing)."""
        if not event.amount.is_finite() or event.amount <= self.filled:
            raise OrderError(
                f"amended amount {format_decimal(event.amount)} must be above the filled "
                f"{format_decimal(self.filled)}"
            )
        if event.price is not None and (not event.price.is_finite() or event.price <= ZERO):
            raise OrderError(f"amended price must be positive: {event.price}")
        self.amount = event.amount
        if event.price is not None:
            self.price = event.price
        if event.trigger_price is not None:
            self.trigger_price = event.trigger_price

    def _apply_fill(self, fill: OrderFilled) -> None:
        if fill.amount <= ZERO or fill.price <= ZERO:
            raise OrderError(f"fill must have positive price and amount: {fill}")
        new_filled = self.filled + fill.amount
        if new_filled > self.amount:
            raise OverfillError(self.filled, fill.amount, self.amount)
        self.filled = new_filled
        self.cost += fill.price * fill.amount
        if fill.fee and fill.fee_currency:
            self.fees[fill.fee_currency] = self.fees.get(fill.fee_currency, ZERO) + fill.fee
        self.trade_ids.add(fill.trade_id)
        if fill.venue_order_id and not self.venue_order_id:
            self.venue_order_id = fill.venue_order_id
        if self.type.is_conditional:
            self.triggered = True  # it trades only once triggered
        if self.filled == self.amount:
            self.status = OrderStatus.FILLED
        elif self.status in (
            OrderStatus.PENDING_SUBMIT,
            OrderStatus.OPEN,
            OrderStatus.UNKNOWN,
            OrderStatus.PENDING_TRIGGER,
        ):
            self.status = OrderStatus.PARTIALLY_FILLED
        # PARTIALLY_FILLED, PENDING_CANCEL, CANCELED, EXPIRED keep their status
