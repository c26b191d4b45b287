"""Order lines on the chart: what they show, and dragging one to amend the order.

Dropping a line (see terminal.ui.widgets.price_lines) amends the order on the venue:
a resting limit order to the new price, a stop or take-profit still waiting to the new
trigger (a stop-limit's limit moves by the same distance), for the amount still open.
It takes the path of *Open orders > Amend…*: the same block reasons (lock, stop,
reconciling, stale book, the venue cannot amend), a confirmation unless the user
turned them off for chart amends in this run, then the order service's journal-first
cancel-replace with its checks. A refusal puts the line back where it was and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal.core.orders.errors import SubmitRefused
from terminal.domain.enums import LegRole
from terminal.domain.ids import ClientOrderId
from terminal.domain.order import Order, OrderStatus
from terminal.domain.orderlist import ListKind
from terminal.domain.session import SessionKey
from terminal.ui.panels.amend_confirm import DEFAULT_ARM_MS, AmendConfirmDialog
from terminal.ui.panels.order_groups import Group
from terminal.ui.widgets.chart_orders import PlannedLeg, drag_block_reason, line_price

log = logging.getLogger(__name__)

Say = Callable[[str, bool], None]


def chart_inputs(orders: Any, session: SessionKey | None) -> dict[str, Any]:
    """set_orders keyword arguments besides the orders: the entry price of each
    bracket's protective pair (for P&L labels) and the legs of brackets whose entry
    has not filled yet (dotted lines)."""
    entry_prices: dict[str, Decimal] = orders.brackets.pair_entry_prices()
    planned: list[PlannedLeg] = []
    for order_list in orders.brackets.open_brackets():
        if session is not None and (
            order_list.venue != session.venue or order_list.account != session.account
        ):
            continue
        if order_list.kind is not ListKind.BRACKET:
            continue
        d = order_list.details
        entry = orders.tracker.cached(d["entry"])
        if entry is None:
            continue
        entry_price = entry.average_price or entry.price
        for pair in d.get("pairs", ()):
            if entry_price is not None:
                entry_prices[pair] = entry_price
        if entry.filled == 0 and entry.status.is_open:
            closing = entry.side.opposite
            amount = entry.amount
            for role, price in (
                (LegRole.STOP, Decimal(d["stop_trigger"])),
                (LegRole.TARGET, Decimal(d["target"])),
            ):
                planned.append(
                    PlannedLeg(
                        f"{order_list.list_id}:{role.value}",
                        role,
                        closing,
                        amount,
                        price,
                        entry.price,
                    )
                )
    port = orders.session(session) if session is not None else None
    can_amend = bool(port is not None and port.has_edit_order)
    return {
        "entry_prices": entry_prices,
        "planned": planned,
        "can_amend": can_amend,
        "movable_lists": movable_pairs(orders.open_orders(session)),
    }


def movable_pairs(open_orders: list[Order]) -> frozenset[str]:
    """Lists whose stop or target a drag may move: a pair of two open legs, no entry
    working in the same list (a venue-held bracket's legs wait for its entry)."""
    legs: dict[str, list[Order]] = {}
    for o in open_orders:
        if o.list_id is not None:
            legs.setdefault(o.list_id, []).append(o)
    return frozenset(
        list_id
        for list_id, members in legs.items()
        if len(members) == 2
        and {o.leg_role for o in members} == {LegRole.STOP, LegRole.TARGET}
        and all(o.filled == 0 and not o.triggered for o in members)
    )


def bracket_groups(orders: Any) -> dict[str, Group]:
    """The open-orders table's groups of the brackets being watched: the entry's list
    and every protective pair placed for it show under the bracket (cancelling the
    bracket cancels the entry and its current pair)."""
    out: dict[str, Group] = {}
    for order_list in orders.brackets.open_brackets():
        group = Group(order_list.list_id, "BRACKET", order_list.held_by)
        out[order_list.list_id] = group
        for pair in order_list.details.get("pairs", ()):
            out[pair] = group
    return out


class ChartOrderDrag:
    def __init__(
        self,
        chart: Any,
        orders: Any,
        trading: Any,
        say: Say,
        parent: Any,
        confirm_arm_ms: int = DEFAULT_ARM_MS,
    ) -> None:
        self.chart = chart
        self.orders = orders
        self.trading = trading
        self.say = say
        self.parent = parent
        self.confirm_arm_ms = confirm_arm_ms
        self.confirm = True  # off once the user ticks "do not confirm again" (this run)
        self.confirmation: AmendConfirmDialog | None = None
        self.last_result: Order | None = None
        self.amending = False
        chart.orderLineDropped.connect(self.dropped)

    def _layer(self) -> Any:
        return self.chart.order_marks.layer

    def _refuse(self, key: str, why: str) -> None:
        self._layer().restore(key)
        self.say(f"Not amended: {why}", True)

    def dropped(self, key: str, price: Decimal) -> None:
        order = self.orders.tracker.cached(key)
        if order is None or not order.status.is_open:
            self._refuse(key, "the order is no longer open")
            return
        if order.list_id is not None:
            self._drop_leg(key, order, price)
            return
        why = drag_block_reason(order) or self.trading.amend_block_reason(order)
        if why:
            self._refuse(key, why)
            return
        old = line_price(order)
        if old is None or price == old:
            self._layer().restore(key)
            return
        amount = order.amount - order.filled
        limit: Decimal | None = price
        trigger: Decimal | None = None
        if order.type.is_conditional:
            trigger = price
            limit = order.price + (price - old) if order.price is not None else None
            if limit is not None and limit <= 0:
                self._refuse(key, "the stop's limit price would fall to zero")
                return
        text = self._describe(order, old, price, limit, amount)
        if not self.confirm:
            self._send(order, amount, limit, trigger)
            return
        if self.confirmation is not None:
            self.confirmation.reject()
        dialog = AmendConfirmDialog(text, parent=self.parent, arm_ms=self.confirm_arm_ms)
        dialog.confirmed.connect(lambda skip: self._confirmed(skip, order, amount, limit, trigger))
        dialog.rejected.connect(lambda: self._abandoned(key))
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.confirmation = dialog
        dialog.open()

    def _drop_leg(self, key: str, order: Order, price: Decimal) -> None:
        """A stop's or target's line of an OCO pair: the pair is replaced."""
        movable = movable_pairs(self.orders.open_orders(order.session))
        why = drag_block_reason(order, movable) or self.trading.entry_block_reason()
        if why:
            self._refuse(key, why)
            return
        old = line_price(order)
        if old is None or price == old:
            self._layer().restore(key)
            return
        rules = self.trading._rules_for(order)
        fp = rules.format_price if rules is not None else str
        what = "stop's trigger" if order.leg_role is LegRole.STOP else "target"
        text = (
            f"Move the {what} of pair {order.list_id}: {fp(old)} -> {fp(price)} on "
            f"{order.venue} ({order.mode.value}). The pair is replaced: both orders are "
            "cancelled, then placed anew for the same amount (unprotected for that moment)."
        )
        if not self.confirm:
            self._send_move(order, price)
            return
        if self.confirmation is not None:
            self.confirmation.reject()
        dialog = AmendConfirmDialog(text, parent=self.parent, arm_ms=self.confirm_arm_ms)
        dialog.confirmed.connect(lambda skip: self._move_confirmed(skip, order, price))
        dialog.rejected.connect(lambda: self._abandoned(key))
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.confirmation = dialog
        dialog.open()

    def _move_confirmed(self, skip: bool, order: Order, price: Decimal) -> None:
        if skip:
            self.confirm = False
        self._send_move(order, price)

    def _send_move(self, order: Order, price: Decimal) -> None:
        self.amending = True
        self.trading.tasks.spawn(self._move(order, price), "chart-move-pair")

    async def _move(self, order: Order, price: Decimal) -> None:
        from terminal.core.orders.oco_move import move_oco_leg

        key = str(order.client_order_id)
        role = order.leg_role if order.leg_role is not None else LegRole.STOP
        try:
            new_list, legs = await move_oco_leg(self.orders, str(order.list_id), role, price)
        except SubmitRefused as exc:
            self._refuse(key, "; ".join(r.message for r in exc.refusals))
            return
        except Exception as exc:  # a venue refusal, a journal failure: said, never silent
            log.info("moving a leg of %s failed: %s", order.list_id, exc)
            self._refuse(key, str(exc))
            return
        finally:
            self.amending = False
            self.trading.orders_version += 1
        self.last_result = next((o for o in legs if o.leg_role is order.leg_role), None)
        self.say(f"Pair {order.list_id} replaced by {new_list.list_id}", False)

    def _describe(
        self, order: Order, old: Decimal, new: Decimal, limit: Decimal | None, amount: Decimal
    ) -> str:
        rules = self.trading._rules_for(order)
        fp = rules.format_price if rules is not None else str
        fa = rules.format_amount if rules is not None else str
        what = "trigger" if order.type.is_conditional else "price"
        text = (
            f"Amend {order.side.value.upper()} {order.type.label} {fa(amount)} "
            f"{order.symbol.base}: {what} {fp(old)} -> {fp(new)}"
        )
        if order.type.is_conditional and limit is not None and order.price is not None:
            text += f", limit {fp(order.price)} -> {fp(limit)}"
        return text + f" on {order.venue} ({order.mode.value})"

    def _confirmed(
        self,
        skip: bool,
        order: Order,
        amount: Decimal,
        limit: Decimal | None,
        trigger: Decimal | None,
    ) -> None:
        if skip:
            self.confirm = False
        self._send(order, amount, limit, trigger)

    def _abandoned(self, key: str) -> None:
        self._layer().restore(key)
        self.say("Amend cancelled: the line is back at the order's price", False)

    def _closed(self, dialog: AmendConfirmDialog) -> None:
        if self.confirmation is dialog:
            self.confirmation = None
            dialog.deleteLater()

    def _send(
        self, order: Order, amount: Decimal, limit: Decimal | None, trigger: Decimal | None
    ) -> None:
        self.amending = True
        self.trading.tasks.spawn(self._amend(order, amount, limit, trigger), "chart-amend")

    async def _amend(
        self, order: Order, amount: Decimal, limit: Decimal | None, trigger: Decimal | None
    ) -> None:
        key = str(order.client_order_id)
        try:
            result = await self.orders.amend(ClientOrderId(key), amount, limit, trigger=trigger)
        except SubmitRefused as exc:
            self._refuse(key, "; ".join(r.message for r in exc.refusals))
            return
        except Exception as exc:  # a venue refusal, not supported: the line goes back
            log.info("chart amend of %s failed: %s", key, exc, exc_info=True)
            self._refuse(key, str(exc))
            return
        finally:
            self.amending = False
            self.trading.orders_version += 1
        self.last_result = result
        if result.status is OrderStatus.UNKNOWN:
            self.say(f"Amend of {key}: outcome unknown; checking with {order.venue}", True)
        else:
            self.say(f"Amended: {result.client_order_id} now {result.status.value}", False)
