"""One-cancels-other pairs: native order lists where the venue has them, else two orders
this terminal links.

Native (Binance and the paper exchange: `POST /api/v3/orderList/oco` through ccxt's
implicit method): the venue cancels the survivor itself, also while the terminal is
closed. Elsewhere the stop and the target are placed as two orders held together by
this terminal (`TerminalLinks`): the moment one fills (or triggers) the other is
cancelled; only while the terminal runs.

Every leg is journaled (with the list row) before anything is sent, like every order.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.core.errors import (
    AuthenticationError,
    OrderRejectedError,
    RateLimitedError,
    VenueError,
    VenueUnavailableError,
)
from terminal.core.orders.errors import EntryNotReady, NotSent, SubmitRefused, UnknownOrder
from terminal.core.ports import Refusal
from terminal.core.storage import JournalWriteFailed
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.money import format_decimal
from terminal.domain.order import (
    EventSource,
    Order,
    OrderRejected,
    OrderRequest,
    OutcomeUnknown,
)
from terminal.domain.orderlist import (
    ListKind,
    ListStatus,
    OrderList,
    ProtectionRequest,
    new_list_id,
)

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

log = logging.getLogger(__name__)
_REFUSED = (OrderRejectedError, RateLimitedError, VenueUnavailableError, AuthenticationError)
OCO_PRICES = "oco_prices"


def leg_requests(
    req: ProtectionRequest, list_id: str, held_by: HeldBy, native: bool
) -> tuple[OrderRequest, OrderRequest]:
    """The stop and the target as order tickets. A native target is a post-only limit in
    a sell and a take-profit limit in a buy (what the venue's list takes); a terminal-held
    target is a plain resting limit order."""
    common: dict[str, Any] = {
        "venue": req.venue,
        "symbol": req.symbol,
        "side": req.side,
        "amount": req.amount,
        "time_in_force": req.time_in_force,
        "account": req.account,
        "mode": req.mode,
        "market": req.market,
        "list_id": list_id,
        "held_by": held_by,
    }
    stop = OrderRequest(
        type=req.stop_type,
        trigger_price=req.stop_trigger,
        price=req.stop_limit,
        leg_role=LegRole.STOP,
        **common,
    )
    if native and req.side is Side.BUY:
        target = OrderRequest(
            type=OrderType.TAKE_PROFIT_LIMIT,
            trigger_price=req.target,
            price=req.target,
            leg_role=LegRole.TARGET,
            **common,
        )
    else:
        target = OrderRequest(
            type=OrderType.LIMIT,
            price=req.target,
            post_only=native,
            leg_role=LegRole.TARGET,
            **common,
        )
    return stop, target


def price_refusals(req: ProtectionRequest, reference: Decimal | None) -> list[Refusal]:
    """A sell's target above the price and its stop below (the reverse for a buy)."""
    f = format_decimal
    sell = req.side is Side.SELL
    if (req.target <= req.stop_trigger) if sell else (req.target >= req.stop_trigger):
        return [
            Refusal(
                OCO_PRICES,
                f"a {req.side.value} OCO needs its target "
                f"{'above' if sell else 'below'} its stop (target {f(req.target)}, "
                f"stop {f(req.stop_trigger)})",
            )
        ]
    if reference is not None and ((req.target <= reference) if sell else (req.target >= reference)):
        return [
            Refusal(
                OCO_PRICES,
                f"the target {f(req.target)} would fill at once: the "
                f"price is {f(reference)}; put it {'above' if sell else 'below'} it",
            )
        ]
    return []


async def place_oco(
    service: OrderCore,
    req: ProtectionRequest,
    *,
    confirmed: frozenset[str] = frozenset(),
    kind: ListKind = ListKind.OCO,
    details: dict[str, Any] | None = None,
    list_id: str | None = None,
) -> tuple[OrderList, list[Order]]:
    """Place a stop and a target that cancel each other. Native where the venue holds
    order lists, else held by this terminal. Raises SubmitRefused before anything is
    written or sent; a venue rejection comes back as REJECTED legs."""
    blocked = service.gate.submissions_blocked(req.session, req.symbol)
    if blocked:
        raise SubmitRefused([Refusal("emergency_stop", blocked)])
    reason = service.entry_block_reason(req.session)
    if reason is not None:
        raise EntryNotReady(req.session, reason)
    session = service.require_session(req.session)
    caps = session.capabilities(req.symbol)
    native = caps.native_oco
    held_by = HeldBy.VENUE if native else HeldBy.TERMINAL
    list_id = list_id or new_list_id()
    stop_req, target_req = (
        service._normalise(r) for r in leg_requests(req, list_id, held_by, native)
    )
    refusals: list[Refusal] = []
    if not caps.supports(stop_req.type):
        refusals.append(
            Refusal(
                "order_type",
                caps.why_not(stop_req.type.value) or f"{stop_req.type.label} is not offered",
            )
        )
    ctx = service.context_for(stop_req, confirmed)
    refusals += price_refusals(req, ctx.reference_price)
    for leg_req in (stop_req, target_req):
        for r in service.gate.check(leg_req, service.context_for(leg_req, confirmed)):
            if not (r.overridable and r.rule in confirmed) and r not in refusals:
                refusals.append(r)
    if refusals:
        raise SubmitRefused(refusals)
    order_list = OrderList(
        list_id=list_id,
        venue=req.venue,
        account=stop_req.account,
        mode=stop_req.mode,
        market=stop_req.market,
        symbol=req.symbol,
        kind=kind,
        held_by=held_by,
        details={
            "side": req.side.value,
            "amount": str(req.amount),
            "stop_trigger": str(req.stop_trigger),
            "target": str(req.target),
            "stop_limit": None if req.stop_limit is None else str(req.stop_limit),
            **(details or {}),
        },
    )
    legs = [service.tracker.track(Order.from_request(r)) for r in (stop_req, target_req)]
    try:
        await service.journal.save_list(order_list)
        for leg in legs:
            await service.journal.record_intent(leg)
    except JournalWriteFailed as exc:
        for leg in legs:
            service.tracker.forget(leg)
        raise NotSent("order list", exc.reason) from exc
    for leg in legs:
        service.order_changed.emit(leg.copy())
    if native:
        await _send_native(service, session, order_list, legs)
    else:
        service.links.watch(order_list, legs)
        await _send_linked(service, session, legs)
    if all(leg.is_final for leg in legs):
        order_list.status = ListStatus.DONE
    await service.journal.save_list(order_list)
    return order_list, [leg.copy() for leg in legs]


async def _send_native(
    service: OrderCore, session: Any, order_list: OrderList, legs: list[Order]
) -> None:
    stop, target = legs
    try:
        venue_list_id, reports = await session.create_oco(order_list.list_id, stop, target)
    except _REFUSED as exc:
        for leg in legs:
            await service.tracker.apply(
                leg, [OrderRejected(reason=_reason(exc), source=EventSource.REST)]
            )
        return
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if not isinstance(exc, VenueError):
            log.exception("OCO %s failed unexpectedly", order_list.list_id)
        for leg in legs:
            await service.tracker.apply(
                leg, [OutcomeUnknown(reason=_reason(exc), source=EventSource.LOCAL)]
            )
            service._start_settle(leg)
        return
    order_list.venue_list_id = venue_list_id
    by_id = {leg.client_order_id: leg for leg in legs}
    for report in reports:
        found_leg = by_id.get(report.client_order_id) if report.client_order_id else None
        if found_leg is not None:
            await service.absorb_report(found_leg, report, EventSource.REST)


async def _send_linked(service: OrderCore, session: Any, legs: list[Order]) -> None:
    """Stop first; the target only once the stop rests (a pair without its stop would
    be no protection); a rejected target cancels the stop."""
    stop, target = legs
    await service._send_new(session, stop)
    if stop.is_final:
        await service.tracker.apply(
            target,
            [
                OrderRejected(
                    reason=f"not sent: its stop {stop.client_order_id} was {stop.status.value}",
                    source=EventSource.LOCAL,
                )
            ],
        )
        return
    await service._send_new(session, target)
    if target.is_final and target.filled == 0 and not stop.is_final:
        await service.cancel(stop.client_order_id)


async def cancel_list(service: OrderCore, list_id: str) -> list[Order]:
    """Cancel every open order of a list or bracket with one request where the venue
    holds the list, else one by one. Returns the legs as they are now."""
    found = await service.journal.order_lists(list_id=list_id)
    if not found:
        raise UnknownOrder(f"no order list {list_id} in the journal")
    order_list = found[0]
    legs = [service.tracker.track(o) for o in await service.journal.list_legs(list_id)]
    if not legs:
        raise UnknownOrder(f"order list {list_id} has no orders in the journal")
    session: Any = service.require_session(legs[0].session)  # with the order-list calls
    service.links.forget(list_id)  # a cancelled group places and cancels nothing more
    service.brackets.forget(list_id)
    for pair_id in order_list.details.get("pairs", []):  # a bracket's protective pairs
        legs += await cancel_list(service, pair_id)
    live = [leg for leg in legs if not leg.is_final]
    if (
        order_list.held_by is HeldBy.VENUE
        and order_list.venue_list_id
        and any(leg.status.value == "pending_trigger" or leg.status.value == "open" for leg in live)
    ):
        try:
            reports = await session.cancel_order_list(
                order_list.symbol, order_list.venue_list_id, order_list.list_id
            )
        except VenueError as exc:
            log.info("cancel of list %s: %s; settling its orders", list_id, exc)
            reports = []
        by_id = {leg.client_order_id: leg for leg in legs}
        for report in reports:
            leg = by_id.get(report.client_order_id) if report.client_order_id else None
            if leg is not None:
                await service.absorb_report(leg, report, EventSource.REST)
        for leg in live:
            if not leg.is_final:
                await service.settle_open(leg)
    else:
        for leg in live:
            if not leg.is_final:
                await service.cancel(leg.client_order_id)
    if all(leg.is_final for leg in legs):
        order_list.status = ListStatus.DONE
        await service.journal.save_list(replace(order_list))
    return [leg.copy() for leg in legs]


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
