"""A stop held by this terminal for the filled part of a venue-held bracket's entry.

A bracket held by the venue (one OTOCO list, `native_bracket`) gets its stop and target
from the venue only once the entry has FULLY filled; until then a partly filled entry's
position has no stop. This guard covers that gap while the terminal runs: as soon as
the entry has filled part of its amount, it holds a stop for what has filled at the
bracket's stop trigger, in the terminal (it locks nothing on the venue, so the venue's
own legs still find their funds when the entry completes). It watches the venue's last
price; if the price reaches the stop, the bracket's list is cancelled on the venue (the
entry's rest and the waiting legs) and what the entry filled is closed with a market
order, this bracket's stop held by this terminal. (A resting limit entry normally fills
completely before the price can pass it to the stop; the guard covers what the venue's
rule leaves open meanwhile.) The guard ends when the entry has fully filled (the venue's
legs are working). When the entry ends partly filled (expired, or cancelled other than
by this terminal), the venue's legs end with it: a stop and target for what filled are
then placed as an OCO, as a terminal-held bracket does; a bracket the user cancelled
gets none (a warning says the filled amount has no stop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.core.orders.errors import OrderServiceError
from terminal.core.orders.lists import cancel_list, place_oco
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.orderlist import OrderList, ProtectionRequest
from terminal.domain.session import SessionKey

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

log = logging.getLogger(__name__)

WATCH_INTERVAL_S = 1.0  # how often the venue's last price is read while a guard holds

PriceOf = Callable[[SessionKey, OrderList], Awaitable[Decimal | None]]


@dataclass(frozen=True)
class HeldStop:
    """The terminal's stop for the filled part of one venue-held bracket's entry."""

    list_id: str
    entry: Order
    side: Side  # the entry's side; the stop closes on the other
    amount: Decimal  # filled so far
    stop: Decimal
    order_list: OrderList


class PartialFillGuard:
    def __init__(self, service: OrderCore, price_of: PriceOf) -> None:
        self._service = service
        self._price_of = price_of
        self.held: dict[str, HeldStop] = {}
        self._watch: asyncio.Task[None] | None = None
        self._ended: set[str] = set()  # entries that ended partly filled, handled once
        self._cancelled: set[str] = set()  # brackets this terminal was asked to cancel
        service.order_changed.add(self._on_order)

    def forget(self, list_id: str) -> None:
        """The bracket is being cancelled on purpose: no stop held or placed for it."""
        self._cancelled.add(list_id)
        self.held.pop(list_id, None)

    def _on_order(self, order: Order) -> None:
        if order.leg_role is LegRole.ENTRY and order.held_by is HeldBy.VENUE and order.list_id:
            self._service.spawn(self._sync(order), f"partial-guard-{order.list_id}")

    async def _sync(self, order: Order) -> None:
        service, list_id = self._service, str(order.list_id)
        lists = await service.journal.order_lists(list_id=list_id)
        if not lists or not lists[0].details.get("native"):
            return
        order_list = lists[0]
        held = self.held.get(list_id)
        filled = order.filled
        if order.status is OrderStatus.FILLED or filled >= order.amount:
            if self.held.pop(list_id, None) is not None:
                service.tracker.notice(
                    "info",
                    f"Bracket {list_id}: the entry has fully filled and the venue's stop and "
                    "target are working; this terminal's stop for the filled part is removed",
                )
            return
        if order.is_final:
            self.held.pop(list_id, None)
            if filled > ZERO and list_id not in self._ended:
                self._ended.add(list_id)
                await self._protect_rest(order, order_list)
            return
        if filled <= ZERO or (held is not None and held.amount >= filled):
            return
        stop = Decimal(order_list.details["stop_trigger"])
        self.held[list_id] = HeldStop(list_id, order, order.side, filled, stop, order_list)
        service.tracker.notice(
            "warning",
            f"Bracket {list_id}: the entry filled {format_decimal(filled)} of "
            f"{format_decimal(order.amount)}; the venue places its stop only once the entry "
            f"has fully filled, so this terminal holds a stop for {format_decimal(filled)} at "
            f"{format_decimal(stop)} until then (held by this terminal: only while it runs)",
        )
        if self._watch is None or self._watch.done():
            self._watch = service.spawn(self._watch_prices(), "partial-guard-watch")

    async def _protect_rest(self, entry: Order, order_list: OrderList) -> None:
        """The entry ended partly filled: the venue's legs ended with it. Unless the user
        cancelled it, a stop and target for what filled are placed as an OCO (held by the
        venue where it has order lists, else by this terminal), like a terminal-held
        bracket's pair."""
        service, list_id = self._service, order_list.list_id
        amount = format_decimal(entry.filled)
        if list_id in self._cancelled or (
            entry.status is OrderStatus.CANCELED and service.cancel_wanted(entry)
        ):
            service.tracker.notice(
                "warning",
                f"Bracket {list_id}: cancelled after its entry filled {amount}; "
                "that amount has no stop",
            )
            return
        d = order_list.details
        protection = ProtectionRequest(
            venue=entry.venue,
            symbol=entry.symbol,
            side=entry.side.opposite,
            amount=entry.filled,
            stop_trigger=Decimal(d["stop_trigger"]),
            target=Decimal(d["target"]),
            stop_limit=None if d.get("stop_limit") is None else Decimal(d["stop_limit"]),
            account=entry.account,
            mode=entry.mode,
            market=entry.market,
        )
        try:
            pair, _legs = await place_oco(service, protection, details={"bracket": list_id})
        except OrderServiceError as exc:
            service.tracker.notice(
                "error",
                f"Bracket {list_id}: the entry ended ({entry.status.value}) after filling "
                f"{amount} and the venue's stop and target ended with it; a stop and target "
                f"for {amount} were NOT placed: {exc}",
            )
            return
        d.setdefault("pairs", []).append(pair.list_id)
        d["covered"] = str(entry.filled)
        await service.journal.save_list(order_list)
        service.tracker.notice(
            "warning",
            f"Bracket {list_id}: the entry ended ({entry.status.value}) after filling {amount}, "
            f"so the venue's stop and target ended with it; this terminal placed a stop and "
            f"target for {amount} ({pair.label})",
        )

    async def _watch_prices(self) -> None:
        while self.held:
            for held in list(self.held.values()):
                price = await self._price_of(held.entry.session, held.order_list)
                if price is None or self.held.get(held.list_id) is not held:
                    continue
                passed = price <= held.stop if held.side is Side.BUY else price >= held.stop
                if passed:
                    await self.fire(held, price)
            await asyncio.sleep(WATCH_INTERVAL_S)

    async def fire(self, held: HeldStop, price: Decimal) -> Order | None:
        """The price reached the stop: cancel the bracket's list on the venue, then close
        what the entry filled at market."""
        service = self._service
        self.held.pop(held.list_id, None)
        try:
            await cancel_list(service, held.list_id)
        except OrderServiceError as exc:
            log.info("bracket %s: cancel before the stop: %s", held.list_id, exc)
        entry = service.tracker.cached(held.entry.client_order_id) or held.entry
        amount = max(entry.filled, held.amount)
        e = held.entry
        close = OrderRequest(
            venue=e.venue,
            symbol=e.symbol,
            side=held.side.opposite,
            type=OrderType.MARKET,
            amount=amount,
            price=None,
            account=e.account,
            mode=e.mode,
            market=e.market,
            list_id=held.list_id,
            leg_role=LegRole.STOP,
            held_by=HeldBy.TERMINAL,
        )
        try:
            order = await service.submit(close)
        except OrderServiceError as exc:
            service.tracker.notice(
                "error",
                f"Bracket {held.list_id}: the price {format_decimal(price)} reached the stop "
                f"{format_decimal(held.stop)} but closing {format_decimal(amount)} was NOT "
                f"sent: {exc}",
            )
            return None
        service.tracker.notice(
            "warning",
            f"Bracket {held.list_id}: the price {format_decimal(price)} reached the stop "
            f"{format_decimal(held.stop)} before the entry had fully filled; the bracket was "
            f"cancelled and {format_decimal(amount)} closed at market ({order.status.value})",
        )
        return order
