"""The order ticket's arithmetic, without Qt: parse, snap, convert, estimate, validate.

Kept apart from the widget so every rule the entry form applies can be tested as plain
functions. Typed text is read by `parse_typed_number` (exactly the number typed, or a
reason); everything is Decimal, nothing goes through float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from terminal.domain.enums import OrderType, RoundingMode, Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.market import MarketRules, RuleViolation
from terminal.domain.marketdata import Balances
from terminal.domain.money import ZERO, MoneyError, format_decimal, parse_typed_number
from terminal.domain.order import OrderRequest


class EntryKind(str, Enum):
    """What the type selector offers; post-only is a limit order with a flag."""

    MARKET = "market"
    LIMIT = "limit"
    POST_ONLY = "post_only"

    @property
    def order_type(self) -> OrderType:
        return OrderType.MARKET if self is EntryKind.MARKET else OrderType.LIMIT


@dataclass(frozen=True)
class TicketInput:
    """What the form holds, as typed."""

    side: Side
    kind: EntryKind
    tif: TimeInForce
    amount_text: str
    price_text: str = ""
    amount_in_quote: bool = False


@dataclass(frozen=True)
class Prices:
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None

    def reference(self, side: Side) -> Decimal | None:
        """What a market order would roughly pay: the ask for a buy, the bid for a sell."""
        near = self.ask if side is Side.BUY else self.bid
        return near if near is not None else self.last


@dataclass
class TicketState:
    """The form's evaluation: snapped values, notes to show, and the request if valid."""

    price: Decimal | None = None
    price_note: str = ""
    amount: Decimal | None = None  # base amount, on the step
    amount_note: str = ""
    value_price: Decimal | None = None  # price used to value the order
    cost: Decimal | None = None  # amount * value_price, in quote
    fee: Decimal | None = None
    fee_rate: Decimal | None = None
    fee_is_upper_bound: bool = False  # a limit may rest (maker) or take (taker)
    errors: list[str] = field(default_factory=list)  # input that cannot be parsed
    price_problem: str = ""  # why the price text is not a price (shown at the field)
    amount_problem: str = ""  # why the amount text is not an amount
    violations: list[RuleViolation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown, not blocking
    request: OrderRequest | None = None

    @property
    def problems(self) -> list[str]:
        return self.errors + [v.message for v in self.violations]


def parse_positive(text: str, what: str) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, why the text is not a positive number). Empty text gives
    (None, None): nothing typed yet. The value is exactly the number typed, never a
    repair of it (`parse_typed_number`: '1,5' is 1.5, '1e-3' and '1,500' are refused)."""
    if not text.strip():
        return None, None
    try:
        return parse_typed_number(text, what), None
    except MoneyError as exc:
        return None, str(exc)


def snap_price(rules: MarketRules, price: Decimal) -> Decimal:
    """The nearest price on the tick grid (the form shows the change)."""
    snapped = rules.round_price(price, RoundingMode.NEAREST)
    return snapped if snapped > ZERO else (rules.tick_size or price)


def snap_amount(rules: MarketRules, amount: Decimal) -> Decimal:
    """Truncate to the step: an amount is never rounded up (it could overspend)."""
    return rules.round_amount(amount)


def fee_rate_for(rules: MarketRules, kind: EntryKind) -> tuple[Decimal | None, bool]:
    """(rate, is_upper_bound). Post-only pays maker; market pays taker; a plain limit
    may do either, so the taker rate is shown as the most it can cost."""
    if kind is EntryKind.POST_ONLY:
        return rules.maker_fee, False
    if kind is EntryKind.MARKET:
        return rules.taker_fee, False
    rates = [r for r in (rules.maker_fee, rules.taker_fee) if r is not None]
    return (max(rates) if rates else None), True


def evaluate(
    inp: TicketInput,
    rules: MarketRules,
    *,
    venue: VenueId,
    mode: VenueMode,
    account: AccountLabel,
    prices: Prices = Prices(),
    balances: Balances | None = None,
) -> TicketState:
    st = TicketState()
    kind = inp.kind
    # price
    if kind is not EntryKind.MARKET:
        raw_price, err = parse_positive(inp.price_text, "Price")
        if err:
            st.errors.append(err)
            st.price_problem = err
        elif raw_price is None:
            st.errors.append("Enter a price")
        else:
            st.price = snap_price(rules, raw_price)
            if st.price != raw_price:
                st.price_note = (
                    f"→ {rules.format_price(st.price)} "
                    f"(tick {format_decimal(rules.tick_size or ZERO)})"
                )
        st.value_price = st.price
    else:
        st.value_price = prices.reference(inp.side)
    # amount
    raw_amount, err = parse_positive(inp.amount_text, "Amount")
    if err:
        st.errors.append(err)
        st.amount_problem = err
    elif raw_amount is None:
        st.errors.append("Enter an amount")
    elif inp.amount_in_quote:
        if st.value_price is None or st.value_price <= ZERO:
            st.errors.append(f"No price to convert {rules.quote} into {rules.base} yet")
        else:
            st.amount = snap_amount(rules, raw_amount / st.value_price)
            st.amount_note = f"≈ {rules.format_amount(st.amount)} {rules.base}"
    else:
        st.amount = snap_amount(rules, raw_amount)
        if st.amount != raw_amount:
            st.amount_note = (
                f"→ {rules.format_amount(st.amount)} "
                f"(step {format_decimal(rules.step_size or ZERO)})"
            )
    # estimate
    if st.amount is not None and st.value_price is not None:
        st.cost = st.amount * st.value_price
        st.fee_rate, st.fee_is_upper_bound = fee_rate_for(rules, kind)
        if st.fee_rate is not None:
            st.fee = st.cost * st.fee_rate
    # rules
    if st.amount is not None and not st.errors:
        st.violations = rules.validate(
            inp.side, kind.order_type, st.amount, st.price, reference_price=st.value_price
        )
    if balances is not None and st.amount is not None:
        if inp.side is Side.BUY and st.cost is not None:
            free = balances.free(rules.quote)
            if st.cost > free:
                st.warnings.append(
                    f"Needs about {rules.format_price(st.cost)} {rules.quote}; "
                    f"{format_decimal(free)} available"
                )
        elif inp.side is Side.SELL:
            free = balances.free(rules.base)
            if st.amount > free:
                st.warnings.append(
                    f"Sells {rules.format_amount(st.amount)} {rules.base}; "
                    f"{format_decimal(free)} available"
                )
    if not st.errors and not st.violations and st.amount is not None:
        st.request = OrderRequest(
            venue=venue,
            symbol=rules.symbol,
            side=inp.side,
            type=kind.order_type,
            amount=st.amount,
            price=st.price if kind is not EntryKind.MARKET else None,
            time_in_force=TimeInForce.GTC if kind is EntryKind.POST_ONLY else inp.tif,
            post_only=kind is EntryKind.POST_ONLY,
            mode=mode,
            account=account,
        )
    return st


def percent_amount(
    pct: int,
    side: Side,
    rules: MarketRules,
    balances: Balances,
    price: Decimal | None,
    fee_rate: Decimal | None = None,
) -> Decimal | None:
    """Base amount using `pct` % of the free balance, on the step.

    A buy spends the free quote at `price`, leaving room for the fee when the rate is
    known (so 100 % does not fail for want of the fee); a sell sells the free base.
    None when there is no price to convert with or nothing is free.
    """
    share = Decimal(pct) / Decimal(100)
    if side is Side.BUY:
        if price is None or price <= ZERO:
            return None
        spend = balances.free(rules.quote) * share
        divisor = price * (Decimal(1) + (fee_rate or ZERO))
        amount = spend / divisor
    else:
        amount = balances.free(rules.base) * share
    amount = snap_amount(rules, amount)
    return amount if amount > ZERO else None


def stepped_price(
    rules: MarketRules, text: str, side: Side, prices: Prices, ticks: int
) -> str | None:
    """The price text after moving `ticks` whole ticks from `text`, or None to leave the
    field alone (no tick, or text that is not a price: it is kept as typed, never
    replaced). From an empty field the first press lands on the near side of the book
    (the bid for a buy, the ask for a sell), so it never starts crossed."""
    if not rules.tick_size:
        return None
    current, err = parse_positive(text, "Price")
    if err:
        return None
    if current is None:
        current = (prices.bid if side is Side.BUY else prices.ask) or prices.last
        if current is None:
            return None
        ticks = 0 if ticks in (1, -1) else ticks
    new = snap_price(rules, current) + rules.tick_size * ticks
    return rules.format_price(new) if new > ZERO else None


def stepped_amount(rules: MarketRules, text: str, steps: int) -> str | None:
    """The base amount text after `steps` whole steps (not below one step), or None to
    leave text that is not an amount as typed."""
    if not rules.step_size:
        return None
    parsed, err = parse_positive(text, "Amount")
    if err and text.strip().strip("0.") != "":  # "0" steps up from zero; "1e-3" stays
        return None
    current = snap_amount(rules, parsed) if parsed is not None else ZERO
    return rules.format_amount(max(rules.step_size, current + rules.step_size * steps))
