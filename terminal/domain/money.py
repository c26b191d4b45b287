"""Decimal parsing for prices and amounts.

Every price, amount, fee and balance enters the domain through `to_decimal`. It accepts
strings, ints and Decimals. A float is refused: `Decimal(0.1)` carries binary noise
(0.1000000000000000055...) that would survive into an order. Values that only exist as
floats (ccxt's parsed market precision, for example) are converted by the adapter with
`decimal_from_float_repr`, which goes through the shortest round-trip string.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

ZERO = Decimal(0)

# What a person may type as a price or an amount. Beyond these the arithmetic would need
# more than Decimal's 28 significant digits (quantizing to a step raises), and no market
# has prices or sizes near them.
MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 18
_PLAIN = re.compile(r"\+?([0-9]*)(?:\.([0-9]*))?", re.ASCII)
_COMMA = re.compile(r"\+?([0-9]*),([0-9]*)", re.ASCII)
_EXPONENT = re.compile(r"[+-]?[0-9]*\.?[0-9]*[eE][+-]?[0-9]+", re.ASCII)
_GROUPED = re.compile(r"[+-]?[0-9][0-9,.' ]*[0-9]", re.ASCII)


class MoneyError(ValueError):
    """A value cannot be used as a price or an amount."""


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse `value` into a finite Decimal; raise MoneyError otherwise."""
    if isinstance(value, bool):
        raise MoneyError(f"not a number: {value}")
    if isinstance(value, float):
        raise MoneyError(f"float refused on a money path: {value!r}; pass a string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if not text:
            raise MoneyError("empty value")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"not a number: '{value[:40]}'") from None
    else:
        raise MoneyError(f"unsupported type {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {str(value)[:40]}")
    return result


def optional_decimal(value: str | int | Decimal | None) -> Decimal | None:
    """`to_decimal`, passing None through."""
    return None if value is None else to_decimal(value)


def decimal_from_float_repr(value: float | int | str | None) -> Decimal | None:
    """Convert a value an upstream library only gives as float, via its shortest repr.

    `repr(0.1)` is '0.1', so the Decimal is exactly what the venue sent as text. Used at
    adapter edges only (ccxt parses numbers to float); never for arithmetic results.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyError(f"not a finite number: {value!r}")
        return to_decimal(repr(value))
    return to_decimal(value)


def is_positive(value: Decimal) -> bool:
    return value.is_finite() and value > ZERO


def format_decimal(value: Decimal, places: int | None = None, *, trim: bool = False) -> str:
    """The one way a number is written for a person: messages, tables, panels, exports.

    Plain digits, never scientific notation ('1E+12' -> '1000000000000', '1E-8' ->
    '0.00000001'). Without `places` the exact value with no trailing zeros
    ('1.1200000' -> '1.12'); with `places` (the venue's precision: a tick's or a step's
    decimals) exactly that many, rounded half up; with `trim` too, the zeros the rounding
    left at the end are dropped (a balance at a currency's 8 places: '1.5', not
    '1.50000000'). Never '-0'.
    """
    if not value.is_finite():
        return str(value)
    if places is not None:
        sign_digits_exp = value.as_tuple()  # finite: the exponent is an int
        digits = len(sign_digits_exp.digits) + abs(int(sign_digits_exp.exponent)) + places + 2
        try:
            value = value.quantize(
                Decimal(1).scaleb(-places),
                rounding=ROUND_HALF_UP,
                context=Context(prec=max(28, digits)),
            )
        except InvalidOperation:  # cannot happen with that precision; show it exactly
            places = None
    text = format(value, "f")
    if (places is None or trim) and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    return text


def parse_typed_number(text: str, what: str = "Value") -> Decimal:
    """The positive number a person typed, exactly, or MoneyError saying why it is not one.

    Nothing is dropped or guessed: plain digits with an optional decimal point; a decimal
    comma only when it cannot be a thousands separator ('1,5' and '0,250' are 1.5 and
    0.25; '1,500' is refused as ambiguous); no scientific notation, signs other than a
    leading '+', grouping, spaces inside, or digits of other scripts. `what` names the
    field in the message ('Amount', '--price').
    """
    raw = text.strip()
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)  # one line
    shown = shown if len(shown) <= 24 else shown[:23] + "…"
    if not raw:
        raise MoneyError(f"{what} is empty")
    plain = _PLAIN.fullmatch(raw)
    if plain is None:
        comma = _COMMA.fullmatch(raw)
        if comma is not None:
            whole, frac = comma.groups()
            if len(frac) == 3 and whole.lstrip("0"):
                raise MoneyError(
                    f"{what}: '{shown}' is ambiguous (decimal comma or thousands separator?): "
                    f"type {whole}.{frac} or {whole}{frac}"
                )
            plain = _PLAIN.fullmatch(f"{whole}.{frac}")
    if plain is None:
        if raw.startswith("-") and any(c.isdigit() for c in raw):
            raise MoneyError(f"{what} must be above zero, not {shown}")
        if _EXPONENT.fullmatch(raw):
            raise MoneyError(
                f"{what}: '{shown}' is in scientific notation; type plain digits" + _plain_hint(raw)
            )
        if _GROUPED.fullmatch(raw):
            raise MoneyError(
                f"{what}: '{shown}': type the number without thousands "
                "separators or spaces, with a '.' before the decimals"
            )
        raise MoneyError(f"{what}: '{shown}' is not a number")
    whole, frac = plain.group(1), plain.group(2) or ""
    if not whole and not frac:
        raise MoneyError(f"{what}: '{shown}' is not a number")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise MoneyError(
            f"{what}: '{shown}' is too large (more than {MAX_INTEGER_DIGITS} "
            "digits before the point)"
        )
    if len(frac.rstrip("0")) > MAX_FRACTION_DIGITS:
        raise MoneyError(f"{what}: '{shown}' has more than {MAX_FRACTION_DIGITS} decimals")
    value = Decimal(f"{whole or '0'}.{frac or '0'}")
    if value <= ZERO:
        raise MoneyError(f"{what} must be above zero")
    return value


def _plain_hint(raw: str) -> str:
    """' (0.001)' for '1e-3' when that is short enough to read, else ''."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return ""
    if value <= ZERO:
        return ""
    adjusted = value.adjusted()
    if -MAX_FRACTION_DIGITS <= adjusted < MAX_INTEGER_DIGITS:
        return f" ({format_decimal(value)})"
    return ""
