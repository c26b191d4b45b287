"""A colour and a short label per session, the same on every panel, ticket and dialog.

Sessions of test environments (paper, testnet, demo) take colours from a cool palette,
live sessions from a warm one: the two palettes share no colour, so a live session never
looks like a paper or demo one. Within a palette, sessions take the next free colour in
the order this process first shows them, so two sessions on screen never share one
until a palette has run out (then colours repeat and the label still tells them apart).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import MarketType, SessionKey

# Cool hues for paper, testnet and demo sessions; warm hues for live ones.
TEST_COLOURS = ("#4aa3df", "#9b7fd4", "#35b7a5", "#7f9cc9", "#c08ee0", "#5fc7e6")
LIVE_COLOURS = ("#ff8a3d", "#ff5c5c", "#e0b03a", "#ff7eb0", "#d9713f", "#f2a65a")

MODE_TAGS = {
    VenueMode.PAPER: "PAPER",
    VenueMode.PAPER_LIVE: "PAPER",
    VenueMode.SANDBOX: "TEST",
    VenueMode.DEMO: "DEMO",
    VenueMode.LIVE: "LIVE",
}
DEFAULT_ACCOUNT = AccountLabel("default")


def session_of(item: Any) -> SessionKey:
    """The session of an order, a journal row or a session: anything with `session`, or
    with venue, mode and account (a row without a mode is taken as live: never shown
    in a test colour when it might be live)."""
    key = getattr(item, "session", None)
    if isinstance(key, SessionKey):
        return key
    if isinstance(item, SessionKey):
        return item
    mode = getattr(item, "mode", None)
    return SessionKey(
        VenueId(str(item.venue)),
        VenueMode(mode) if mode is not None else VenueMode.LIVE,
        AccountLabel(str(getattr(item, "account", None) or DEFAULT_ACCOUNT)),
        getattr(item, "market", None) or MarketType.SPOT,
    )


def short_label(key: SessionKey) -> str:
    """'paper PAPER', 'paper/alice PAPER', 'binance/main LIVE', 'bybit perp TEST'."""
    name = str(key.venue)
    if key.account != DEFAULT_ACCOUNT:
        name += f"/{key.account}"
    if key.market is not MarketType.SPOT:
        name += f" {key.market.value}"
    return f"{name} {MODE_TAGS[key.mode]}"


def long_label(key: SessionKey) -> str:
    """For tooltips and dialogs: every part of the session spelled out."""
    environment = {
        VenueMode.PAPER: "paper exchange",
        VenueMode.PAPER_LIVE: "paper trading on live data",
        VenueMode.SANDBOX: "testnet",
        VenueMode.DEMO: "demo trading",
        VenueMode.LIVE: "LIVE (real money)",
    }[key.mode]
    market = "spot" if key.market is MarketType.SPOT else "perpetual futures"
    return f"{key.venue}, account {key.account}, {environment}, {market}"


class SessionPalette:
    """Session -> colour, assigned once per process in the order sessions appear."""

    def __init__(self) -> None:
        self._colours: dict[SessionKey, str] = {}
        self._used = {True: 0, False: 0}  # live?: colours handed out

    def colour(self, key: SessionKey) -> str:
        found = self._colours.get(key)
        if found is None:
            live = key.mode is VenueMode.LIVE
            palette = LIVE_COLOURS if live else TEST_COLOURS
            found = palette[self._used[live] % len(palette)]
            self._used[live] += 1
            self._colours[key] = found
        return found

    def qcolor(self, key: SessionKey) -> QColor:
        return QColor(self.colour(key))

    def chip_css(self, key: SessionKey) -> str:
        """A label's style sheet: the session's colour as a left bar and the text."""
        colour = self.colour(key)
        return (
            f"color: {colour}; border-left: 4px solid {colour}; padding-left: 4px; "
            "font-weight: bold;"
        )


PALETTE = SessionPalette()  # one per process: every panel agrees on a session's colour


def colour_of(key: SessionKey) -> str:
    return PALETTE.colour(key)


def qcolor_of(key: SessionKey) -> QColor:
    return PALETTE.qcolor(key)


__all__ = [
    "LIVE_COLOURS",
    "PALETTE",
    "TEST_COLOURS",
    "SessionPalette",
    "colour_of",
    "long_label",
    "qcolor_of",
    "session_of",
    "short_label",
]
