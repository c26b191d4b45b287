"""What the window asks of the exchange layer, through the services: the catalogue, a
credentials test, feed subscriptions and feed health. The UI never imports the exchange
layer itself. Part of `TerminalServices`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType, SessionKey
from terminal.services.options import ServicesError, VenueUnknown

if TYPE_CHECKING:
    from terminal.core.marketstate import FeedKey
    from terminal.exchange.catalogue import VenueInfo
    from terminal.exchange.connection_check import ConnectionCheck
    from terminal.exchange.feeds import FeedHub, Subscription
    from terminal.exchange.manager import ExchangeManager

log = logging.getLogger(__name__)


class WindowAccess:
    """The exchange layer as the window sees it (state held by `TerminalServices`)."""

    exchange: ExchangeManager | None  # while running

    if TYPE_CHECKING:

        async def paper_exchange(self) -> Any: ...

    # ---- what the window asks of the exchange layer ------------------------------------
    def venue_infos(self) -> list[VenueInfo]:
        """Every venue of the catalogue (what Venue > Connect offers)."""
        return list(self._exchange().catalogue)

    def register_venues(self, infos: Iterable[VenueInfo]) -> None:
        """Add (or replace) catalogue entries: tests and tools pointing a venue elsewhere."""
        for info in infos:
            self._exchange().catalogue.register(info, replace_existing=True)

    def points_at_paper(self, venue: str) -> bool:
        """The venue is a ccxt class pointed at the paper exchange (VenueUnknown if the
        catalogue has no such venue)."""
        try:
            return bool(self._exchange().catalogue.get(venue).points_at_paper)
        except KeyError:
            raise VenueUnknown(f"{venue} is not a venue this version knows") from None

    async def check_connection(
        self,
        venue: str,
        mode: VenueMode,
        account: str,
        credentials: Mapping[str, str],
        market: MarketType = MarketType.SPOT,
    ) -> ConnectionCheck:
        """Test credentials on a throwaway session (read-only; see `check_connection`)."""
        from terminal.exchange.connection_check import check_connection

        try:
            info = self._exchange().catalogue.get(venue)
        except KeyError:
            raise VenueUnknown(f"{venue} is not a venue this version knows") from None
        paper = None
        if info.points_at_paper:  # the venue's own exchange (paper.others), else the built-in
            builtin = await self.paper_exchange()
            own = self._exchange().paper_endpoint(venue) if info.id != "paper" else None
            paper = own or builtin
        return await check_connection(info, mode, account, credentials, paper=paper, market=market)

    def subscribe(self, key: FeedKey) -> Subscription:
        """A shared market-data feed (released with `close()`)."""
        return self._exchange().subscribe(key)

    @property
    def feeds(self) -> FeedHub:
        return self._exchange().feeds

    def feed_age(self, session: SessionKey, feed: FeedKey) -> float | None:
        """Seconds since the last message of a session's feed (None: none yet)."""
        tracker = self._exchange().health.get(session)
        return tracker.last_message_age(feed) if tracker is not None else None

    def record_feed_error(self, session: SessionKey, text: str) -> None:
        """A feed error for the session's health panel."""
        tracker = self._exchange().health.get(session)
        if tracker is not None:
            tracker.record_error_text(text)

    def _exchange(self) -> ExchangeManager:
        if self.exchange is None:
            raise ServicesError("the exchange layer is not running")
        exchange: ExchangeManager = self.exchange
        return exchange
