"""Brackets held by this terminal: an entry with a stop and a target placed as it fills.

The entry (market or limit) is journaled and sent like any order, its bracket row first.
The keeper watches it: whenever its filled amount grows beyond what the protective
pair covers, the pair is (re)placed for the whole filled amount, an OCO (native where
the venue has order lists, else terminal-held; `lists.place_oco`); a previous smaller
pair is cancelled first. An entry cancelled or expired before any fill ends the bracket
with no legs. Only while the terminal runs: after a restart `restore` (run when
reconciliation succeeds) catches up on fills that happened meanwhile, unless the price
is already past the stop: then nothing is placed and the choice is the user's
(`passed_stop` carries the case; `decide_passed` carries out what was chosen: close the
filled amount at market now, keep the bracket waiting, or cancel it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.core.callbacks import Callbacks
from terminal.core.orders.errors import OrderServiceError
from terminal.core.orders.lists import cancel_list, place_oco, price_refusals
from terminal.core.ports import Refusal
from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.ids import ClientOrderId
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import Order, OrderRequest
from terminal.domain.orderlist import (
    ListKind,
    ListStatus,
    OrderList,
    ProtectionRequest,
    new_list_id,
)
from terminal.domain.session import SessionKey

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BracketRequest:
    entry: OrderRequest  # market or limit
    stop_trigger: Decimal
    target: Decimal
    stop_limit: Decimal | None = None
    native: bool = False  # held by the venue as one OTOCO list (see native_bracket)

    def protection(self, amount: Decimal) -> ProtectionRequest:
        e = self.entry
        return ProtectionRequest(
            venue=e.venue,
            symbol=e.symbol,
            side=e.side.opposite,
            amount=amount,
            stop_trigger=self.stop_trigger,
            target=self.target,
            stop_limit=self.stop_limit,
            account=e.account,
            mode=e.mode,
            market=e.market,
        )


def _request_of(order_list: OrderList, entry: Order) -> BracketRequest:
    d = order_list.details
    return BracketRequest(
        entry=OrderRequest(
            venue=entry.venue,
            symbol=entry.symbol,
            side=entry.side,
            type=entry.type,
            amount=entry.amount,
            price=entry.price,
            account=entry.account,
            mode=entry.mode,
            market=entry.market,
        ),
        stop_trigger=Decimal(d["stop_trigger"]),
        target=Decimal(d["target"]),
        stop_limit=None if d.get("stop_limit") is None else Decimal(d["stop_limit"]),
    )


@dataclass(frozen=True)
class PassedStop:
    """A bracket whose entry filled while the terminal was away and whose stop the price
    has already passed: nothing was placed; the user chooses what happens."""

    list_id: str
    session: SessionKey
    symbol: str
    side: Side  # the side that closes the position (the stop's side)
    amount: Decimal  # filled and not covered by a stop
    stop: Decimal
    price: Decimal  # the last price when it was found


SEND_NOW, KEEP_WAITING, CANCEL_IT = "send", "keep", "cancel"


def stop_passed(side: Side, stop: Decimal, price: Decimal | None) -> bool:
    """The price is already beyond the stop of a position opened on `side`."""
    if price is None:
        return False
    return price <= stop if side is Side.BUY else price >= stop


class BracketKeeper:
    def __init__(self, service: OrderCore) -> None:
        self._service = service
        self._brackets: dict[str, OrderList] = {}
        self._entry_of: dict[ClientOrderId, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pair_entry: dict[str, Decimal] = {}  # pair list id -> its entry's price
        self.passed: dict[str, PassedStop] = {}  # waiting for the user's choice
        self.passed_stop: Callbacks[PassedStop] = Callbacks("passed-stop")
        service.order_changed.add(self._on_order)
        from terminal.core.orders.partial_guard import PartialFillGuard

        # a venue-held bracket's partly filled entry: a stop held here for what filled
        self.partial = PartialFillGuard(service, self._venue_last)

    def watched(self) -> list[str]:
        return list(self._brackets)

    def open_brackets(self) -> list[OrderList]:
        """The brackets being watched (their entry not final yet), for display."""
        return list(self._brackets.values())

    def pair_entry_prices(self) -> dict[str, Decimal]:
        """Pair list id -> the average price of the entry it protects (for P&L labels),
        for the brackets placed or restored in this run."""
        return dict(self._pair_entry)

    def forget(self, list_id: str) -> None:
        self.partial.forget(list_id)
        order_list = self._brackets.pop(list_id, None)
        if order_list is not None:
            self._entry_of.pop(ClientOrderId(order_list.details["entry"]), None)

    def _watch(self, order_list: OrderList) -> None:
        self._brackets[order_list.list_id] = order_list
        self._entry_of[ClientOrderId(order_list.details["entry"])] = order_list.list_id

    def _on_order(self, order: Order) -> None:
        list_id = self._entry_of.get(order.client_order_id)
        if list_id is None:
            return
        self._service.spawn(self.sync(list_id), f"bracket-{list_id}")

    async def place(
        self, req: BracketRequest, *, confirmed: frozenset[str] = frozenset()
    ) -> tuple[OrderList, Order]:
        service = self._service
        if req.native:
            from terminal.core.orders.native_bracket import place_native_bracket

            return await place_native_bracket(service, req, confirmed=confirmed)
        session = service.require_session(req.entry.session)
        caps = session.capabilities(req.entry.symbol)
        protection = req.protection(req.entry.amount)
        if not caps.supports(protection.stop_type):
            from terminal.core.orders.errors import SubmitRefused

            raise SubmitRefused(
                [
                    Refusal(
                        "order_type",
                        caps.why_not(protection.stop_type.value) or "stop orders are not offered",
                    )
                ]
            )
        reference = (
            req.entry.price
            if req.entry.price is not None
            else service.context_for(req.entry, confirmed).reference_price
        )
        refusals = price_refusals(protection, reference)
        if refusals:
            from terminal.core.orders.errors import SubmitRefused

            raise SubmitRefused(refusals)
        list_id = new_list_id()
        entry_id = ClientOrderId.generate()
        order_list = OrderList(
            list_id=list_id,
            venue=req.entry.venue,
            account=req.entry.account,
            mode=req.entry.mode,
            market=req.entry.market,
            symbol=req.entry.symbol,
            kind=ListKind.BRACKET,
            held_by=HeldBy.TERMINAL,
            details={
                "entry": str(entry_id),
                "side": req.entry.side.value,
                "amount": str(req.entry.amount),
                "stop_trigger": str(req.stop_trigger),
                "target": str(req.target),
                "stop_limit": None if req.stop_limit is None else str(req.stop_limit),
                "covered": "0",
                "pairs": [],
                "confirmed": sorted(confirmed),
            },
        )
        entry_req = replace(
            req.entry, list_id=list_id, leg_role=LegRole.ENTRY, held_by=HeldBy.TERMINAL
        )
        # the gate speaks on the entry before the bracket is journaled
        refused = service.check(entry_req, confirmed)
        if refused:
            from terminal.core.orders.errors import SubmitRefused

            raise SubmitRefused(refused)
        await service.journal.save_list(order_list)
        self._watch(order_list)
        try:
            entry = await service.submit(entry_req, confirmed=confirmed, client_order_id=entry_id)
        except BaseException:
            self.forget(list_id)
            order_list.status = ListStatus.DONE
            await service.journal.save_list(order_list)
            raise
        await self.sync(list_id)
        return order_list, (service.tracker.cached(entry_id) or entry).copy()

    async def sync(self, list_id: str) -> None:
        """Bring the protective pair in line with what the entry has filled."""
        async with self._locks.setdefault(list_id, asyncio.Lock()):
            order_list = self._brackets.get(list_id)
            if order_list is None:
                return
            service = self._service
            entry = service.tracker.cached(ClientOrderId(order_list.details["entry"]))
            if entry is None:
                return
            covered = Decimal(order_list.details["covered"])
            if entry.filled > covered:
                await self._protect(order_list, entry)
            if entry.is_final:
                if entry.filled == ZERO:
                    service.tracker.notice(
                        "info",
                        f"Bracket {list_id}: entry "
                        f"{entry.status.value} before any fill; no stop "
                        "or target placed",
                    )
                # the bracket's part is done; its pair lives on as an OCO list of its own
                order_list.status = ListStatus.DONE
                self.forget(list_id)
                await service.journal.save_list(order_list)

    async def _protect(self, order_list: OrderList, entry: Order) -> None:
        service = self._service
        pairs: list[str] = order_list.details["pairs"]
        if pairs:  # grow: the smaller pair goes, a pair for the whole filled amount comes
            await cancel_list(service, pairs[-1])
        req = _request_of(order_list, entry)
        try:
            pair, _legs = await place_oco(
                service,
                req.protection(entry.filled),
                details={"bracket": order_list.list_id},
                confirmed=frozenset(order_list.details.get("confirmed", ())),
            )
        except OrderServiceError as exc:
            service.tracker.notice(
                "error",
                f"Bracket {order_list.list_id}: stop and target "
                f"for {format_decimal(entry.filled)} NOT placed: {exc}",
            )
            return
        pairs.append(pair.list_id)
        if entry.average_price is not None:
            self._pair_entry[pair.list_id] = entry.average_price
        order_list.details["covered"] = str(entry.filled)
        await service.journal.save_list(order_list)
        service.tracker.notice(
            "info",
            f"Bracket {order_list.list_id}: stop and target placed "
            f"for {format_decimal(entry.filled)} ({pair.label})",
        )

    async def _venue_last(self, key: SessionKey, order_list: OrderList) -> Decimal | None:
        """The last trade price of the bracket's market on session `key` (None: unknown)."""
        session = self._service.session(key)
        fetch = getattr(session, "fetch_ticker_raw", None)
        if fetch is None:
            return None
        try:
            raw = await fetch(str(order_list.symbol))
        except Exception as exc:  # a failed read only means: not known
            log.info("bracket %s: no last price: %s", order_list.list_id, exc)
            return None
        info = raw.get("info") if isinstance(raw, dict) else None
        text = info.get("lastPrice") if isinstance(info, dict) else None
        if text is None and isinstance(raw, dict) and raw.get("last") is not None:
            text = repr(raw["last"])
        try:
            price = Decimal(str(text)) if text is not None else None
        except ArithmeticError:
            return None
        return price if price is not None and price.is_finite() and price > 0 else None

    async def restore(self, key: SessionKey) -> int:
        """Watch the session's open brackets again after a restart and place what fills
        while the terminal was down call for. Returns how many were restored."""
        service = self._service
        restored = 0
        for order_list in await service.journal.order_lists(key.venue, open_only=True):
            if order_list.kind is not ListKind.BRACKET or order_list.list_id in self._brackets:
                continue
            if order_list.held_by is HeldBy.VENUE:
                continue  # the venue places its legs itself (native_bracket)
            if order_list.account != key.account:
                continue
            legs = await service.journal.list_legs(order_list.list_id)
            entry = next((o for o in legs if o.leg_role is LegRole.ENTRY), None)
            if entry is None or entry.session != key:
                continue
            entry = service.tracker.track(entry)
            covered = Decimal(order_list.details["covered"])
            if entry.filled > covered:
                price = service.context_for(_request_of(order_list, entry).entry).reference_price
                if price is None:  # just started: no market data yet, ask the venue
                    price = await self._venue_last(key, order_list)
                stop = Decimal(order_list.details["stop_trigger"])
                if price is None:
                    service.tracker.notice(
                        "warning",
                        f"Bracket {order_list.list_id}: the entry filled "
                        f"{format_decimal(entry.filled)} while the terminal was closed and "
                        f"{order_list.venue} gave no price to check against the stop "
                        f"{format_decimal(stop)}: stop and target NOT placed; decide by hand",
                    )
                    continue
                if stop_passed(entry.side, stop, price):
                    service.tracker.notice(
                        "warning",
                        (
                            f"Bracket {order_list.list_id}: the entry filled "
                            f"{format_decimal(entry.filled)} while the terminal was closed and the "
                            f"price {format_decimal(price)} is already past the stop "
                            f"{format_decimal(stop)}: stop and target NOT placed; "
                            "nothing is sent until you choose"
                        ),
                    )
                    found = PassedStop(
                        order_list.list_id,
                        key,
                        str(order_list.symbol),
                        entry.side.opposite,
                        entry.filled - covered,
                        stop,
                        price,
                    )
                    self.passed[found.list_id] = found
                    self.passed_stop.emit(found)
                    continue
            self._watch(order_list)
            restored += 1
            await self.sync(order_list.list_id)
        return restored

    async def decide_passed(self, list_id: str, choice: str) -> Order | None:
        """Carry out the user's choice for a bracket whose stop the price passed while
        the terminal was away. SEND_NOW: the entry's rest (if any) and the bracket are
        cancelled, then the uncovered amount is closed with a market order (this
        bracket's stop, held by this terminal), returned. KEEP_WAITING: nothing is sent;
        the bracket stays open and the choice comes back at the next start. CANCEL_IT:
        the bracket is cancelled (its entry's rest too); no stop or target is placed."""
        found = self.passed.pop(list_id, None)
        if found is None:
            raise ValueError(f"bracket {list_id} is not waiting for a choice")
        service = self._service
        what = f"{format_decimal(found.amount)} {found.symbol}"
        if choice == KEEP_WAITING:
            service.tracker.notice(
                "warning",
                f"Bracket {list_id}: kept waiting; nothing sent, {what} has no stop "
                "(asked again at the next start)",
            )
            return None
        if choice not in (SEND_NOW, CANCEL_IT):
            self.passed[list_id] = found
            raise ValueError(f"unknown choice {choice!r}")
        await cancel_list(service, list_id)
        lists = await service.journal.order_lists(list_id=list_id)
        order_list = lists[0] if lists else None
        if order_list is not None:
            order_list.status = ListStatus.DONE
            await service.journal.save_list(order_list)
        if choice == CANCEL_IT:
            service.tracker.notice(
                "warning", f"Bracket {list_id}: cancelled; no stop placed for {what}"
            )
            return None
        key = found.session
        close = OrderRequest(
            venue=key.venue,
            symbol=order_list.symbol if order_list is not None else found.symbol,  # type: ignore[arg-type]
            side=found.side,
            type=OrderType.MARKET,
            amount=found.amount,
            price=None,
            account=key.account,
            mode=key.mode,
            market=key.market,
            list_id=list_id,
            leg_role=LegRole.STOP,
            held_by=HeldBy.TERMINAL,
        )
        confirmed = (
            frozenset(order_list.details.get("confirmed", ())) if order_list else frozenset()
        )
        order = await service.submit(close, confirmed=confirmed)
        service.tracker.notice(
            "info", f"Bracket {list_id}: stop sent at market for {what} ({order.status.value})"
        )
        return order
