"""Move the stop or the target of an OCO pair (a bracket's protective pair included).

Neither Binance nor a terminal-held pair can amend one leg in place (on Binance a
cancel-replace of one order of a list cancels the whole list), so moving a leg replaces
the pair: the new prices are checked first (trigger side and tick, the OCO's price
relation, the gate, as for any OCO), then the old pair is cancelled and, once both of
its orders are cancelled with nothing filled, the new pair is placed for the same
amount, native where the venue has order lists. The position is without its pair for
that one round trip; if a leg of the old pair filled or triggered meanwhile, nothing
new is placed and the caller is told why. A bracket's pair stays the bracket's: the new
pair's id joins the bracket's pairs, so a later fill of the entry grows the new pair.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.core.orders.errors import SubmitRefused, UnknownOrder
from terminal.core.orders.lists import cancel_list, leg_requests, place_oco, price_refusals
from terminal.core.ports import Refusal
from terminal.domain.enums import HeldBy, LegRole, Side
from terminal.domain.order import Order, OrderStatus
from terminal.domain.orderlist import ListKind, ListStatus, OrderList, ProtectionRequest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from terminal.core.orders.deps import OrderCore
    from terminal.domain.marketdata import Balances

log = logging.getLogger(__name__)
MOVE = "oco_move"


def _protection(order_list: OrderList, amount: Decimal) -> ProtectionRequest:
    d = order_list.details
    return ProtectionRequest(
        venue=order_list.venue,
        symbol=order_list.symbol,
        side=Side(d["side"]),
        amount=amount,
        stop_trigger=Decimal(d["stop_trigger"]),
        target=Decimal(d["target"]),
        stop_limit=None if d.get("stop_limit") is None else Decimal(d["stop_limit"]),
        account=order_list.account,
    )


async def move_oco_leg(
    service: OrderCore, list_id: str, role: LegRole, price: Decimal
) -> tuple[OrderList, list[Order]]:
    """Replace the pair `list_id` with one whose stop trigger (role STOP; a stop limit
    moves by the same distance) or target (role TARGET) is `price`. Returns the new list
    and its legs. SubmitRefused before anything is cancelled when the new pair would be
    refused, or when the old pair is no longer whole."""
    found = await service.journal.order_lists(list_id=list_id)
    if not found:
        raise UnknownOrder(f"no order list {list_id} in the journal")
    old = found[0]
    if old.kind is not ListKind.OCO or old.status is not ListStatus.OPEN:
        raise SubmitRefused([Refusal(MOVE, f"{list_id} is not an open OCO pair")])
    legs = [service.tracker.track(o) for o in await service.journal.list_legs(list_id)]
    live = [o for o in legs if not o.is_final and o.filled == 0 and not o.triggered]
    if len(live) != 2 or any(o.status is OrderStatus.UNKNOWN for o in live):
        raise SubmitRefused(
            [Refusal(MOVE, f"the pair {list_id} is no longer whole (a leg filled or is settling)")]
        )
    amount = live[0].amount
    # the new pair goes to the session of the old one
    req = replace(_protection(old, amount), mode=live[0].mode, market=live[0].market)
    if role is LegRole.STOP:
        shift = price - req.stop_trigger
        limit = None if req.stop_limit is None else req.stop_limit + shift
        if limit is not None and limit <= 0:
            raise SubmitRefused([Refusal(MOVE, "the stop's limit price would fall to zero")])
        new = replace(req, stop_trigger=price, stop_limit=limit)
    elif role is LegRole.TARGET:
        new = replace(req, target=price)
    else:
        raise SubmitRefused([Refusal(MOVE, "only a stop or a target can be moved")])
    # check the new pair as place_oco will, before the old one is touched
    new_legs_req = [
        service._normalise(r)
        for r in leg_requests(new, "-", old.held_by, old.held_by is HeldBy.VENUE)
    ]
    reference = service.context_for(new_legs_req[0]).reference_price
    if reference is None:  # no market data in this process: ask the venue
        reference = await service.brackets._venue_last(live[0].session, old)
    if reference is None:
        raise SubmitRefused([Refusal(MOVE, "no current price to check the new pair against")])
    refusals = price_refusals(new, reference)
    if role is LegRole.STOP and (
        price >= reference if new.side is Side.SELL else price <= reference
    ):
        refusals.append(
            Refusal(
                "trigger_side",
                f"a {new.side.value} stop at {price} would trigger at once: the price is "
                f"{reference}; put it {'below' if new.side is Side.SELL else 'above'} it",
            )
        )
    for leg in new_legs_req:
        ctx = service.context_for(leg)
        ctx = replace(ctx, balances=_released(ctx.balances, live))
        refusals += [r for r in service.gate.check(leg, ctx) if r not in refusals]
    if refusals:
        raise SubmitRefused(refusals)
    cancelled = await cancel_list(service, list_id)
    if any(o.filled > 0 or o.triggered or o.status is not OrderStatus.CANCELED for o in cancelled):
        states = ", ".join(
            f"{o.leg_role.value if o.leg_role else '?'} {o.status.value}" for o in cancelled
        )
        service.tracker.notice(
            "warning",
            f"Pair {list_id}: not replaced, a leg did not cancel cleanly ({states}); check it",
        )
        raise SubmitRefused([Refusal(MOVE, f"the old pair did not cancel cleanly ({states})")])
    details = {k: v for k, v in old.details.items() if k == "bracket"}
    new_list, new_legs = await place_oco(service, new, details=details)
    bracket_id = details.get("bracket")
    if bracket_id:
        await _relink(service, bracket_id, list_id, new_list.list_id, new)
    return new_list, new_legs


def _released(balances: Balances | None, legs: Iterable[Order]) -> Balances | None:
    """Balances as they will be once the old pair's locks are released (its legs are
    cancelled before the new ones go)."""
    from terminal.core.orders.amend import released_by

    for o in legs:
        balances = released_by(balances, o)
    return balances


async def _relink(
    service: OrderCore, bracket_id: str, old_id: str, new_id: str, new: ProtectionRequest
) -> None:
    """The bracket's pair is now `new_id`, with the moved prices."""
    keeper = service.brackets
    watched = next((b for b in keeper.open_brackets() if b.list_id == bracket_id), None)
    if watched is not None:
        target = watched
    else:
        found = await service.journal.order_lists(list_id=bracket_id)
        if not found:
            return
        target = found[0]
    pairs = target.details.setdefault("pairs", [])
    if new_id not in pairs:
        pairs.append(new_id)
    target.details["stop_trigger"] = str(new.stop_trigger)
    target.details["target"] = str(new.target)
    target.details["stop_limit"] = None if new.stop_limit is None else str(new.stop_limit)
    await service.journal.save_list(target)
    log.info("bracket %s: pair %s replaced by %s", bracket_id, old_id, new_id)
