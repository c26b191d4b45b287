"""Which perpetual contract trades the same pair as a spot market, and back.

ccxt names a linear perpetual `BASE/QUOTE:SETTLE` (`BTC/USDT:USDT`); the window shows a
venue's spot market (`BTC/USDT`) and a perpetual session's ticket trades the contract
of that pair, when the session has one.
"""

from __future__ import annotations

from collections.abc import Container

from terminal.domain.ids import Symbol


def perpetual_of(symbol: str, markets: Container[Symbol]) -> Symbol | None:
    """The perpetual of `symbol`'s pair among `markets` (settled in its quote currency),
    `symbol` itself when it already is one of them, else None."""
    if ":" in symbol:
        return Symbol(symbol) if Symbol(symbol) in markets else None
    if "/" not in symbol:
        return None
    quote = symbol.split("/", 1)[1]
    candidate = Symbol(f"{symbol}:{quote}")
    return candidate if candidate in markets else None


def spot_of(symbol: str) -> str:
    """The spot pair of a perpetual (`BTC/USDT:USDT` -> `BTC/USDT`)."""
    return symbol.split(":", 1)[0]
