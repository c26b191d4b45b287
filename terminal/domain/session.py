"""The session: the unit of every order, balance, open order and emergency-stop scope.

One venue can be connected several times at once: two accounts, testnet beside live, and
spot beside perpetual futures. Each such connection is one `SessionKey`; two sessions of
one venue never share orders, balances or a journal scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId


class MarketType(str, Enum):
    """Which product of a venue a session trades."""

    SPOT = "spot"
    PERP = "perp"  # USDT-margined perpetual futures (ccxt "swap", linear)


@dataclass(frozen=True, slots=True)
class SessionKey:
    """One connected venue session: venue + mode (environment) + account + market type."""

    venue: VenueId
    mode: VenueMode
    account: AccountLabel = AccountLabel("default")
    market: MarketType = MarketType.SPOT

    @property
    def label(self) -> str:
        base = f"{self.venue}/{self.mode.value}/{self.account}"
        return base if self.market is MarketType.SPOT else f"{base}/{self.market.value}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def from_label(cls, text: str) -> SessionKey:
        """The session a `label` names (venue/mode/account[/perp]); ValueError if none."""
        parts = text.strip().split("/") if isinstance(text, str) else []
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != MarketType.PERP.value):
            raise ValueError(f"not a session label: {text!r}")
        market = MarketType.PERP if len(parts) == 4 else MarketType.SPOT
        return cls(VenueId(parts[0]), VenueMode(parts[1]), AccountLabel(parts[2]), market)
