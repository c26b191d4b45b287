"""Order lists held by this terminal: the survivor of a pair is cancelled the moment
one leg starts to execute (a fill, or a stop's trigger) or ends without a fill.

Only while the terminal runs: the venue knows two independent orders. After a restart
`restore` re-reads the open terminal-held lists from the journal once reconciliation
has brought their legs up to date, and acts at once on anything that happened while
the terminal was down.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from terminal.domain.enums import HeldBy, LegRole
from terminal.domain.ids import ClientOrderId
from terminal.domain.order import Order
from terminal.domain.orderlist import ListKind, ListStatus, OrderList
from terminal.domain.session import SessionKey

if TYPE_CHECKING:
    from terminal.core.orders.deps import OrderCore

log = logging.getLogger(__name__)
PAIR_ROLES = (LegRole.STOP, LegRole.TARGET)


def decides_the_pair(leg: Order) -> bool:
    """This leg executing (or ending) means its partner must go."""
    return leg.filled > 0 or leg.triggered or leg.is_final


class TerminalLinks:
    def __init__(self, service: OrderCore) -> None:
        self._service = service
        self._pairs: dict[str, set[ClientOrderId]] = {}
        self._lists: dict[str, OrderList] = {}
        service.order_changed.add(self._on_order)

    def watch(self, order_list: OrderList, legs: list[Order]) -> None:
        pair = {leg.client_order_id for leg in legs if leg.leg_role in PAIR_ROLES}
        self._pairs[order_list.list_id] = pair
        self._lists[order_list.list_id] = order_list

    def forget(self, list_id: str) -> None:
        self._pairs.pop(list_id, None)
        self._lists.pop(list_id, None)

    def watched(self) -> list[str]:
        return list(self._pairs)

    def _on_order(self, order: Order) -> None:
        list_id = order.list_id
        if (
            list_id is None
            or list_id not in self._pairs
            or order.held_by is not HeldBy.TERMINAL
            or order.leg_role not in PAIR_ROLES
            or not decides_the_pair(order)
        ):
            return
        if order.status.value == "pending_submit":
            return
        survivors = [c for c in self._pairs.pop(list_id) if c != order.client_order_id]
        order_list = self._lists.pop(list_id)
        why = (
            "filled" if order.filled > 0 else "triggered" if order.triggered else order.status.value
        )
        self._service.tracker.notice(
            "info",
            f"{order_list.kind.value.upper()} {list_id}: "
            f"{order.leg_role.value} {order.client_order_id} {why}; "
            "cancelling the other order (held by this terminal)",
        )
        self._service.spawn(self._cancel(order_list, survivors), f"oco-cancel-{list_id}")

    async def _cancel(self, order_list: OrderList, survivors: list[ClientOrderId]) -> None:
        service = self._service
        for coid in survivors:
            leg = service.tracker.cached(coid)
            if leg is not None and leg.is_final:
                continue
            try:
                await service.cancel(coid)
            except Exception as exc:
                log.warning("cancelling %s of list %s failed: %s", coid, order_list.list_id, exc)
                service.tracker.notice(
                    "error",
                    f"{order_list.label}: cancelling {coid} failed ({exc}); cancel it by hand",
                )
        legs = await service.journal.list_legs(order_list.list_id)
        if all(leg.is_final for leg in legs if leg.leg_role in PAIR_ROLES):
            order_list.status = ListStatus.DONE
            await service.journal.save_list(order_list)

    async def restore(self, key: SessionKey) -> int:
        """Watch again the session's open terminal-held pairs; act on those decided while
        the terminal was down. Returns how many pairs were restored."""
        service = self._service
        restored = 0
        for order_list in await service.journal.order_lists(key.venue, open_only=True):
            if order_list.held_by is not HeldBy.TERMINAL or order_list.list_id in self._pairs:
                continue
            if order_list.account != key.account:
                continue
            if order_list.kind is ListKind.BRACKET and not order_list.details.get("legs_placed"):
                continue  # the bracket keeper places its legs first (bracket.py)
            legs = [
                service.tracker.track(o)
                for o in await service.journal.list_legs(order_list.list_id)
            ]
            pair = [leg for leg in legs if leg.leg_role in PAIR_ROLES and leg.session == key]
            if not pair:
                continue
            self.watch(order_list, pair)
            restored += 1
            for leg in pair:
                if decides_the_pair(leg):
                    self._on_order(leg)
                    break
        return restored
