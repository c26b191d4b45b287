"""Paper trading on a venue's live market data ("paper on <venue>").

The session's public feeds (book, trades, candles) come from the real venue through the
same ccxt.pro path as a live session; its orders never leave this machine: they are
matched by the paper exchange's engine against a local mirror of the live book, and
resting orders fill from the venue's live trades. The ccxt clients of such a session are
public-only: no private or signed request can reach the venue.
"""

from __future__ import annotations

from .factory import LivePaperFactory, install
from .guard import PrivateRequestRefused
from .session import DEFAULT_BALANCES, LivePaperSession, data_mode_of

__all__ = [
    "DEFAULT_BALANCES",
    "LivePaperFactory",
    "LivePaperSession",
    "PrivateRequestRefused",
    "data_mode_of",
    "install",
]
