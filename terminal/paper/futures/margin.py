"""Per-position and per-account margin figures from Binance's formulas (see ``risk``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from .accounts import FuturesAccount, Position
from .contracts import Bracket, Contract
from .forders import FOrder
from .risk import ZERO, Leg, initial_margin, liquidation_price, maint_margin, upnl


class MarginVenue(Protocol):
    """What the margin arithmetic reads from the venue: contracts, marks and the
    working orders with the share of each that would close a position."""

    contracts: dict[str, Contract]

    def mark_price(self, symbol: str) -> Decimal: ...
    def open_orders(self, key: str, symbol: str | None = None) -> list[FOrder]: ...
    def reduces(self, o: FOrder) -> bool: ...
    def reducible(self, o: FOrder) -> Decimal: ...


@dataclass
class PosView:
    pos: Position
    contract: Contract
    mark: Decimal
    leverage: int
    isolated: bool
    notional: Decimal  # signed, at the mark price
    upnl: Decimal
    im: Decimal
    mm: Decimal
    bracket: Bracket

    def leg(self) -> Leg:
        return Leg(abs(self.pos.amount), self.pos.entry, self.bracket.mmr, self.bracket.cum)


class Margin:
    def __init__(self, venue: MarginVenue) -> None:
        self.venue = venue

    def view(self, a: FuturesAccount, pos: Position) -> PosView:
        c = self.venue.contracts[pos.symbol]
        cfg = a.config(pos.symbol)
        mark = self.venue.mark_price(pos.symbol)
        notional = pos.amount * mark
        b = c.bracket_for(notional)
        return PosView(
            pos,
            c,
            mark,
            cfg.leverage,
            cfg.isolated,
            notional,
            upnl(pos.amount, pos.entry, mark),
            initial_margin(pos.amount, mark, cfg.leverage),
            maint_margin(pos.amount, mark, b.mmr, b.cum),
            b,
        )

    def views(self, a: FuturesAccount) -> list[PosView]:
        return [self.view(a, p) for p in a.open_positions()]

    def liquidation_price(
        self, a: FuturesAccount, pos: Position, views: list[PosView] | None = None
    ) -> Decimal:
        views = self.views(a) if views is None else views
        mine = [v for v in views if v.pos.symbol == pos.symbol]
        if not pos.amount:
            return ZERO
        if a.config(pos.symbol).isolated:
            v = next(v for v in mine if v.pos is pos)
            legs = {pos.side: v.leg()}
            wb, tmm1, upnl1 = pos.isolated_wallet, ZERO, ZERO
        else:
            legs = {v.pos.side: v.leg() for v in mine}
            others = [v for v in views if v.pos.symbol != pos.symbol and not v.isolated]
            wb = a.cross_wallet
            tmm1 = sum((v.mm for v in others), ZERO)
            upnl1 = sum((v.upnl for v in others), ZERO)
        side1 = 1 if pos.side == "BOTH" and pos.amount > 0 else -1
        c = self.venue.contracts[pos.symbol]

        def solve(legs: dict[str, Leg]) -> Decimal:
            return liquidation_price(
                wb,
                tmm1,
                upnl1,
                side1,
                legs.get("BOTH", Leg()),
                legs.get("LONG", Leg()),
                legs.get("SHORT", Leg()),
            )

        lp = solve(legs)
        # Binance: when the position's bracket at the liquidation price differs from the
        # one at the current price, use that bracket's rate and amount and recalculate
        at_lp = {}
        for side, leg in legs.items():
            b = c.bracket_for(leg.size * lp)
            at_lp[side] = Leg(leg.size, leg.entry, b.mmr, b.cum)
        return solve(at_lp) if lp and at_lp != legs else lp

    def order_margin(self, a: FuturesAccount, exclude: FOrder | None = None) -> Decimal:
        """Initial margin held for working limit orders that would open or grow a
        position (reduce-only and hedge-mode closing orders hold none)."""
        total = ZERO
        v = self.venue
        for o in v.open_orders(a.key):
            if o is exclude or v.reduces(o) or o.type != "LIMIT":
                continue
            qty = o.remaining
            if not a.dual_side:
                qty = max(ZERO, qty - v.reducible(o))
            total += qty * o.price / a.config(o.symbol).leverage
        return total

    def cross(self, views: list[PosView]) -> tuple[Decimal, Decimal, Decimal]:
        """(unrealised PnL, initial margin, maintenance margin) of the cross positions."""
        cross = [v for v in views if not v.isolated]
        return (
            sum((v.upnl for v in cross), ZERO),
            sum((v.im for v in cross), ZERO),
            sum((v.mm for v in cross), ZERO),
        )

    def available(
        self, a: FuturesAccount, exclude: FOrder | None = None, views: list[PosView] | None = None
    ) -> Decimal:
        """Cross wallet + cross unrealised PnL - cross initial margin - order margin."""
        views = self.views(a) if views is None else views
        up, im, _ = self.cross(views)
        return a.cross_wallet + up - im - self.order_margin(a, exclude)
