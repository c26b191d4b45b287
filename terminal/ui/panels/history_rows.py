"""The rows of the history panel's two tables, with every number at the venue's precision.

Prices (limit, average, a fill's price and value) are shown to the market's tick,
amounts (ordered, filled, a fill's amount) to its step, fees to their currency's
precision (see `precision`). The CSV export writes the exact values instead.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from terminal.domain.order import Order, OrderStatus
from terminal.ui.session_style import qcolor_of, session_of, short_label

from ._style import BUY_Q, MUTED_Q, SELL_Q, time_text
from ._table import Row
from .history_csv import FillLike, fill_time
from .open_orders import STATUS_TEXT
from .precision import DisplayPrecision, amount_text, currency_text, fee_places, price_text

ORDER_HEADERS = (
    "Created",
    "Session",
    "Symbol",
    "Side",
    "Type",
    "Price",
    "Amount",
    "Filled",
    "Avg price",
    "Status",
    "Fees",
    "Client id",
    "Venue id",
    "Reason",
)
FILL_HEADERS = (
    "Time",
    "Session",
    "Symbol",
    "Side",
    "Price",
    "Amount",
    "Value",
    "Fee",
    "Liq.",
    "Trade id",
    "Client id",
)


def order_row(o: Order, precision: DisplayPrecision) -> Row:
    venue, symbol = str(o.venue), str(o.symbol)
    rules = precision.rules(venue, symbol)
    fees = ", ".join(
        f"{currency_text(fee_places(precision, venue, c, rules), v)} {c}"
        for c, v in sorted(o.fees.items())
    )
    cells = (
        time_text(o.created_at),
        short_label(session_of(o)),
        o.symbol,
        o.side.value.upper(),
        o.type.value.upper() + (" PO" if o.post_only else ""),
        price_text(rules, o.price, "market"),
        amount_text(rules, o.amount),
        amount_text(rules, o.filled),
        price_text(rules, o.average_price),
        STATUS_TEXT[o.status],
        fees,
        o.client_order_id,
        o.venue_order_id or "",
        o.reason,
    )
    fg: list[QColor | None] = [None] * len(ORDER_HEADERS)
    fg[1] = qcolor_of(session_of(o))
    fg[3] = BUY_Q if o.side.value == "buy" else SELL_Q
    if o.status in (OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED):
        fg[9] = MUTED_Q
    return Row(o.client_order_id, cells, tuple(fg), None, (), o.reason or None)


def fill_row(x: FillLike, precision: DisplayPrecision) -> Row:
    side = (x.side or "").upper()
    rules = precision.rules(str(x.venue), str(x.symbol))
    fee = ""
    if x.fee_currency:
        places = fee_places(precision, str(x.venue), x.fee_currency, rules)
        fee = f"{currency_text(places, x.fee)} {x.fee_currency}"
    else:
        fee = currency_text(None, x.fee)
    cells = (
        time_text(fill_time(x)),
        short_label(session_of(x)),
        x.symbol,
        side or "—",
        price_text(rules, x.price),
        amount_text(rules, x.amount),
        price_text(rules, x.price * x.amount),
        fee,
        {True: "maker", False: "taker"}.get(x.is_maker, "—") if x.is_maker is not None else "—",
        x.trade_id,
        x.client_order_id or "",
    )
    fg: list[QColor | None] = [None] * len(FILL_HEADERS)
    fg[1] = qcolor_of(session_of(x))
    fg[3] = BUY_Q if side == "BUY" else SELL_Q if side == "SELL" else None
    return Row((x.venue, x.trade_id), cells, tuple(fg))
