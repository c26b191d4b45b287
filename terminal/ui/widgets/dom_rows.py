"""The DOM ladder's rows: fixed prices at the grouping step around a centre (no Qt here).

Unlike the book ladder (one row per level the venue sends), the DOM ladder has one row
per price step whether or not anything rests there, so a price keeps its row while the
market moves and a click lands where the user aimed. Everything a row shows (book
sizes, the user's working orders, traded volume) is formatted here once per change;
painting then only draws cached strings.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookView, Trade
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import Order
from terminal.domain.session import SessionKey

from .ladder import places_of

SEEN_LIMIT = 4096  # trade keys remembered to count each trade once
FORMAT_CACHE_LIMIT = 8192


def bucket(price: Decimal, step: Decimal, side: Side | None = None) -> Decimal:
    """The row a price falls in: bids (and trades) round down, asks round up, so a
    grouped row never shows a bid above or an ask below the price it is labelled with."""
    rounding = ROUND_CEILING if side is Side.SELL else ROUND_FLOOR
    return (price / step).to_integral_value(rounding) * step


@dataclass(frozen=True, slots=True)
class OwnOrders:
    """The user's working orders at one row, and the sessions they belong to."""

    count: int
    amount: Decimal  # remaining, summed
    sessions: tuple[SessionKey, ...]  # each painted in its session's colour
    client_order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DomRow:
    price: Decimal
    price_text: str
    bid_text: str
    ask_text: str
    orders_text: str
    volume_text: str
    bid_frac: float
    ask_frac: float
    volume_frac: float
    orders: OwnOrders | None
    is_last: bool


@dataclass(frozen=True, slots=True)
class DomLadder:
    rows: tuple[DomRow, ...]  # highest price first
    step: Decimal | None
    centre: Decimal | None

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def row_of(self, price: Decimal) -> int | None:
        for i, row in enumerate(self.rows):
            if row.price == price:
                return i
        return None


EMPTY_DOM = DomLadder((), None, None)


@dataclass
class VolumeAtPrice:
    """Traded volume per price since the ladder began following the symbol.

    Fed the tape's recent trades (oldest first) each time they change; each trade is
    counted once (remembered by id, time, price and amount).
    """

    volume: dict[Decimal, Decimal] = field(default_factory=dict)
    _seen: set[tuple] = field(default_factory=set)
    _order: deque = field(default_factory=deque)
    version: int = 0

    def clear(self) -> None:
        self.volume.clear()
        self._seen.clear()
        self._order.clear()
        self.version += 1

    def add(self, trades: Iterable[Trade]) -> int:
        added = 0
        for t in trades:
            key = (t.trade_id, t.timestamp_ms, t.price, t.amount)
            if key in self._seen:
                continue
            self._seen.add(key)
            self._order.append(key)
            if len(self._order) > SEEN_LIMIT:
                self._seen.discard(self._order.popleft())
            self.volume[t.price] = self.volume.get(t.price, ZERO) + t.amount
            added += 1
        if added:
            self.version += 1
        return added

    def grouped(self, step: Decimal) -> dict[Decimal, Decimal]:
        out: dict[Decimal, Decimal] = {}
        for price, amount in self.volume.items():
            b = bucket(price, step)
            out[b] = out.get(b, ZERO) + amount
        return out


def own_orders_by_row(
    orders: Sequence[Order], symbol: str, step: Decimal
) -> dict[Decimal, OwnOrders]:
    """Resting limit orders of `symbol` (every session), bucketed like the book."""
    acc: dict[Decimal, list[Order]] = {}
    for o in orders:
        if str(o.symbol) != symbol or o.price is None or o.is_final:
            continue
        acc.setdefault(bucket(o.price, step, o.side), []).append(o)
    out = {}
    for price, group in acc.items():
        sessions = tuple(sorted({o.session for o in group}, key=_session_order))
        out[price] = OwnOrders(
            len(group),
            sum((o.remaining for o in group), ZERO),
            sessions,
            tuple(str(o.client_order_id) for o in group),
        )
    return out


def _session_order(key: SessionKey) -> tuple[str, ...]:
    return (str(key.venue), str(key.account), key.mode.value, key.market.value)


def snap_centre(price: Decimal, step: Decimal) -> Decimal:
    return bucket(price + step / 2, step)


def build_dom(
    view: BookView | None,
    *,
    step: Decimal,
    centre: Decimal | None,
    rows: int,
    rules: MarketRules | None = None,
    own: Mapping[Decimal, OwnOrders] | None = None,
    volume: Mapping[Decimal, Decimal] | None = None,
    last: Decimal | None = None,
    texts: dict[tuple[Decimal, int | None], str] | None = None,
) -> DomLadder:
    """`rows` rows of `step`, the centre row in the middle (highest price first)."""
    if centre is None or step <= ZERO or rows <= 0:
        return DomLadder((), step, centre)
    tick = rules.tick_size if rules is not None else None
    grouped = view if view is None or step == tick else view.grouped(step)
    bids = {lvl.price: lvl.amount for lvl in grouped.bids} if grouped else {}
    asks = {lvl.price: lvl.amount for lvl in grouped.asks} if grouped else {}
    own = own or {}
    volume = volume or {}
    half = rows // 2
    prices = [centre + step * (half - i) for i in range(rows)]
    prices = [p for p in prices if p > ZERO]
    shown = set(prices)
    size_max = (
        float(max((a for p, a in (*bids.items(), *asks.items()) if p in shown), default=ZERO))
        or 1.0
    )
    vol_max = float(max((a for p, a in volume.items() if p in shown), default=ZERO)) or 1.0
    price_places = places_of(step)
    amount_places = rules.amount_places() if rules is not None else None
    last_row = bucket(last, step) if last is not None else None
    cache = texts if texts is not None else {}
    if len(cache) > FORMAT_CACHE_LIMIT:
        cache.clear()

    def fmt(value: Decimal | None, places: int | None) -> str:
        if value is None or value == ZERO:
            return ""
        key = (value, places)
        text = cache.get(key)
        if text is None:
            text = cache[key] = _fmt(value, places)
        return text

    out = []
    for price in prices:
        bid, ask, vol, mine = bids.get(price), asks.get(price), volume.get(price), own.get(price)
        out.append(
            DomRow(
                price=price,
                price_text=fmt(price, price_places),
                bid_text=fmt(bid, amount_places),
                ask_text=fmt(ask, amount_places),
                # short: the count and the amount without trailing zeros ("2× 0.03")
                orders_text=(f"{mine.count}× {_fmt(mine.amount, None)}" if mine else ""),
                volume_text=fmt(vol, amount_places),
                bid_frac=float(bid) / size_max if bid else 0.0,
                ask_frac=float(ask) / size_max if ask else 0.0,
                volume_frac=float(vol) / vol_max if vol else 0.0,
                orders=mine,
                is_last=price == last_row,
            )
        )
    return DomLadder(tuple(out), step, centre)


def _fmt(value: Decimal | None, places: int | None) -> str:
    if value is None or value == ZERO:
        return ""
    if places is None:
        return format_decimal(value.normalize())
    return format_decimal(value, places)


@dataclass(frozen=True)
class DomFeed:
    """What one frame of the ladder is made of (the provider's value)."""

    view: BookView | None
    orders: tuple[Order, ...] = ()
    volume: dict[Decimal, Decimal] = field(default_factory=dict)  # ungrouped, per price
    last: Decimal | None = None
    active_session: SessionKey | None = None
