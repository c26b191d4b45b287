"""Decimal parsing for prices and amounts.

Every price, amount, fee and balance enters the domain through `to_decimal`. It accepts
strings, ints and Decimals. A float is refused: `Decimal(0.1)` carries binary noise
(0.1000000000000000055...) that would survive into an order. Values that only exist as
floats (ccxt's parsed market precision, for example) are converted by the adapter with
`decimal_from_float_repr`, which goes through the shortest round-trip string.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)


class MoneyError(ValueError):
    """A value cannot be used as a price or an amount."""


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse `value` into a finite Decimal; raise MoneyError otherwise."""
    if isinstance(value, bool):
        raise MoneyError(f"not a number: {value!r}")
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
            raise MoneyError(f"not a number: {value!r}") from None
    else:
        raise MoneyError(f"unsupported type {type(value).__name__}: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
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


def format_decimal(value: Decimal, places: int | None = None) -> str:
    """Plain (non-scientific) text for a Decimal, optionally with fixed places."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value, "f")
    return text
