"""Amend a resting limit order: in place where the venue edits, else cancel-and-replace.

Venues that edit in place keep the ids; venues that cancel-and-replace (Binance spot)
place a new order: its client id is generated and its intent journaled (PENDING_SUBMIT)
before the call, the original journals CancelRequested with the replacement's id in the
payload, and the venue is asked to use that id. Success: the original CANCELED
("replaced by <id>"), the replacement OPEN. A refusal: both are queried by client id
(one half may have happened) and the error is raised. An unknown outcome: both go
UNKNOWN and one settle task, registered for both client ids before `amend_order`
returns, queries them (never resends), so `OrderService.wait_settled` of either id waits
for the whole amend to be settled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.core.errors import OrderNotFoundError, VenueError
from terminal.core.orders.errors import (
    NotSent,
    NotSupported,
    SentNotJournaled,
    SubmitRefused,
    UnknownOrder,
)
from terminal.core.orders.tracker import report_events
from terminal.core.ports import ExchangePort, Refusal
from terminal.core.storage import JournalWriteFailed
from terminal.domain.enums import Side
from terminal.domain.ids import ClientOrderId
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.money import format_decimal
from terminal.domain.order import (
    CancelRejected,
    CancelRequested,
    EventSource,
    Order,
    OrderAmended,
    OrderCanceled,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OutcomeUnknown,
)
from terminal.domain.reports import OrderReport, missing_fill_amount

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

log = logging.getLogger(__name__)
_RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


async def amend_order(
    svc: OrderCore,
    client_order_id: ClientOrderId,
    amount: Decimal,
    price: Decimal | None,
    *,
    confirmed: frozenset[str] = frozenset(),
    trigger: Decimal | None = None,
) -> Order:
    """Change amount/price of a resting limit order, or amount/trigger (and limit) of a
    stop or take-profit still waiting for its trigger (see the module docstring).
    Returns the order that now rests on the venue (UNKNOWN while being settled)."""
    tracker = svc.tracker
    order = await tracker.load(client_order_id)
    if order is None:
        raise UnknownOrder(f"no order {client_order_id} in the journal")
    # only a stop that covers this order's session and symbol blocks its amendment
    blocked = svc.gate.submissions_blocked(order.session, order.symbol)
    if blocked:
        raise SubmitRefused([Refusal("emergency_stop", blocked)])
    session = svc.require_session(order.session)
    if not session.has_edit_order:
        raise NotSupported(f"{order.venue} cannot amend orders; cancel and place a new one")
    waiting = order.type.is_conditional and order.status is OrderStatus.PENDING_TRIGGER
    if order.status not in _RESTING and not waiting:
        raise SubmitRefused(
            [Refusal("not_open", f"order {client_order_id} is {order.status.value}")]
        )
    if order.type.is_conditional and not waiting:
        raise SubmitRefused([Refusal("not_open", f"order {client_order_id} has already triggered")])
    if order.list_id is not None:
        raise NotSupported(
            f"order {client_order_id} belongs to list {order.list_id}: amending one leg "
            "would cancel the list; cancel the list and place a new one"
        )
    request = OrderRequest(
        venue=order.venue,
        symbol=order.symbol,
        side=order.side,
        type=order.type,
        amount=amount,
        price=price,
        time_in_force=order.time_in_force,
        post_only=order.post_only,
        mode=order.mode,
        account=order.account,
        trigger_price=trigger if trigger is not None else order.trigger_price,
        market=order.market,
    )
    ctx = svc.context_for(request, confirmed)
    ctx = replace(ctx, balances=released_by(ctx.balances, order))
    refusals = [
        r for r in svc.gate.check(request, ctx) if not (r.overridable and r.rule in confirmed)
    ]
    if refusals:
        raise SubmitRefused(refusals)
    # Write-ahead, as for submit: a cancel-and-replace venue places a NEW order, so
    # its id and intent are journaled before the venue hears of it, and the original
    # records the cancel request with the link to its replacement.
    replacement = tracker.track(Order.from_request(request))
    try:
        await svc.journal.record_intent(replacement)
    except BaseException as exc:
        tracker.forget(replacement)
        if isinstance(exc, JournalWriteFailed):
            raise NotSent("amend", exc.reason) from exc
        raise
    svc.order_changed.emit(replacement.copy())
    new_id = replacement.client_order_id
    try:
        await tracker.apply(
            order,
            [CancelRequested(source=EventSource.LOCAL)],
            {
                "amend": {
                    "replacement": str(new_id),
                    "amount": format_decimal(amount),
                    "price": None if price is None else format_decimal(price),
                    "trigger": None if trigger is None else format_decimal(trigger),
                }
            },
        )
    except JournalWriteFailed as exc:  # the replacement stays PENDING_SUBMIT: settled later
        raise NotSent("amend", exc.reason) from exc
    try:
        return await _send_amend(svc, session, order, replacement, amount, price)
    except JournalWriteFailed as exc:  # the venue was asked: never report it as failed
        log.info("amend of %s sent, then the journal failed: %s", client_order_id, exc)
        svc.order_changed.emit(order.copy())  # show what the venue said, unjournaled
        svc.order_changed.emit(replacement.copy())
        raise SentNotJournaled(replacement.copy(), exc.reason, "amend") from exc


async def _send_amend(
    svc: OrderCore,
    session: ExchangePort,
    order: Order,
    replacement: Order,
    amount: Decimal,
    price: Decimal | None,
) -> Order:
    """Ask the venue to amend `order` (the replacement's intent is journaled) and apply
    its answer; the order that now rests on the venue."""
    from terminal.core.orders.outcomes import REFUSED_BEFORE_ACTING as _REFUSED_BEFORE_ACTING
    from terminal.core.orders.outcomes import reason_of as _reason

    tracker = svc.tracker
    client_order_id, new_id = order.client_order_id, replacement.client_order_id
    try:
        # only a conditional order's amend names a trigger (older ports take none)
        extra = {"trigger": replacement.trigger_price} if order.type.is_conditional else {}
        report = await session.edit_order(order, amount, price, new_client_order_id=new_id, **extra)
    except _REFUSED_BEFORE_ACTING as exc:
        # Binance: -2022 (cancel failed, nothing placed), -2021 (one half done) and a
        # filter failure (nothing done) all come as a refusal: ask which half happened.
        tracker.notice("warning", f"Amend of {client_order_id} failed: {_reason(exc)}")
        await _settle_refused(svc, session, order, replacement, _reason(exc))
        raise
    except asyncio.CancelledError:
        raise  # both left pending in the journal: reconciliation settles them
    except Exception as exc:  # OutcomeUnknownError, TransientError, anything unforeseen
        if not isinstance(exc, VenueError):
            log.exception("edit_order for %s failed unexpectedly", client_order_id)
        why = f"amend: {_reason(exc)}"
        await tracker.apply(order, [OutcomeUnknown(reason=why, source=EventSource.LOCAL)])
        await tracker.apply(replacement, [OutcomeUnknown(reason=why, source=EventSource.LOCAL)])
        tracker.notice(
            "warning",
            f"Amend of {client_order_id}: outcome unknown "
            f"({_reason(exc)}); querying {order.venue} for it and for "
            f"its replacement {new_id}.",
        )
        # Registered for both ids before returning: a caller may wait for it at once.
        task = svc.spawn(
            _settle_unknown(svc, order, replacement), f"settle-amend-{client_order_id}"
        )
        svc._register_settle(new_id, task)
        svc._register_settle(order.client_order_id, task)
        return replacement.copy()
    if report.client_order_id == new_id:
        await _replaced(svc, order, replacement, report)
        return replacement.copy()
    in_place = (not report.client_order_id or report.client_order_id == order.client_order_id) and (
        not report.venue_order_id or report.venue_order_id == order.venue_order_id
    )
    await tracker.apply(
        replacement,
        [
            OrderRejected(
                reason=(
                    f"not used: {order.venue} amended {client_order_id} in place"
                    if in_place
                    else f"not used: {order.venue} placed the replacement as "
                    f"{report.client_order_id or report.venue_order_id}"
                ),
                source=EventSource.REST,
            )
        ],
    )
    if in_place:
        # The venue kept the ids: the amendment is a transition of the order (back from
        # PENDING_CANCEL to its status before, with the new amount, price and trigger).
        await tracker.apply(
            order,
            [
                OrderAmended(
                    amount=amount,
                    price=price,
                    trigger_price=replacement.trigger_price,
                    source=EventSource.REST,
                )
            ],
            {
                "amended": {
                    "amount": format_decimal(amount),
                    "price": None if price is None else format_decimal(price),
                }
            },
        )
        await svc.absorb_report(order, report, EventSource.REST)
        return order.copy()
    await tracker.apply(
        order,
        [
            OrderCanceled(
                reason=f"replaced by {report.client_order_id or report.venue_order_id}",
                source=EventSource.REST,
            )
        ],
    )
    new = await tracker.adopt(order.session, report, EventSource.REST, external=False)
    return new.copy() if new is not None else order.copy()


async def _replaced(svc: OrderCore, order: Order, replacement: Order, report: OrderReport) -> None:
    """The venue cancelled `order` and placed `replacement` (the reply's order). The
    replacement is applied first: should the journal fail meanwhile, what the venue
    holds now is what is known (and reported) first."""
    async with svc.tracker.lock(replacement):
        await svc.tracker.apply_locked(
            replacement,
            report_events(replacement, report, EventSource.REST),
            {"replaces": str(order.client_order_id), "reply": report.raw},
        )
    await svc.tracker.apply(
        order,
        [
            OrderCanceled(
                reason=f"replaced by {replacement.client_order_id}", source=EventSource.REST
            )
        ],
    )
    if missing_fill_amount(replacement, report) > 0:
        await svc.catch_up_fills(replacement)


async def _settle_refused(
    svc: OrderCore, session: ExchangePort, order: Order, replacement: Order, reason: str
) -> None:
    """A refused cancel-replace may still have done one half (-2021): query both by
    client id, never resend. Not found means the replacement was not placed."""
    from terminal.core.orders.outcomes import reason_of as _reason

    tracker = svc.tracker
    try:
        report = await session.fetch_order(replacement.client_order_id, order.symbol)
    except OrderNotFoundError:
        await tracker.apply(replacement, [OrderRejected(reason=reason, source=EventSource.REST)])
    except VenueError as exc:
        await tracker.apply(
            replacement,
            [
                OutcomeUnknown(
                    reason=f"amend refused ({reason}); query failed: {_reason(exc)}",
                    source=EventSource.LOCAL,
                )
            ],
        )
        svc._start_settle(replacement)
    else:
        await svc.absorb_report(replacement, report, EventSource.QUERY)
    try:
        report = await session.fetch_order(order.client_order_id, order.symbol)
    except VenueError as exc:
        await tracker.apply(
            order,
            [
                OutcomeUnknown(
                    reason=f"amend refused ({reason}); query failed: {_reason(exc)}",
                    source=EventSource.LOCAL,
                )
            ],
        )
        svc._start_settle(order)
        return
    await svc.absorb_report(order, report, EventSource.QUERY)
    if order.status is OrderStatus.CANCELED and replacement.venue_order_id:
        await tracker.apply(
            order,
            [
                OrderCanceled(
                    reason=f"replaced by {replacement.client_order_id}", source=EventSource.QUERY
                )
            ],
        )
    elif not order.is_final:
        await tracker.apply(order, [CancelRejected(reason=reason, source=EventSource.REST)])


async def _settle_unknown(svc: OrderCore, order: Order, replacement: Order) -> Order:
    """Settle both halves of an amend whose reply never came (queries by client id,
    as for any unknown outcome, never a resend); then name the replacement in the
    original's cancel reason. Returns the replacement."""
    results = await asyncio.gather(
        svc.settle(replacement.client_order_id),
        svc.settle(order.client_order_id),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            log.warning("settling amend of %s: %s", order.client_order_id, result)
    if order.status is OrderStatus.CANCELED and replacement.venue_order_id:
        await svc.tracker.apply(
            order,
            [
                OrderCanceled(
                    reason=f"replaced by {replacement.client_order_id}", source=EventSource.QUERY
                )
            ],
        )
    return replacement


def released_by(balances: Balances | None, order: Order) -> Balances | None:
    """`balances` as they will be once `order` is cancelled: its locked funds free again.

    An amend cancels the original as it places the replacement, so the balance check of
    the replacement counts what the original holds (a buy: remaining x price in quote;
    a sell: the remaining amount in base); otherwise raising a nearly all-in buy by one
    tick would be refused for lack of funds the order itself is holding.
    """
    if balances is None or order.price is None or not order.symbol or "/" not in order.symbol:
        return balances
    base, quote = str(order.symbol).split("/", 1)
    quote = quote.split(":", 1)[0]
    asset, held = (
        (quote, order.remaining * order.price)
        if order.side is Side.BUY
        else (base, order.remaining)
    )
    current = balances.get(asset)
    freed = min(held, current.used)  # never more than the venue says is locked
    if freed <= 0:
        return balances
    by_asset = dict(balances.by_asset)
    by_asset[asset] = Balance(asset, current.free + freed, current.used - freed)
    return Balances(by_asset, balances.timestamp_ms)
