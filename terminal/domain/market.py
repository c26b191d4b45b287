"""Market rules: precision and limits of one market, and validation of an order against them.

Built from ccxt's unified market structure (`exchange.markets[symbol]`), whose numbers
ccxt has already parsed to float: they are converted through their shortest repr
(`decimal_from_float_repr`) so 0.01 stays exactly 0.01.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from typing import Any

from .enums import OrderType, RoundingMode, Side
from .ids import Symbol
from .money import (
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    ZERO,
    MoneyError,
    decimal_from_float_repr,
    format_decimal,
)

# ccxt.base.decimal_to_precision constants (not imported: the domain stays stdlib-only)
CCXT_DECIMAL_PLACES = 2
CCXT_SIGNIFICANT_DIGITS = 3
CCXT_TICK_SIZE = 4


@dataclass(frozen=True)
class RuleViolation:
    """Which rule an order breaks, with the numbers, for a message where the user looks."""

    rule: str
    message: str
    value: Decimal | None = None
    limit: Decimal | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class MarketRules:
    symbol: Symbol
    base: str
    quote: str
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_notional: Decimal | None = None
    max_notional: Decimal | None = None
    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None
    active: bool = True
    order_types: frozenset[str] = field(default_factory=frozenset)

    # ---- construction -------------------------------------------------------------
    @classmethod
    def from_ccxt_market(
        cls, market: Mapping[str, Any], precision_mode: int = CCXT_TICK_SIZE
    ) -> MarketRules:
        precision = market.get("precision") or {}
        limits = market.get("limits") or {}
        amount_l = limits.get("amount") or {}
        price_l = limits.get("price") or {}
        cost_l = limits.get("cost") or {}
        info = market.get("info") or {}
        order_types = info.get("orderTypes") if isinstance(info, Mapping) else None
        return cls(
            symbol=Symbol(market["symbol"]),
            base=str(market["base"]),
            quote=str(market["quote"]),
            tick_size=_precision_to_step(precision.get("price"), precision_mode),
            step_size=_precision_to_step(precision.get("amount"), precision_mode),
            min_amount=_positive_or_none(amount_l.get("min")),
            max_amount=_positive_or_none(amount_l.get("max")),
            min_price=_positive_or_none(price_l.get("min")),
            max_price=_positive_or_none(price_l.get("max")),
            min_notional=_positive_or_none(cost_l.get("min")),
            max_notional=_positive_or_none(cost_l.get("max")),
            maker_fee=decimal_from_float_repr(market.get("maker")),
            taker_fee=decimal_from_float_repr(market.get("taker")),
            active=market.get("active") is not False,
            order_types=frozenset(str(t).upper() for t in order_types or ()),
        )

    # ---- rounding ------------------------------------------------------------------
    def round_price(
        self, price: Decimal, mode: RoundingMode = RoundingMode.NEAREST, side: Side | None = None
    ) -> Decimal:
        """Put `price` on the tick grid.

        NEAREST rounds half up; PASSIVE moves a buy down and a sell up (never crossing
        further into the book than asked); AGGRESSIVE the other way.
        """
        return round_to_step(price, self.tick_size, _price_rounding(mode, side))

    def round_amount(self, amount: Decimal) -> Decimal:
        """Truncate `amount` to the step (never round an amount up: it could overspend)."""
        return round_to_step(amount, self.step_size, ROUND_DOWN)

    def price_places(self) -> int | None:
        return _places(self.tick_size)

    def amount_places(self) -> int | None:
        return _places(self.step_size)

    def format_price(self, price: Decimal) -> str:
        return format_decimal(price, self.price_places())

    def format_amount(self, amount: Decimal) -> str:
        return format_decimal(amount, self.amount_places())

    # ---- validation ----------------------------------------------------------------
    def validate(
        self,
        side: Side,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        reference_price: Decimal | None = None,
    ) -> list[RuleViolation]:
        """Every rule the order breaks; an empty list means it passes.

        `reference_price` (mid or last) values a market order for the notional rules.
        """
        out: list[RuleViolation] = []
        f = format_decimal
        if not self.active:
            out.append(RuleViolation("market_inactive", f"{self.symbol} is not trading"))
        if not amount.is_finite() or amount <= ZERO:
            out.append(
                RuleViolation(
                    "amount_positive", f"amount must be positive, got {f(amount)}", amount
                )
            )
            return out
        beyond = _out_of_range(amount)
        if beyond:
            out.append(RuleViolation("amount_range", f"amount {beyond}", amount))
            return out
        if order_type.has_limit_price:
            if price is None:
                out.append(RuleViolation("price_required", "a limit order needs a price"))
                return out
            if not price.is_finite() or price <= ZERO:
                out.append(
                    RuleViolation(
                        "price_positive", f"price must be positive, got {f(price)}", price
                    )
                )
                return out
            beyond = _out_of_range(price)
            if beyond:
                out.append(RuleViolation("price_range", f"price {beyond}", price))
                return out
        if self.step_size and not _on_grid(amount, self.step_size):
            out.append(
                RuleViolation(
                    "amount_step",
                    f"amount {f(amount)} is not a multiple of the step {f(self.step_size)}",
                    amount,
                    self.step_size,
                )
            )
        if self.min_amount is not None and amount < self.min_amount:
            out.append(
                RuleViolation(
                    "min_amount",
                    f"amount {f(amount)} is below the minimum {f(self.min_amount)} {self.base}",
                    amount,
                    self.min_amount,
                )
            )
        if self.max_amount is not None and amount > self.max_amount:
            out.append(
                RuleViolation(
                    "max_amount",
                    f"amount {f(amount)} is above the maximum {f(self.max_amount)} {self.base}",
                    amount,
                    self.max_amount,
                )
            )
        if order_type.has_limit_price and price is not None:
            if self.tick_size and not _on_grid(price, self.tick_size):
                out.append(
                    RuleViolation(
                        "price_tick",
                        f"price {f(price)} is not a multiple of the tick {f(self.tick_size)}",
                        price,
                        self.tick_size,
                    )
                )
            if self.min_price is not None and price < self.min_price:
                out.append(
                    RuleViolation(
                        "min_price",
                        f"price {f(price)} is below the minimum {f(self.min_price)}",
                        price,
                        self.min_price,
                    )
                )
            if self.max_price is not None and price > self.max_price:
                out.append(
                    RuleViolation(
                        "max_price",
                        f"price {f(price)} is above the maximum {f(self.max_price)}",
                        price,
                        self.max_price,
                    )
                )
        value_price = price if order_type.has_limit_price else reference_price
        if value_price is not None and value_price > ZERO:
            notional = amount * value_price
            if self.min_notional is not None and notional < self.min_notional:
                out.append(
                    RuleViolation(
                        "min_notional",
                        f"order value {f(notional)} {self.quote} is below the minimum "
                        f"{f(self.min_notional)} {self.quote}",
                        notional,
                        self.min_notional,
                    )
                )
            if self.max_notional is not None and notional > self.max_notional:
                out.append(
                    RuleViolation(
                        "max_notional",
                        f"order value {f(notional)} {self.quote} is above the maximum "
                        f"{f(self.max_notional)} {self.quote}",
                        notional,
                        self.max_notional,
                    )
                )
        return out


def round_to_step(value: Decimal, step: Decimal | None, rounding: str) -> Decimal:
    """Round `value` to a multiple of `step` with a decimal rounding mode."""
    if step is None or step <= ZERO:
        return value
    ctx = _exact_context(value, step)
    units = ctx.divide(value, step).to_integral_value(rounding=rounding)
    result = ctx.multiply(units, step)
    # keep the step's exponent so 0.10 * 3 reads 0.30, not 0.3000
    return result.quantize(step, context=ctx) if result != ZERO else ZERO.quantize(step)


_MAX_DIGITS = 400  # rounding beyond this many digits is refused, not computed


def _exponent(value: Decimal) -> int:
    """The exponent of a finite Decimal (callers round finite values only)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {value}")
    return exponent


def _exact_context(value: Decimal, step: Decimal) -> Context:
    """Enough precision that rounding `value` to `step` is exact however many digits the
    value has (the default 28 raises InvalidOperation for, say, 1e30 on a 0.01 grid)."""
    span = max(value.adjusted(), step.adjusted()) - min(_exponent(value), _exponent(step)) + 4
    if span > _MAX_DIGITS:
        raise MoneyError(
            f"{format_decimal(value)[:24]}… has too many digits for a step of "
            f"{format_decimal(step)}"
        )
    return Context(prec=max(28, span))


def _on_grid(value: Decimal, step: Decimal) -> bool:
    try:
        return _exact_context(value, step).remainder(value, step) == ZERO
    except MoneyError:  # far more decimals than any step: not on it
        return False


def _out_of_range(value: Decimal) -> str | None:
    """Why `value` is beyond what a person can type (money.MAX_INTEGER_DIGITS and
    MAX_FRACTION_DIGITS), or None."""
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return f"is too large (more than {MAX_INTEGER_DIGITS} digits before the point)"
    _sign, digits, exponent = value.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if -(int(exponent) + trailing) > MAX_FRACTION_DIGITS:
        return f"has more than {MAX_FRACTION_DIGITS} decimals"
    return None


def _price_rounding(mode: RoundingMode, side: Side | None) -> str:
    if mode is RoundingMode.NEAREST or side is None:
        return ROUND_HALF_UP
    passive = mode is RoundingMode.PASSIVE
    if side is Side.BUY:
        return ROUND_FLOOR if passive else ROUND_CEILING
    return ROUND_CEILING if passive else ROUND_FLOOR


def _precision_to_step(value: Any, precision_mode: int) -> Decimal | None:
    if value is None:
        return None
    if precision_mode == CCXT_DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(value))
    if precision_mode == CCXT_TICK_SIZE:
        step = decimal_from_float_repr(value)
        return step if step is not None and step > ZERO else None
    return None  # significant digits: no fixed grid


def currency_places_from_ccxt(
    currencies: Mapping[str, Any] | None, precision_mode: int = CCXT_TICK_SIZE
) -> dict[str, int]:
    """The decimals of each currency whose precision ccxt gives (`exchange.currencies`):
    what balances and fees in that currency are shown to. Currencies without a usable
    precision are left out."""
    out: dict[str, int] = {}
    for code, currency in (currencies or {}).items():
        if not isinstance(currency, Mapping):
            continue
        try:
            places = _places(_precision_to_step(currency.get("precision"), precision_mode))
        except (ValueError, TypeError, ArithmeticError):
            continue
        if places is not None:
            out[str(code)] = places
    return out


def _positive_or_none(value: Any) -> Decimal | None:
    d = decimal_from_float_repr(value)
    return d if d is not None and d > ZERO else None


def _places(step: Decimal | None) -> int | None:
    if step is None:
        return None
    exp = step.normalize().as_tuple().exponent
    return max(0, -int(exp))
