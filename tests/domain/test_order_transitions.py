"""Every (status, event) pair of the order state machine, legal and illegal.

The expected matrix is written out here independently of terminal.domain.order.TRANSITIONS,
so a change to the table that is not mirrored here fails.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    TRANSITIONS,
    CancelRejected,
    CancelRequested,
    IllegalTransition,
    Order,
    OrderAccepted,
    OrderAmended,
    OrderArmed,
    OrderCanceled,
    OrderError,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderStatus,
    OrderTriggered,
    OutcomeUnknown,
    OverfillError,
)

S = OrderStatus
EVENTS = [
    "accepted",
    "rejected",
    "fill",
    "cancel_req",
    "canceled",
    "cancel_rej",
    "expired",
    "unknown",
    "armed",
    "triggered",
    "amended",
]
# Cells: a status name, "keep", "fill" (partial fill of 1 of 10 -> see FILL_RESULT), or "-"
# (illegal).
EXPECTED = {
    S.PENDING_SUBMIT: [
        "open",
        "rejected",
        "fill",
        "-",
        "canceled",
        "-",
        "expired",
        "unknown",
        "pending_trigger",
        "-",
        "-",
    ],
    S.UNKNOWN: [
        "open",
        "rejected",
        "fill",
        "-",
        "canceled",
        "keep",
        "expired",
        "keep",
        "pending_trigger",
        "open",
        "-",
    ],
    S.PENDING_TRIGGER: [
        "keep",
        "-",
        "fill",
        "pending_cancel",
        "canceled",
        "keep",
        "expired",
        "unknown",
        "keep",
        "open",
        "keep",
    ],
    S.OPEN: [
        "keep",
        "-",
        "fill",
        "pending_cancel",
        "canceled",
        "keep",
        "expired",
        "unknown",
        "keep",
        "keep",
        "keep",
    ],
    S.PARTIALLY_FILLED: [
        "keep",
        "-",
        "fill",
        "pending_cancel",
        "canceled",
        "keep",
        "expired",
        "unknown",
        "keep",
        "keep",
        "keep",
    ],
    S.PENDING_CANCEL: [
        "keep",
        "-",
        "fill",
        "keep",
        "canceled",
        "prior",
        "expired",
        "unknown",
        "keep",
        "keep",
        "prior",
    ],
    S.FILLED: ["keep", "-", "fill", "-", "-", "keep", "-", "-", "keep", "keep", "-"],
    S.CANCELED: ["keep", "-", "fill", "-", "keep", "keep", "-", "-", "keep", "keep", "-"],
    S.EXPIRED: ["keep", "-", "fill", "-", "-", "keep", "keep", "-", "keep", "keep", "-"],
    S.REJECTED: ["-", "keep", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
}
# Status after a partial fill (1 of 10) from each status where a fill is legal.
FILL_RESULT = {
    S.PENDING_SUBMIT: S.PARTIALLY_FILLED,
    S.UNKNOWN: S.PARTIALLY_FILLED,
    S.PENDING_TRIGGER: S.PARTIALLY_FILLED,
    S.OPEN: S.PARTIALLY_FILLED,
    S.PARTIALLY_FILLED: S.PARTIALLY_FILLED,
    S.PENDING_CANCEL: S.PENDING_CANCEL,
    S.CANCELED: S.CANCELED,
    S.EXPIRED: S.EXPIRED,
}


def make_order(status: OrderStatus, filled: str = "0") -> Order:
    order = Order(
        client_order_id=ClientOrderId("tt0000000000000001"),
        venue=VenueId("paper"),
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("10"),
        price=Decimal("100"),
        status=status,
    )
    if Decimal(filled):
        order.filled = Decimal(filled)
        order.cost = Decimal(filled) * Decimal("100")
        order.trade_ids.add(TradeId("seed"))
    return order


def make_event(name: str):
    return {
        "accepted": OrderAccepted(venue_order_id=VenueOrderId("42")),
        "rejected": OrderRejected(reason="no"),
        "fill": OrderFilled(trade_id=TradeId("t1"), price=Decimal("100"), amount=Decimal("1")),
        "cancel_req": CancelRequested(),
        "canceled": OrderCanceled(),
        "cancel_rej": CancelRejected(reason="unknown order"),
        "expired": OrderExpired(),
        "unknown": OutcomeUnknown(reason="timeout"),
        "armed": OrderArmed(venue_order_id=VenueOrderId("42")),
        "triggered": OrderTriggered(),
        "amended": OrderAmended(amount=Decimal("12"), price=Decimal("101")),
    }[name]


def _state(order: Order):
    return (
        order.status,
        order.filled,
        order.cost,
        order.venue_order_id,
        dict(order.fees),
        set(order.trade_ids),
    )


def test_table_covers_exactly_the_expected_pairs():
    expected_legal = {
        (st, type(make_event(ev)))
        for st, row in EXPECTED.items()
        for ev, cell in zip(EVENTS, row, strict=False)
        if cell != "-"
    }
    assert set(TRANSITIONS) == expected_legal
    assert set(EXPECTED) == set(OrderStatus)


CASES = [
    (st, ev, cell) for st, row in EXPECTED.items() for ev, cell in zip(EVENTS, row, strict=False)
]


@pytest.mark.parametrize(
    "status,event_name,cell", CASES, ids=[f"{s.value}-{e}" for s, e, _ in CASES]
)
def test_transition(status, event_name, cell):
    # FILLED orders are fully filled; a legal fill there must not overfill, so start
    # final statuses that accept fills with room left except FILLED (checked below).
    filled = "10" if status is S.FILLED else "0"
    order = make_order(status, filled)
    event = make_event(event_name)
    before = _state(order)
    if cell == "-":
        with pytest.raises(IllegalTransition) as info:
            order.apply(event)
        assert info.value.status is status
        assert _state(order) == before, "an illegal event must not change the order"
        return
    if status is S.FILLED and event_name == "fill":
        with pytest.raises(OverfillError):
            order.apply(event)
        assert _state(order) == before
        return
    order.apply(event)
    if cell == "keep":
        assert order.status is status
    elif cell == "fill":
        assert order.status is FILL_RESULT[status]
        assert order.filled == Decimal(filled) + 1
    elif cell == "prior":
        assert order.status is S.OPEN
    else:
        assert order.status is OrderStatus(cell)


def _stop(status: OrderStatus) -> Order:
    return Order(
        client_order_id=ClientOrderId("tt0000000000000002"),
        venue=VenueId("paper"),
        symbol=Symbol("BTC/USDT"),
        side=Side.SELL,
        type=OrderType.STOP_MARKET,
        amount=Decimal("10"),
        trigger_price=Decimal("90"),
        status=status,
    )


def test_stop_waits_for_its_trigger_then_runs_and_fills():
    order = _stop(S.PENDING_SUBMIT)
    order.apply(OrderArmed(venue_order_id=VenueOrderId("5")))
    assert order.status is S.PENDING_TRIGGER and not order.triggered
    order.apply(OrderTriggered())
    assert order.status is S.OPEN and order.triggered
    order.apply(OrderFilled(trade_id=TradeId("f"), price=Decimal("89"), amount=Decimal("10")))
    assert order.status is S.FILLED


def test_cancel_rejected_on_an_untriggered_stop_returns_to_waiting():
    order = _stop(S.PENDING_TRIGGER)
    order.apply(CancelRequested())
    order.apply(CancelRejected(reason="busy"))
    assert order.status is S.PENDING_TRIGGER
    triggered = _stop(S.PENDING_TRIGGER)
    triggered.apply(OrderTriggered())
    triggered.apply(CancelRequested())
    triggered.apply(CancelRejected(reason="busy"))
    assert triggered.status is S.OPEN


def test_a_fill_while_waiting_marks_the_stop_triggered():
    order = _stop(S.PENDING_TRIGGER)
    order.apply(OrderFilled(trade_id=TradeId("f"), price=Decimal("89"), amount=Decimal("4")))
    assert order.status is S.PARTIALLY_FILLED and order.triggered


def test_cancel_rejected_returns_to_partially_filled_when_something_filled():
    order = make_order(S.PARTIALLY_FILLED, "3")
    order.apply(CancelRequested())
    assert order.status is S.PENDING_CANCEL
    order.apply(CancelRejected(reason="too late"))
    assert order.status is S.PARTIALLY_FILLED


def test_duplicate_trade_id_is_ignored():
    order = make_order(S.OPEN)
    fill = OrderFilled(
        trade_id=TradeId("a"),
        price=Decimal("100"),
        amount=Decimal("2"),
        fee=Decimal("0.002"),
        fee_currency="BTC",
    )
    assert order.apply(fill) is True
    assert order.apply(fill) is False
    assert order.filled == Decimal("2")
    assert order.fees == {"BTC": Decimal("0.002")}


def test_duplicate_fill_after_filled_is_ignored_not_overfill():
    order = make_order(S.OPEN)
    fill = OrderFilled(trade_id=TradeId("a"), price=Decimal("100"), amount=Decimal("10"))
    order.apply(fill)
    assert order.status is S.FILLED
    assert order.apply(fill) is False
    assert order.filled == Decimal("10")


def test_overfill_raises_and_changes_nothing():
    order = make_order(S.OPEN, "9")
    before = _state(order)
    with pytest.raises(OverfillError):
        order.apply(OrderFilled(trade_id=TradeId("x"), price=Decimal("1"), amount=Decimal("2")))
    assert _state(order) == before


def test_fill_completing_the_amount_makes_filled_from_any_fillable_status():
    for status in (S.PENDING_SUBMIT, S.UNKNOWN, S.OPEN, S.PENDING_CANCEL, S.CANCELED, S.EXPIRED):
        order = make_order(status)
        order.apply(OrderFilled(trade_id=TradeId("x"), price=Decimal("100"), amount=Decimal("10")))
        assert order.status is S.FILLED, status


def test_late_fill_after_cancel_counts_money_and_keeps_canceled():
    order = make_order(S.OPEN)
    order.apply(CancelRequested())
    order.apply(OrderCanceled())
    order.apply(
        OrderFilled(
            trade_id=TradeId("late"),
            price=Decimal("99.5"),
            amount=Decimal("4"),
            fee=Decimal("0.004"),
            fee_currency="BTC",
        )
    )
    assert order.status is S.CANCELED
    assert order.filled == Decimal("4")
    assert order.average_price == Decimal("99.5")
    assert order.remaining == Decimal("6")


def test_accept_after_stream_fill_only_records_venue_id():
    order = make_order(S.PENDING_SUBMIT)
    order.apply(OrderFilled(trade_id=TradeId("t"), price=Decimal("100"), amount=Decimal("10")))
    assert order.status is S.FILLED
    order.apply(OrderAccepted(venue_order_id=VenueOrderId("777")))
    assert order.status is S.FILLED and order.venue_order_id == "777"


def test_average_price_and_fees_accumulate():
    order = make_order(S.OPEN)
    order.apply(
        OrderFilled(
            trade_id=TradeId("1"),
            price=Decimal("100"),
            amount=Decimal("1"),
            fee=Decimal("0.1"),
            fee_currency="USDT",
        )
    )
    order.apply(
        OrderFilled(
            trade_id=TradeId("2"),
            price=Decimal("103"),
            amount=Decimal("2"),
            fee=Decimal("0.2"),
            fee_currency="USDT",
        )
    )
    assert order.average_price == Decimal("102")
    assert order.fees == {"USDT": Decimal("0.3")}
    assert order.status is S.PARTIALLY_FILLED


def test_non_positive_fill_is_an_error():
    order = make_order(S.OPEN)
    with pytest.raises(OrderError, match="positive price and amount"):
        order.apply(OrderFilled(trade_id=TradeId("z"), price=Decimal("100"), amount=Decimal("0")))
    assert order.filled == 0


def test_final_statuses():
    assert {s for s in OrderStatus if s.is_final} == {S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}


@pytest.mark.parametrize("status", [S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL])
def test_amend_in_place_changes_amount_and_price_through_the_table(status):
    order = make_order(status, "2" if status is S.PARTIALLY_FILLED else "0")
    assert order.apply(OrderAmended(amount=Decimal("12"), price=Decimal("101")))
    assert (order.amount, order.price) == (Decimal("12"), Decimal("101"))
    assert order.status is (S.OPEN if status is S.PENDING_CANCEL else status)
    assert order.remaining == Decimal("12") - order.filled


def test_amend_of_a_waiting_stop_moves_its_trigger():
    order = _stop(S.PENDING_TRIGGER)
    order.apply(OrderAmended(amount=Decimal("8"), trigger_price=Decimal("85")))
    assert (order.amount, order.trigger_price, order.status) == (
        Decimal("8"),
        Decimal("85"),
        S.PENDING_TRIGGER,
    )


@pytest.mark.parametrize(
    "amount,price", [("2", "101"), ("1", "101"), ("12", "0"), ("12", "-1"), ("NaN", "101")]
)
def test_amend_below_the_filled_amount_or_to_a_bad_price_changes_nothing(amount, price):
    order = make_order(S.OPEN)
    order.apply(OrderFilled(trade_id=TradeId("t9"), price=Decimal("100"), amount=Decimal("2")))
    before = (_state(order), order.amount, order.price)
    with pytest.raises(OrderError):
        order.apply(OrderAmended(amount=Decimal(amount), price=Decimal(price)))
    assert (_state(order), order.amount, order.price) == before


def test_amend_after_the_order_is_final_is_illegal():
    for status in (S.FILLED, S.CANCELED, S.EXPIRED, S.REJECTED):
        order = make_order(status, "10" if status is S.FILLED else "0")
        with pytest.raises(IllegalTransition):
            order.apply(OrderAmended(amount=Decimal("12"), price=Decimal("101")))
        assert order.amount == Decimal("10")
