"""The order-book ladder as text rows, computed once per data change (no Qt here).

Why a separate step: formatting Decimals is the expensive part of a ladder repaint
(formatting inside a table model's data() costs 18 ms a frame). Here it
happens once per new book version; painting then only draws cached strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookLevel, BookView
from terminal.domain.money import ZERO, format_decimal

GROUPING_MULTIPLES: tuple[int, ...] = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
DEPTH_CHOICES: tuple[int, ...] = (5, 10, 20, 40, 100)
DEFAULT_DEPTH = 20


@dataclass(frozen=True, slots=True)
class LadderRow:
    side: Side
    price: Decimal
    price_text: str  # what a click emits: exact, on the tick grid
    size_text: str
    cum_text: str
    size_frac: float  # amount / largest amount shown (display only)
    cum_frac: float  # cumulative / largest cumulative shown, both sides on one scale


@dataclass(frozen=True, slots=True)
class Ladder:
    asks: tuple[LadderRow, ...]  # best (lowest) first
    bids: tuple[LadderRow, ...]  # best (highest) first
    spread_text: str
    mid_text: str
    crossed: bool
    step: Decimal | None

    @property
    def is_empty(self) -> bool:
        return not self.asks and not self.bids


EMPTY_LADDER = Ladder((), (), "", "", False, None)


def places_of(step: Decimal) -> int:
    """Decimal places a multiple of `step` needs (0.010 -> 2, 10 -> 0)."""
    exp = step.normalize().as_tuple().exponent
    return max(0, -int(exp))


def grouping_steps(tick: Decimal | None) -> list[Decimal]:
    """The grouping choices offered for a market: multiples of its tick."""
    if tick is None or tick <= ZERO:
        return []
    return [(tick * m).normalize() for m in GROUPING_MULTIPLES]


def format_step(step: Decimal) -> str:
    return format_decimal(step, places_of(step))


def build_ladder(
    view: BookView | None,
    depth: int = DEFAULT_DEPTH,
    step: Decimal | None = None,
    rules: MarketRules | None = None,
) -> Ladder:
    """Rows of `view`, grouped by `step` (None = raw levels), `depth` rows per side."""
    if view is None or (not view.bids and not view.asks):
        return EMPTY_LADDER
    tick = rules.tick_size if rules is not None else None
    grouped = view
    if step is not None and step > ZERO and (tick is None or step != tick):
        grouped = view.grouped(step)
    bids = grouped.bids[:depth]
    asks = grouped.asks[:depth]

    if step is not None and step > ZERO:
        price_places: int | None = places_of(step)
    else:
        price_places = rules.price_places() if rules is not None else None
    amount_places = rules.amount_places() if rules is not None else None

    bid_cum = _running(bids)
    ask_cum = _running(asks)
    max_amount = max((lvl.amount for lvl in (*bids, *asks)), default=ZERO)
    max_cum = max(bid_cum[-1] if bid_cum else ZERO, ask_cum[-1] if ask_cum else ZERO)
    fmax_amount = float(max_amount) or 1.0
    fmax_cum = float(max_cum) or 1.0

    def rows(
        levels: tuple[BookLevel, ...], cums: list[Decimal], side: Side
    ) -> tuple[LadderRow, ...]:
        return tuple(
            LadderRow(
                side=side,
                price=lvl.price,
                price_text=_fmt(lvl.price, price_places),
                size_text=_fmt(lvl.amount, amount_places),
                cum_text=_fmt(cum, amount_places),
                size_frac=float(lvl.amount) / fmax_amount,
                cum_frac=float(cum) / fmax_cum,
            )
            for lvl, cum in zip(levels, cums, strict=False)
        )

    spread_text, mid_text, crossed = _spread_and_mid(view, rules)
    return Ladder(
        rows(asks, ask_cum, Side.SELL),
        rows(bids, bid_cum, Side.BUY),
        spread_text,
        mid_text,
        crossed,
        step,
    )


def _running(levels: tuple[BookLevel, ...]) -> list[Decimal]:
    total = ZERO
    out = []
    for lvl in levels:
        total += lvl.amount
        out.append(total)
    return out


def _fmt(value: Decimal, places: int | None) -> str:
    if places is None:
        return format_decimal(value.normalize()) if value != ZERO else "0"
    return format_decimal(value, places)


def _spread_and_mid(view: BookView, rules: MarketRules | None) -> tuple[str, str, bool]:
    """Spread (absolute and % of mid) and mid from the raw (ungrouped) best levels."""
    spread, mid = view.spread, view.mid
    if spread is None or mid is None:
        return "", "", False
    places = rules.price_places() if rules is not None else None
    spread_text = _fmt(spread, places)
    if mid > ZERO:
        spread_text += f" ({format_decimal(spread * 100 / mid, 4)}%)"
    tick = rules.tick_size if rules is not None else None
    mid_places = places
    if places is not None and tick is not None and mid % tick != ZERO:
        mid_places = places + 1  # the mid between two ticks needs one more place
    return spread_text, _fmt(mid, mid_places), spread <= ZERO
