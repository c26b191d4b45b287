"""How the open-orders table writes an order (and an order list's group row) as a row.

Each row is formatted once when its order changes and cached (only the age is written
every time): a 1,000-order table would otherwise format 11,000 cells per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtGui import QColor

from terminal.domain.enums import HeldBy
from terminal.domain.market import MarketRules
from terminal.domain.order import Order, OrderStatus
from terminal.ui.session_style import qcolor_of, session_of, short_label

from ._style import (
    AMBER_Q,
    BUY_Q,
    MUTED_Q,
    SELL_Q,
    STALE_BG_Q,
    UNKNOWN_BG_Q,
    age_text,
    dec_text,
)
from ._table import Row
from .order_groups import Group

COLUMNS = (
    "Age",
    "Session",
    "Symbol",
    "Side",
    "Type",
    "Price",
    "Amount",
    "Filled",
    "Status",
    "Client id",
    "Venue id",
)
C_AGE, C_SESSION, C_SYMBOL, C_SIDE, C_TYPE, C_PRICE, C_AMOUNT, C_FILLED, C_STATUS = range(9)
RIGHT_COLS = (C_AGE, C_PRICE, C_AMOUNT, C_FILLED)
CANCELLABLE = frozenset(
    {OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_TRIGGER}
)
STATUS_TEXT = {
    OrderStatus.PENDING_SUBMIT: "PENDING",
    OrderStatus.PENDING_TRIGGER: "WAITING TRIGGER",
    OrderStatus.OPEN: "OPEN",
    OrderStatus.PARTIALLY_FILLED: "PARTIAL",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.PENDING_CANCEL: "CANCELING",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.UNKNOWN: "UNKNOWN",
}
UNKNOWN_TIP = (
    "Outcome unknown: the venue did not answer clearly. The terminal is checking "
    "with the venue by client order id and will not send it again."
)

RulesFor = Callable[[Order], "MarketRules | None"]


def _type_text(order: Order) -> str:
    text = order.type.label.upper()
    if order.type.is_conditional:
        if order.trailing_percent is not None:
            text += f" trail {dec_text(order.trailing_percent)}%"
        if order.trigger_price is not None:
            text += f" trig {dec_text(order.trigger_price)}"
    if order.held_by is HeldBy.TERMINAL:
        text += "*"  # held by this terminal, only while it runs (the row's tooltip)
    if order.post_only:
        text += " PO"
    elif order.type.value == "limit" and order.time_in_force.value != "GTC":
        text += f" {order.time_in_force.value}"
    return text


class OrderRows:
    """Formats rows, caching each order's cells until its state changes."""

    def __init__(self, stale_after_s: float) -> None:
        self.stale_after_s = stale_after_s
        self._cache: dict[str, tuple[tuple, tuple]] = {}  # coid -> (signature, row parts)
        self._rules_for: RulesFor | None = None

    def set_rules_for(self, rules_for: RulesFor | None) -> None:
        self._rules_for = rules_for
        self._cache.clear()  # rows are written with the markets' precision from now on

    def prune(self, keep: set) -> None:
        if len(self._cache) > 2 * len(keep) + 64:
            self._cache = {k: v for k, v in self._cache.items() if k in keep}

    def group_row(self, group: Group, legs: list[Order], now: datetime) -> Row:
        newest = max(o.created_at for o in legs)
        live = sum(1 for o in legs if o.status.is_open)
        sides = {o.side.value.upper() for o in legs}
        cells = (
            age_text((now - newest).total_seconds()),
            short_label(session_of(legs[0])),
            str(legs[0].symbol),
            "/".join(sorted(sides)),
            group.cell,
            "",
            "",
            "",
            f"{live} open" if live else "done",
            group.list_id,
            "",
        )
        tip = f"{group.label}: cancelling this row cancels every open order of the group"
        fg: list[QColor | None] = [None] * len(COLUMNS)
        fg[C_SESSION] = qcolor_of(session_of(legs[0]))
        return Row(group.key, cells, tuple(fg), row_tip=tip, bold=True)

    def row(self, o: Order, now: datetime) -> Row:
        """Only the age is formatted every time; the rest of a row is cached until the
        order's state changes (a 1,000-order table would otherwise format 11,000 cells
        per frame)."""
        age = (now - o.created_at).total_seconds()
        stale = o.status.is_open and age > self.stale_after_s
        sig = (
            o.status,
            o.filled,
            o.venue_order_id,
            o.reason,
            o.price,
            o.amount,
            stale,
            o.trigger_price,
        )
        hit = self._cache.get(o.client_order_id)
        if hit is None or hit[0] != sig:
            hit = (sig, self._parts(o, stale))
            self._cache[o.client_order_id] = hit
        rest, fg, bg, row_tip = hit[1]
        tips: tuple[str | None, ...] = ()
        if stale:
            tips = (f"Stale: open for {age_text(age)}, longer than {age_text(self.stale_after_s)}",)
        return Row(o.client_order_id, (age_text(age), *rest), fg, bg, tips, row_tip)

    def _parts(
        self, o: Order, stale: bool
    ) -> tuple[tuple[str, ...], tuple[QColor | None, ...], QColor | None, str | None]:
        # the venue's precision decides the digits once its market is known
        rules = self._rules_for(o) if self._rules_for is not None else None
        price = dec_text if rules is None else rules.format_price
        amount = dec_text if rules is None else rules.format_amount
        session = session_of(o)
        rest = (
            short_label(session),
            str(o.symbol),
            o.side.value.upper(),
            _type_text(o),
            price(o.price) if o.price is not None else "market",
            amount(o.amount),
            amount(o.filled),
            STATUS_TEXT[o.status],
            str(o.client_order_id),
            str(o.venue_order_id or ""),
        )
        fg: list[QColor | None] = [None] * len(COLUMNS)
        fg[C_SIDE] = BUY_Q if o.side.value == "buy" else SELL_Q
        fg[C_SESSION] = qcolor_of(session)
        bg = None
        row_tip = None
        if o.status is OrderStatus.UNKNOWN:
            bg = UNKNOWN_BG_Q
            fg[C_STATUS] = AMBER_Q
            row_tip = UNKNOWN_TIP + (f"\nLast reason: {o.reason}" if o.reason else "")
        elif o.status.is_final:
            fg = [MUTED_Q] * len(COLUMNS)
            fg[C_SESSION] = qcolor_of(session)  # whose order it was stays readable
            if o.reason:
                row_tip = f"{STATUS_TEXT[o.status]}: {o.reason}"
        elif o.status in (OrderStatus.PENDING_SUBMIT, OrderStatus.PENDING_CANCEL):
            fg[C_STATUS] = MUTED_Q
        if row_tip is None and o.held_by is HeldBy.TERMINAL:
            row_tip = "* held by this terminal: only while it runs"
        if stale:
            bg = bg or STALE_BG_Q
            fg[C_AGE] = AMBER_Q
        return rest, tuple(fg), bg, row_tip
