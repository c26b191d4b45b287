"""What an emergency stop covers: everything, one venue, one session or one symbol.

A target names the sessions it reaches (all of them, every session of one venue, or
exactly one) and, optionally, one symbol within them. A stop blocks new orders and
cancels open ones only inside its target; the testnet lock is not a stop and stays
global.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, IdError, Symbol, VenueId
from terminal.domain.session import MarketType, SessionKey


class StopScope(str, Enum):
    ALL = "all"  # every open order of the account on each connected venue
    TERMINAL = "terminal"  # only orders this terminal placed (journal-known, not external)


class BadStopTarget(ValueError):
    """A stop target that names nothing coherent (one line, for the user)."""


@dataclass(frozen=True, kw_only=True)
class StopTarget:
    """Sessions (and optionally one symbol) a stop covers. All None: everything."""

    venue: VenueId | None = None  # every session of this venue
    session: SessionKey | None = None  # exactly this session
    symbol: Symbol | None = None  # only this symbol (in the sessions above)

    def __post_init__(self) -> None:
        if self.venue is not None and self.session is not None:
            if self.session.venue != self.venue:
                raise BadStopTarget(
                    f"stop target names venue {self.venue} and a session of {self.session.venue}"
                )
            object.__setattr__(self, "venue", None)  # the session says it already

    # ---- what it covers ---------------------------------------------------------------
    @property
    def is_all(self) -> bool:
        return self.venue is None and self.session is None and self.symbol is None

    def covers_session(self, key: SessionKey) -> bool:
        """Some of this session's orders are inside the target."""
        if self.session is not None:
            return key == self.session
        if self.venue is not None:
            return key.venue == self.venue
        return True

    def covers(self, key: SessionKey, symbol: Symbol | str | None = None) -> bool:
        """An order of `key` on `symbol` is inside the target. Without a symbol (the
        caller does not know it yet) a symbol-scoped target counts as covering: a
        question about "may anything go" is answered on the safe side."""
        if not self.covers_session(key):
            return False
        return self.symbol is None or symbol is None or str(symbol) == str(self.symbol)

    def contains(self, other: StopTarget) -> bool:
        """Everything `other` covers is covered by this target too."""
        if self.symbol is not None and other.symbol != self.symbol:
            return False
        if self.session is not None:
            return other.session == self.session
        if self.venue is not None:
            return other.venue == self.venue or (
                other.session is not None and other.session.venue == self.venue
            )
        return True

    # ---- text -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        if self.session is not None:
            where = f"session {self.session.label}"
        elif self.venue is not None:
            where = f"venue {self.venue}"
        else:
            where = "every session"
        return where if self.symbol is None else f"{self.symbol} on {where}"

    def __str__(self) -> str:
        return self.label

    # ---- journal ------------------------------------------------------------------------
    def to_details(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.venue is not None:
            out["venue"] = str(self.venue)
        if self.session is not None:
            out.update(
                session_venue=str(self.session.venue),
                session_mode=self.session.mode.value,
                session_account=str(self.session.account),
                session_market=self.session.market.value,
            )
        if self.symbol is not None:
            out["symbol"] = str(self.symbol)
        return out

    @classmethod
    def from_details(cls, details: Any) -> StopTarget:
        """The target journaled by `to_details`; anything unreadable widens to
        everything (a stop restored from a damaged row covers more, never less)."""
        if not isinstance(details, dict):
            return cls()
        try:
            session = None
            if details.get("session_venue"):
                session = SessionKey(
                    VenueId(str(details["session_venue"])),
                    VenueMode(str(details["session_mode"])),
                    AccountLabel(str(details.get("session_account") or "default")),
                    MarketType(str(details.get("session_market") or MarketType.SPOT.value)),
                )
            venue = VenueId(str(details["venue"])) if details.get("venue") else None
            symbol = Symbol(str(details["symbol"])) if details.get("symbol") else None
            return cls(venue=venue, session=session, symbol=symbol)
        except (KeyError, ValueError):
            return cls()


EVERYTHING = StopTarget()

LABEL_FORM = "venue/mode/account, e.g. paper/paper/default or binance/live/main"


def targets_named(
    venues: Sequence[str],
    session: str | None,
    symbol: str | None,
    connected: Collection[SessionKey] | None = None,
) -> list[StopTarget]:
    """The stop targets a command names: one per venue, or one session, or everything;
    each narrowed to `symbol` when given. With `connected`, a session must be one of
    them. Raises BadStopTarget (one line) for anything that names nothing."""
    sym = None
    if symbol:
        try:
            sym = Symbol(symbol)
        except IdError:
            raise BadStopTarget(f"--symbol {symbol!r} is not a symbol (BASE/QUOTE)") from None
    if session:
        if venues:
            raise BadStopTarget("give --session or --venue, not both")
        try:
            key = SessionKey.from_label(session)
        except ValueError:
            raise BadStopTarget(f"unknown session {session!r}: a label is {LABEL_FORM}") from None
        if connected is not None and key not in connected:
            names = ", ".join(sorted(k.label for k in connected)) or "none"
            raise BadStopTarget(
                f"unknown session {session!r}: the running terminal has connected {names}"
            )
        return [StopTarget(session=key, symbol=sym)]
    out: list[StopTarget] = []
    for venue in dict.fromkeys(venues):
        try:
            out.append(StopTarget(venue=VenueId(venue), symbol=sym))
        except IdError:
            raise BadStopTarget(f"--venue {venue!r} is not a venue name") from None
    return out or [StopTarget(symbol=sym)]


__all__ = ["EVERYTHING", "BadStopTarget", "StopScope", "StopTarget", "targets_named"]
