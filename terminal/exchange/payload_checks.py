"""What a venue says about an order or a fill must be possible before the core sees it.

A report with a negative amount, price or average, more filled than ordered, a fill of
nothing or at no price, or a number that is not finite cannot be right, whatever the
venue meant: using it would corrupt positions, averages and the journal. Such a payload
is refused here as a `VenuePayloadError` (classified: a read failed; a write's outcome
is unknown and settled by query), never repaired into something plausible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from terminal.core.errors import VenuePayloadError
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.reports import FillReport, OrderReport

from .errors import scrub


def refused(
    payload: Any, problem: str, secrets: Iterable[str] = (), what: str = "order"
) -> VenuePayloadError:
    """The error for `payload` (an order, or a trade), naming it by its venue id, and the
    problem."""
    oid = payload.get("id") if isinstance(payload, Mapping) else None
    shown_id = "".join(ch if ch.isprintable() else "?" for ch in str(oid)[:40]).strip()
    which = f" ({what} {shown_id})" if oid not in (None, "") and shown_id else ""
    text = " ".join(str(problem).split())
    message = f"the venue sent {'an' if what[0] in 'aeiou' else 'a'} {what} that cannot be right"
    return VenuePayloadError(scrub(f"{message}{which}: {text}", secrets), cause_name="payload")


def _shown(value: Decimal) -> str:
    return format_decimal(value) if value.is_finite() else str(value)


def _not_negative(name: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        return f"{name} is not a finite number ({value})"
    if value < ZERO:
        return f"{name} is negative ({_shown(value)})"
    return None


def _positive(name: str, value: Decimal) -> str | None:
    if not value.is_finite():
        return f"{name} is not a finite number ({value})"
    if value <= ZERO:
        return f"{name} is not above zero ({_shown(value)})"
    return None


def fill_problem(fill: FillReport) -> str | None:
    """Why `fill` cannot be a real trade, or None. A fee may be negative (a rebate)."""
    problem = _positive("fill amount", fill.amount) or _positive("fill price", fill.price)
    if problem is None and not fill.fee.is_finite():
        problem = f"fill fee is not a finite number ({fill.fee})"
    return problem


def report_problem(report: OrderReport, remaining: Decimal | None = None) -> str | None:
    """Why `report` cannot describe a real order, or None."""
    for name, value in (
        ("amount", report.amount),
        ("price", report.price),
        ("filled", report.filled),
        ("average price", report.average_price),
        ("trigger price", report.trigger_price),
        ("remaining", remaining),
    ):
        problem = _not_negative(name, value)
        if problem:
            return problem
    if report.amount is not None and report.filled > report.amount:
        return f"filled {_shown(report.filled)} is more than the amount {_shown(report.amount)}"
    for fill in report.fills:
        problem = fill_problem(fill)
        if problem:
            return problem
    in_fills = sum((f.amount for f in report.fills), ZERO)
    if report.amount is not None and in_fills > report.amount:
        return (
            f"its fills add up to {_shown(in_fills)}, more than the amount {_shown(report.amount)}"
        )
    return None
