"""What the wiring parts are given at construction, as narrow typed protocols.

A wiring part never holds the controller: it gets the few things it uses (the window,
the task owner, a notice function, a panel, the market state...) and, where it has to
ask for a venue to be connected, switched or closed, a `VenueCommands`. The controller
implements these protocols; tests may hand in anything that does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from terminal.core.marketstate import FeedKey
from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType, SessionKey


class Notify(Protocol):
    """A message for the user (level "info", "warning" or "error")."""

    def __call__(self, level: str, text: str) -> None: ...


class Closable(Protocol):
    def close(self) -> None: ...


class FeedSubscriber(Protocol):
    """Shared market-data feeds: a subscription is given back with `close()`."""

    def subscribe(self, key: FeedKey) -> Closable: ...


class HistoryJournal(Protocol):
    """The journal's history queries (they run on the journal's own thread)."""

    async def order_history(self, **filters: Any) -> Sequence[Any]: ...

    async def fills(self, **filters: Any) -> Sequence[Any]: ...


class VenueCommands(Protocol):
    """Connecting, closing and activating a venue: what the controller does for the
    window (a connect also remembers the venue and starts its reconciliation)."""

    async def connect_venue(
        self,
        venue: str,
        mode: VenueMode | None = None,
        account: str = "default",
        *,
        credentials: dict[str, str] | None = None,
        market: MarketType = MarketType.SPOT,
    ) -> Any: ...

    async def disconnect_venue(self, venue: str, *, forget: bool = False) -> None: ...

    async def disconnect_session(self, key: SessionKey) -> None: ...

    async def switch_venue(self, venue: str) -> None: ...


class ActiveVenue(Protocol):
    """The active venue, and whether the user picked it in this run."""

    venue: str
    venue_picked: bool
