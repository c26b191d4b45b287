"""What the connect dialog offers per venue: its environments (with the reason one is
missing) and the names of its credential fields."""

from __future__ import annotations

from typing import Protocol

from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType


class VenueInfo(Protocol):
    """What the dialog shows of a catalogue venue (the exchange layer's VenueInfo)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def modes(self) -> tuple[VenueMode, ...]: ...
    @property
    def credentials(self) -> tuple[str, ...]: ...
    @property
    def notes(self) -> str: ...
    @property
    def demo_header(self) -> str | None: ...
    @property
    def has_perp(self) -> bool: ...
    def modes_for(self, market: MarketType) -> tuple[VenueMode, ...]: ...


FIELD_LABELS = {
    "apiKey": "API key",
    "secret": "Secret",
    "password": "Passphrase",
    "uid": "User id",
    "login": "Login",
    "twofa": "2FA secret",
    "privateKey": "Private key",
    "walletAddress": "Wallet address",
    "token": "Token",
}
MODE_LABELS = {
    VenueMode.SANDBOX: "Testnet",
    VenueMode.DEMO: "Demo",
    VenueMode.LIVE: "Live (real money)",
    VenueMode.PAPER: "Paper (built-in)",
    VenueMode.PAPER_LIVE: "Paper on live data",  # "Paper on <venue>" once one is picked
}
MODE_ORDER = (
    VenueMode.PAPER,
    VenueMode.PAPER_LIVE,
    VenueMode.SANDBOX,
    VenueMode.DEMO,
    VenueMode.LIVE,
)
TEST_MODES = (VenueMode.SANDBOX, VenueMode.DEMO)


MARKET_LABELS = {MarketType.SPOT: "Spot", MarketType.PERP: "Perpetual futures (USDT-M)"}


def mode_unavailable_reason(
    info: VenueInfo, mode: VenueMode, market: MarketType = MarketType.SPOT
) -> str | None:
    """Why `mode` cannot be chosen for this venue (for `market`), or None if it can."""
    if market is not MarketType.SPOT:
        if mode in info.modes_for(market):
            return None
        offers = ", ".join(MODE_LABELS[m] for m in info.modes_for(market)) or "none"
        return f"{info.name} has no perpetuals in this environment (offers: {offers})"
    if mode in info.modes:
        return None
    if mode is VenueMode.SANDBOX:
        if VenueMode.DEMO in info.modes:
            return f"{info.name} has no testnet in ccxt; use Demo"
        return f"{info.name} has no testnet or demo environment in ccxt"
    if mode is VenueMode.DEMO:
        if VenueMode.SANDBOX in info.modes:
            return f"{info.name} has no demo trading in ccxt; use Testnet"
        return f"{info.name} has no testnet or demo environment in ccxt"
    if mode is VenueMode.PAPER:
        return "only the built-in paper exchange runs in paper mode"
    if mode is VenueMode.PAPER_LIVE:
        if VenueMode.LIVE in info.modes or getattr(info, "points_at_paper", False):
            return None
        return f"{info.name} has no live market data to paper-trade on"
    return f"{info.name} is not offered live"
