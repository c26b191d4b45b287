"""Brackets held by the venue: one OTOCO order list (Binance spot, the paper exchange).

The limit entry works at once; its stop and target wait on the venue and are placed by
the venue, as an OCO, when the entry has FULLY filled (Binance's OTOCO: a partly filled
entry has no stop yet; the terminal-held bracket grows its legs with each fill
instead). The venue does this while the terminal is closed. All three orders are
journaled (intent first) under the bracket's list id with their roles; the stop and
target are *pending trigger* until the venue places them. Cancelling the bracket
cancels the list on the venue in one request (`lists.cancel_list`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from terminal.core.errors import VenueError
from terminal.core.orders.errors import EntryNotReady, NotSent, SubmitRefused
from terminal.core.orders.lists import leg_requests, price_refusals
from terminal.core.ports import Refusal
from terminal.core.storage import JournalWriteFailed
from terminal.domain.enums import HeldBy, LegRole, OrderType
from terminal.domain.order import EventSource, Order, OrderRejected, OutcomeUnknown
from terminal.domain.orderlist import ListKind, ListStatus, OrderList, new_list_id

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

# `req` below is a bracket.BracketRequest (entry, stop_trigger, target, stop_limit,
# protection()); not imported here: the bracket keeper imports this module.
BracketRequest = Any

log = logging.getLogger(__name__)


def native_refusals(req: BracketRequest, caps: object) -> list[Refusal]:
    """Why this bracket cannot be held by the venue (empty: it can)."""
    why = getattr(caps, "why_not", lambda _o: None)("bracket")
    if not getattr(caps, "native_bracket", False):
        return [Refusal("bracket_native", why or "the venue holds no brackets")]
    if req.entry.type is not OrderType.LIMIT or req.entry.price is None:
        return [
            Refusal(
                "bracket_native",
                "a bracket held by the venue (OTOCO) needs a limit entry; "
                "a market entry's bracket is held by this terminal",
            )
        ]
    return []


async def place_native_bracket(
    service: OrderCore, req: BracketRequest, *, confirmed: frozenset[str] = frozenset()
) -> tuple[OrderList, Order]:
    blocked = service.gate.submissions_blocked(req.entry.session, req.entry.symbol)
    if blocked:
        raise SubmitRefused([Refusal("emergency_stop", blocked)])
    reason = service.entry_block_reason(req.entry.session)
    if reason is not None:
        raise EntryNotReady(req.entry.session, reason)
    session = service.require_session(req.entry.session)
    caps = session.capabilities(req.entry.symbol)
    refusals = native_refusals(req, caps)
    list_id = new_list_id()
    entry_req = service._normalise(
        replace(req.entry, list_id=list_id, leg_role=LegRole.ENTRY, held_by=HeldBy.VENUE)
    )
    protection = req.protection(entry_req.amount)
    stop_req, target_req = (
        service._normalise(r) for r in leg_requests(protection, list_id, HeldBy.VENUE, True)
    )
    if not caps.supports(stop_req.type):
        refusals.append(
            Refusal("order_type", caps.why_not(stop_req.type.value) or "no stop orders here")
        )
    # the legs are judged against the entry's price: they go live when it has filled
    refusals += price_refusals(protection, entry_req.price)
    refusals += [r for r in service.check(entry_req, confirmed) if r not in refusals]
    if refusals:
        raise SubmitRefused(refusals)
    order_list = OrderList(
        list_id=list_id,
        venue=entry_req.venue,
        account=entry_req.account,
        mode=entry_req.mode,
        market=entry_req.market,
        symbol=entry_req.symbol,
        kind=ListKind.BRACKET,
        held_by=HeldBy.VENUE,
        details={
            "entry": "",
            "side": entry_req.side.value,
            "amount": str(entry_req.amount),
            "stop_trigger": str(req.stop_trigger),
            "target": str(req.target),
            "stop_limit": None if req.stop_limit is None else str(req.stop_limit),
            "covered": "0",
            "pairs": [],
            "native": True,
        },
    )
    orders = [
        service.tracker.track(Order.from_request(r)) for r in (entry_req, stop_req, target_req)
    ]
    order_list.details["entry"] = str(orders[0].client_order_id)
    try:
        await service.journal.save_list(order_list)
        for o in orders:
            await service.journal.record_intent(o)
    except JournalWriteFailed as exc:
        for o in orders:
            service.tracker.forget(o)
        raise NotSent("bracket", exc.reason) from exc
    for o in orders:
        service.order_changed.emit(o.copy())
    await _send(service, session, order_list, orders)
    if all(o.is_final for o in orders):
        order_list.status = ListStatus.DONE
    await service.journal.save_list(order_list)
    return order_list, orders[0].copy()


async def _send(
    service: OrderCore, session: object, order_list: OrderList, orders: list[Order]
) -> None:
    from terminal.core.orders.lists import _REFUSED, _reason

    entry, stop, target = orders
    try:
        venue_list_id, reports = await session.create_otoco(  # type: ignore[attr-defined]
            order_list.list_id, entry, stop, target
        )
    except _REFUSED as exc:
        for o in orders:
            await service.tracker.apply(
                o, [OrderRejected(reason=_reason(exc), source=EventSource.REST)]
            )
        return
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the outcome is unknown: settled by query, never resent
        if not isinstance(exc, VenueError):
            log.exception("bracket %s failed unexpectedly", order_list.list_id)
        for o in orders:
            await service.tracker.apply(
                o, [OutcomeUnknown(reason=_reason(exc), source=EventSource.LOCAL)]
            )
            service._start_settle(o)
        return
    order_list.venue_list_id = venue_list_id
    by_id = {o.client_order_id: o for o in orders}
    for report in reports:
        leg = by_id.get(report.client_order_id) if report.client_order_id else None
        if leg is not None:
            await service.absorb_report(leg, report, EventSource.REST)
