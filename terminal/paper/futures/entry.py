"""Order entry of the futures venue: Binance's parameter, filter and position-side checks
of a new order, and the reduce-only, post-only, price-band, position-limit and margin
checks of an order about to work against the book (with the book walk they price it by).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, Decimal

from ..book import Book
from ..errors import ApiError
from .accounts import FuturesAccount, Position
from .contracts import Contract
from .forders import CONDITIONAL, FOrder
from .margin import Margin
from .risk import ZERO

PERCENT_UP, PERCENT_DOWN = Decimal("1.05"), Decimal("0.95")  # the PERCENT_PRICE filter
MARGIN_INSUFFICIENT = ApiError(-2019, "Margin is insufficient.")
REDUCE_REJECTED = ApiError(-2022, "ReduceOnly Order is rejected.")
SIDE_MISMATCH = ApiError(-4061, "Order's position side does not match user's setting.")


def _flag(p: Mapping[str, str], name: str) -> bool:
    v = (p.get(name) or "false").lower()
    if v not in ("true", "false"):
        raise ApiError(
            -1100, f"Illegal characters found in parameter '{name}'; legal range is 'true, false'."
        )
    return v == "true"


class OrderEntry:
    """The checks of a new order (mixed into `FuturesVenue`, which owns the state)."""

    contracts: dict[str, Contract]
    books: dict[str, Book]
    clock: Callable[[], int]
    taker_fee: Decimal
    margin: Margin
    account: Callable[[str], FuturesAccount]
    contract: Callable[[str | None], Contract]
    mark_price: Callable[[str], Decimal]

    def parse_order(self, key: str, p: Mapping[str, str], algo: bool) -> FOrder:
        """A checked order (not yet placed): Binance's parameter, filter and position-side
        rules."""
        a, c = self.account(key), self.contract(p.get("symbol"))
        side = (p.get("side") or "").upper()
        if side not in ("BUY", "SELL"):
            raise ApiError(-1117, "Invalid side.")
        typ = (p.get("type") or "").upper()
        if typ not in ("LIMIT", "MARKET", *CONDITIONAL):
            raise ApiError(-1116, "Invalid orderType.")
        if typ in CONDITIONAL and not algo:
            raise ApiError(
                -4120,
                "Order type not supported for this endpoint. Please use "
                "the Algo Order API endpoints instead.",
            )
        if algo and typ not in CONDITIONAL:
            raise ApiError(-1116, "Invalid orderType.")
        ps = (p.get("positionSide") or "BOTH").upper()
        if ps not in ("BOTH", "LONG", "SHORT"):
            raise ApiError(-4060, "Invalid position side.")
        if (ps == "BOTH") == a.dual_side:
            raise SIDE_MISMATCH
        reduce_only = _flag(p, "reduceOnly")
        if a.dual_side and "reduceOnly" in p:
            raise ApiError(-1106, "Parameter 'reduceonly' sent when not required.")
        close_pos = _flag(p, "closePosition")
        if close_pos and typ not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
            raise ApiError(-1106, "Parameter 'closePosition' sent when not required.")
        if close_pos and p.get("quantity"):
            raise ApiError(-4137, "Quantity must be zero with closePosition equals true")
        if close_pos and reduce_only:
            raise ApiError(-1106, "Parameter 'reduceOnly' sent when not required.")
        qty = ZERO if close_pos else c.parse_qty(p.get("quantity"))
        price = ZERO
        tif = (p.get("timeInForce") or "GTC").upper()
        if typ in ("LIMIT", "STOP", "TAKE_PROFIT"):
            price = c.parse_price(p.get("price"))
            if tif not in ("GTC", "IOC", "FOK", "GTX"):
                raise ApiError(-1115, "Invalid timeInForce.")
        elif p.get("price"):
            raise ApiError(-1106, "Parameter 'price' sent when not required.")
        now = self.clock()
        o = FOrder(
            0,
            p.get("newClientOrderId") or p.get("clientAlgoId") or "paper_" + secrets.token_hex(10),
            key,
            c.symbol,
            side,
            ps,
            "LIMIT" if typ in ("LIMIT", "STOP", "TAKE_PROFIT") else "MARKET",
            typ,
            tif,
            price,
            qty,
            now,
            reduce_only=reduce_only,
            close_position=close_pos,
            update_time=now,
        )
        wt = (p.get("workingType") or "CONTRACT_PRICE").upper()
        if wt not in ("CONTRACT_PRICE", "MARK_PRICE"):
            raise ApiError(-4031, f"Invalid parameter working type: {wt}")
        o.working_type = wt
        o.price_protect = _flag(p, "priceProtect")
        if typ == "TRAILING_STOP_MARKET":
            try:
                o.callback_rate = Decimal(p.get("callbackRate") or "")
            except ArithmeticError:
                raise ApiError(
                    -1102,
                    "Mandatory parameter 'callbackRate' was not sent, was "
                    "empty/null, or malformed.",
                ) from None
            if not Decimal("0.1") <= o.callback_rate <= 10:
                raise ApiError(-1130, "Data sent for parameter 'callbackRate' is not valid.")
            if p.get("activatePrice") or p.get("activationPrice"):
                o.activate_price = c.parse_price(
                    p.get("activatePrice") or p.get("activationPrice"), "activatePrice"
                )
        elif typ in CONDITIONAL:
            o.stop_price = c.parse_price(
                p.get("triggerPrice") or p.get("stopPrice"), "triggerPrice" if algo else "stopPrice"
            )
        if not self.reduces(o):
            ref = price or o.stop_price or self.mark_price(c.symbol)
            if qty * ref < c.min_notional:
                raise ApiError(
                    -4164,
                    f"Order's notional must be no smaller than "
                    f"{c.min_notional.normalize():f} (unless you choose "
                    "reduce only).",
                )
        return o

    def reduces(self, o: FOrder) -> bool:
        """Reduce-only, close-position, or a hedge-mode order against its position side."""
        return (
            o.reduce_only
            or o.close_position
            or (o.position_side == "LONG" and o.side == "SELL")
            or (o.position_side == "SHORT" and o.side == "BUY")
        )

    def position_of(self, o: FOrder) -> Position:
        return self.account(o.account).position(o.symbol, o.position_side)

    def reducible(self, o: FOrder) -> Decimal:
        """How much of the position this order may close (0 when it points the wrong way)."""
        pos = self.position_of(o).amount
        if (pos > 0 and not o.is_buy) or (pos < 0 and o.is_buy):
            return abs(pos)
        return ZERO

    def admit(self, o: FOrder) -> None:
        """Reduce-only, post-only, margin and position-limit checks of an order about to
        work against the book."""
        c, book = self.contracts[o.symbol], self.books[o.symbol]
        if self.reduces(o) and not o.close_position:
            have = self.reducible(o)
            # one-way reduce-only orders are cut to the position; a hedge-mode close may
            # not exceed its position side
            if not have or (o.position_side != "BOTH" and o.remaining > have):
                raise REDUCE_REJECTED
        if o.type == "LIMIT":  # PERCENT_PRICE: buys at most 5 % above the mark, sells
            mark = self.mark_price(o.symbol)  # at least 5 % below it
            if o.is_buy and o.price > mark * PERCENT_UP:
                raise ApiError(
                    -4016,
                    f"Limit price can't be higher than {(mark * PERCENT_UP).quantize(c.tick):f}.",
                )
            if not o.is_buy and o.price < mark * PERCENT_DOWN:
                raise ApiError(
                    -4024,
                    f"Limit price can't be lower than {(mark * PERCENT_DOWN).quantize(c.tick):f}.",
                )
        if (
            o.type == "LIMIT"
            and o.tif == "GTX"
            and book.crosses(o.is_buy, int(o.price.scaleb(c.price_decimals)))
        ):
            raise ApiError(
                -5022,
                "Due to the order could not be executed as maker, the Post "
                "Only order will be rejected.",
            )
        if self.reduces(o):
            return
        a = self.account(o.account)
        price = o.price if o.type == "LIMIT" else self.estimate(o)
        opening = o.orig_qty
        if not a.dual_side:
            opening = max(ZERO, o.orig_qty - self.reducible(o))
        lev = a.config(o.symbol).leverage
        pos = self.position_of(o).amount
        held = abs(pos) if pos and (pos > 0) == o.is_buy else ZERO
        if (held + opening) * price > c.max_notional_at(lev):
            raise ApiError(-2027, "Exceeded the maximum allowable position at current leverage.")
        need = opening * price / lev + opening * price * self.taker_fee
        if need > self.margin.available(a, exclude=o):
            raise MARGIN_INSUFFICIENT

    def estimate(self, o: FOrder) -> Decimal:
        """Average price a market order of this size would get from the book now."""
        fills = self.levels(o, o.remaining or o.orig_qty, None)
        qty = sum((q for _, q in fills), ZERO)
        return sum((p * q for p, q in fills), ZERO) / qty if qty else self.mark_price(o.symbol)

    def levels(
        self, o: FOrder, qty: Decimal, limit: Decimal | None
    ) -> list[tuple[Decimal, Decimal]]:
        """(price, quantity) a taker of ``qty`` gets, level by level, up to ``limit``."""
        c, book = self.contracts[o.symbol], self.books[o.symbol]
        opp = book.asks if o.is_buy else book.bids
        ticks = opp.ticks if o.is_buy else list(reversed(opp.ticks))
        out: list[tuple[Decimal, Decimal]] = []
        left = qty
        for t in ticks:
            price = c.spot.price_dec(t)
            if limit is not None and (price > limit if o.is_buy else price < limit):
                break
            avail = (Decimal(opp.qty(t)) / c.spot_factor).to_integral_value(ROUND_CEILING)
            take = min(left, avail * c.step)
            if take > 0:
                out.append((price, take))
                left -= take
            if not left:
                break
        return out
