"""The venue's precision for the numbers a panel shows: display only.

Prices are shown to the market's tick (its price precision) and amounts to its step (its
amount precision), with exactly that many decimals, as the ticket and *Open orders* show
them. Balances and fees are in a currency: they are shown to the currency's precision
where ccxt gives it, with the zeros the rounding leaves dropped. Where the precision is
not known (a market or currency the venue did not list, a venue disconnected) the exact
value is shown. The stored Decimals never change: only the text does, written by
`format_decimal`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from terminal.domain.market import MarketRules
from terminal.domain.money import format_decimal


class DisplayPrecision(Protocol):
    def rules(self, venue: str, symbol: str) -> MarketRules | None: ...

    def currency_places(self, venue: str, asset: str) -> int | None: ...


class NoPrecision:
    """Nothing known: every number exact (a panel before the wiring gives it more)."""

    def rules(self, venue: str, symbol: str) -> MarketRules | None:
        return None

    def currency_places(self, venue: str, asset: str) -> int | None:
        return None


class SessionPrecision:
    """Precision from the connected venue sessions: `session_of(venue)` is the session
    (with `markets` and, where ccxt gives currencies, `currency_places`) or None."""

    def __init__(self, session_of: Callable[[str], Any]) -> None:
        self._session_of = session_of

    def rules(self, venue: str, symbol: str) -> MarketRules | None:
        session = self._session_of(venue)
        markets: Mapping[Any, MarketRules] = getattr(session, "markets", None) or {}
        return markets.get(symbol)

    def currency_places(self, venue: str, asset: str) -> int | None:
        session = self._session_of(venue)
        places: Mapping[str, int] = getattr(session, "currency_places", None) or {}
        return places.get(asset)


def price_text(rules: MarketRules | None, value: Decimal | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return format_decimal(value, rules.price_places() if rules is not None else None)


def amount_text(rules: MarketRules | None, value: Decimal | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return format_decimal(value, rules.amount_places() if rules is not None else None)


def currency_text(places: int | None, value: Decimal) -> str:
    """A balance or fee at its currency's precision, trailing zeros dropped."""
    return format_decimal(value, places, trim=True)


def fee_places(
    precision: DisplayPrecision, venue: str, currency: str, rules: MarketRules | None
) -> int | None:
    """A fee's decimals: its currency's precision; else, for a fee in the market's own
    base or quote, the market's amount or price precision."""
    places = precision.currency_places(venue, currency)
    if places is not None or rules is None:
        return places
    if currency == rules.base:
        return rules.amount_places()
    if currency == rules.quote:
        return rules.price_places()
    return None
