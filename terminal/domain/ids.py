"""Identifiers, each with its own small type so they cannot be mixed up.

They are `str` subclasses: cheap, hashable, and they serialise as plain text, while a
type checker still tells a VenueOrderId from a ClientOrderId.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"


class IdError(ValueError):
    """A text is not a valid identifier of that kind."""


class VenueId(str):
    """ccxt id of a venue ('binance', 'okx', ...) or 'paper'."""

    _pattern = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

    def __new__(cls, value: str) -> VenueId:
        if not isinstance(value, str) or not cls._pattern.fullmatch(value):
            raise IdError(f"invalid venue id: {value!r}")
        return super().__new__(cls, value)


class Symbol(str):
    """Unified market symbol, 'BASE/QUOTE' (spot)."""

    _pattern = re.compile(r"^[A-Z0-9][A-Z0-9.\-_]*/[A-Z0-9][A-Z0-9.\-_]*(:[A-Z0-9]+)?$")

    def __new__(cls, value: str) -> Symbol:
        if not isinstance(value, str):
            raise IdError(f"invalid symbol: {value!r}")
        value = value.strip().upper()
        if not cls._pattern.fullmatch(value):
            raise IdError(f"invalid symbol {value!r}: expected BASE/QUOTE, e.g. BTC/USDT")
        return super().__new__(cls, value)

    @property
    def base(self) -> str:
        return self.split("/")[0]

    @property
    def quote(self) -> str:
        return self.split("/")[1].split(":")[0]


# The tightest limits among the catalogue venues, so one generated id is valid everywhere:
# Kraken's free-text cl_ord_id takes at most 18 characters; OKX's clOrdId takes letters
# and digits only (1-32); Binance: ^[.A-Z:/a-z0-9_-]{1,36}$; Gate: ccxt prefixes 't-' and
# the whole text must stay within 30; Bybit 36; KuCoin 40; MEXC 32; HTX 64; Bitget 50.
CLIENT_ID_RULES: dict[str, tuple[int, re.Pattern[str]]] = {
    "binance": (36, re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")),
    "paper": (36, re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")),
    "okx": (32, re.compile(r"^[A-Za-z0-9]{1,32}$")),
    "kraken": (18, re.compile(r"^[A-Za-z0-9_-]{1,18}$")),
    "bybit": (36, re.compile(r"^[A-Za-z0-9_-]{1,36}$")),
    "kucoin": (40, re.compile(r"^[A-Za-z0-9_-]{1,40}$")),
    "bitget": (50, re.compile(r"^[A-Za-z0-9_-]{1,50}$")),
    "gate": (28, re.compile(r"^[A-Za-z0-9_.-]{1,28}$")),
    "mexc": (32, re.compile(r"^[A-Za-z0-9_-]{1,32}$")),
    "htx": (64, re.compile(r"^[A-Za-z0-9_-]{1,64}$")),
    "coinbase": (64, re.compile(r"^[A-Za-z0-9_-]{1,64}$")),
}
GENERATED_CLIENT_ID_LENGTH = 18
CLIENT_ID_PREFIX = "tt"


class ClientOrderId(str):
    """The id this terminal gives an order before it is sent.

    Generated ids are 'tt' + 8 base-36 characters of milliseconds + 8 random base-36
    characters: 18 letters and digits, valid on every catalogue venue, unique across
    processes (random part) and ordered by creation time within a process.
    """

    _generic = re.compile(r"^[.A-Z:/a-z0-9_-]{1,64}$")
    _lock = threading.Lock()
    _last_ms = 0

    def __new__(cls, value: str) -> ClientOrderId:
        if not isinstance(value, str) or not cls._generic.fullmatch(value):
            raise IdError(f"invalid client order id: {value!r}")
        return super().__new__(cls, value)

    @classmethod
    def generate(cls) -> ClientOrderId:
        with cls._lock:
            ms = max(int(time.time() * 1000), cls._last_ms + 1)
            cls._last_ms = ms
        stamp = _base36(ms, 8)
        rand = "".join(secrets.choice(_ALNUM) for _ in range(8))
        return cls(CLIENT_ID_PREFIX + stamp + rand)

    def is_valid_for(self, venue: str) -> bool:
        rule = CLIENT_ID_RULES.get(venue)
        if rule is None:
            return len(self) <= GENERATED_CLIENT_ID_LENGTH and self.isalnum()
        max_len, pattern = rule
        return len(self) <= max_len and bool(pattern.fullmatch(self))


def _base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 36)
        digits.append(_ALNUM[rem])
    return "".join(reversed(digits))


class VenueOrderId(str):
    """The id the venue gave an order."""

    def __new__(cls, value: str | int) -> VenueOrderId:
        text = str(value)
        if not text or len(text) > 128:
            raise IdError(f"invalid venue order id: {value!r}")
        return super().__new__(cls, text)


class TradeId(str):
    """The venue's id of one fill (trade)."""

    def __new__(cls, value: str | int) -> TradeId:
        text = str(value)
        if not text or len(text) > 128:
            raise IdError(f"invalid trade id: {value!r}")
        return super().__new__(cls, text)


class AccountLabel(str):
    """The user's name for a set of credentials on a venue ('main', 'bot-2')."""

    _pattern = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")

    def __new__(cls, value: str) -> AccountLabel:
        if not isinstance(value, str) or not cls._pattern.fullmatch(value):
            raise IdError(
                f"invalid account label {value!r}: 1-40 letters, digits, space, '_', '.', '-'"
            )
        return super().__new__(cls, value)
