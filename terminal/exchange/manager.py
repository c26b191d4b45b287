"""The exchange layer's front door: connect/disconnect venue sessions, reach their ports,
the shared MarketState and health registry, and subscribe to feeds.

One manager per app (and per test). `close()` disconnects everything: feed loops are
cancelled, both ccxt clients of every session are closed, so nothing leaks at exit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from terminal.core.errors import VenueUnavailableError
from terminal.core.health import HealthRegistry, VenueHealth
from terminal.core.marketstate import FeedKey, FeedKind, MarketState
from terminal.core.policy import RequestPolicy, SystemClock, config_for_venue
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import MarketType, SessionKey
from terminal.logsetup import register_secret
from terminal.settings import FeedSettings

from .catalogue import VenueCatalogue, VenueInfo, default_catalogue, paper_info
from .feeds import FeedHub, FeedOptions, Subscription
from .session import PaperEndpoint, SessionOptions, VenueSession

log = logging.getLogger(__name__)


def feed_options_from_settings(feeds: FeedSettings) -> FeedOptions:
    """FeedOptions from the user's FeedSettings."""
    return FeedOptions.from_settings(feeds)


class ExchangeManager:
    """Sessions by SessionKey, the feed hub, market state and health.

    One venue may be connected several times (other accounts, other environments):
    each connection is its own session with its own clients, health tracker, balances
    and open orders."""

    def __init__(
        self,
        *,
        catalogue: VenueCatalogue | None = None,
        paper: PaperEndpoint | None = None,
        clock: Any = None,
        feed_options: FeedOptions | None = None,
        session_options: SessionOptions | None = None,
        policy_overrides: Mapping[str, Any] | None = None,
        state: MarketState | None = None,
        health: HealthRegistry | None = None,
    ) -> None:
        self.catalogue = catalogue or default_catalogue()
        self.paper = paper
        self.clock = clock or SystemClock()
        self.state = state or MarketState()
        self.health = health or HealthRegistry(self.clock)
        self.feeds = FeedHub(self.state, self.health, feed_options)
        self.session_options = session_options or SessionOptions()
        self.policy_overrides = dict(policy_overrides or {})
        self._sessions: dict[SessionKey, VenueSession] = {}
        self._connecting: dict[SessionKey, asyncio.Future] = {}
        self._paper_venues: dict[VenueId, PaperEndpoint] = {}
        # how a session of a mode other than the venue's own is built (paper on live),
        # called with VenueSession's arguments
        self.session_factories: dict[VenueMode, Callable[..., VenueSession]] = {}
        self._closed = False

    def add_paper_venue(
        self, venue: str, endpoint: PaperEndpoint, name: str | None = None
    ) -> VenueInfo:
        """Another paper exchange (its own process, URL and accounts) as a venue of its
        own: its sessions sit beside those of the built-in paper venue."""
        info = paper_info(venue, name=name or f"Paper exchange ({venue})")
        self.catalogue.register(info, replace_existing=venue in self._paper_venues)
        self._paper_venues[info.id] = endpoint
        return info

    def paper_endpoint(self, venue: str) -> PaperEndpoint | None:
        """The paper exchange a venue pointing at paper talks to: its own for a venue
        added by `add_paper_venue`, else the built-in one (None when there is none)."""
        return self._paper_venues.get(VenueId(venue), self.paper)

    # ---- sessions -------------------------------------------------------------------------
    async def connect(
        self,
        venue: str,
        mode: VenueMode | str | None = None,
        account: str = "default",
        *,
        credentials: Mapping[str, str] | None = None,
        options: SessionOptions | None = None,
        market: MarketType = MarketType.SPOT,
    ) -> VenueSession:
        """Connect (or return the connected) session; raises VenueError kinds on failure.

        `credentials` use ccxt's names (apiKey, secret, password, ...); the paper venue
        takes its keys from the paper endpoint when none are given. `market` PERP builds
        the venue's perpetual-futures session (a `FuturesSession`).
        """
        if self._closed:
            raise VenueUnavailableError("the exchange manager is closed")
        info = self.catalogue.get(venue)
        mode = VenueMode(mode) if mode is not None else info.default_mode()
        key = SessionKey(VenueId(info.id), mode, AccountLabel(account), market)
        existing = self._sessions.get(key)
        if existing is not None and existing.connected:
            return existing
        pending = self._connecting.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._connecting[key] = fut
        try:
            clock = self.clock
            policy = RequestPolicy(
                info.id, clock, config_for_venue(info.id, **self.policy_overrides)
            )
            if market is MarketType.PERP:
                from .futures_session import FuturesSession

                make: Callable[..., VenueSession] = FuturesSession
            else:
                make = self.session_factories.get(mode, VenueSession)
            session = make(
                info,
                mode,
                account,
                credentials=credentials,
                paper=self.paper_endpoint(info.id),
                clock=clock,
                policy=policy,
                health=self.health.tracker(key),
                options=options or self.session_options,
            )
            for secret in session.secrets:
                register_secret(secret)  # masked in every log line from now on
            await session.connect()
            self._sessions[key] = session
            self.feeds.attach(session)
            fut.set_result(session)
            return session
        except BaseException as exc:
            if not fut.done():
                fut.set_exception(exc)
                fut.exception()  # retrieved: a lone connect need not be awaited twice
            raise
        finally:
            self._connecting.pop(key, None)

    async def disconnect(
        self, venue: str, mode: VenueMode | str | None = None, account: str = "default"
    ) -> None:
        info = self.catalogue.get(venue)
        mode = VenueMode(mode) if mode is not None else info.default_mode()
        await self.disconnect_key(SessionKey(VenueId(info.id), mode, AccountLabel(account)))

    async def disconnect_key(self, key: SessionKey) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        await self.feeds.detach(key)
        await session.close()
        self.state.forget_session(key)

    def session(
        self, venue: str, mode: VenueMode | str | None = None, account: str = "default"
    ) -> VenueSession:
        """The connected session (an ExchangePort); VenueUnavailableError if none."""
        info = self.catalogue.get(venue)
        mode = VenueMode(mode) if mode is not None else info.default_mode()
        key = SessionKey(VenueId(info.id), mode, AccountLabel(account))
        session = self._sessions.get(key)
        if session is None or not session.connected:
            raise VenueUnavailableError(f"{key.label} is not connected", venue=info.id)
        return session

    def get(self, key: SessionKey) -> VenueSession | None:
        return self._sessions.get(key)

    def sessions(self) -> list[VenueSession]:
        return list(self._sessions.values())

    # ---- feeds -----------------------------------------------------------------------------------
    def subscribe(self, key: FeedKey) -> Subscription:
        return self.feeds.subscribe(key)

    def subscribe_private(self, session: SessionKey) -> list[Subscription]:
        return self.feeds.subscribe_private(session)

    def health_snapshot(self, key: SessionKey) -> VenueHealth | None:
        return self.health.snapshot(key)

    # ---- exit ------------------------------------------------------------------------------------
    async def close(self) -> None:
        """Disconnect every session and stop every loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for key in list(self._sessions):
            try:
                await self.disconnect_key(key)
            except Exception:  # shutting down: close the rest whatever happens
                log.exception("disconnecting %s failed", key.label)
        await self.feeds.close()

    async def __aenter__(self) -> ExchangeManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["ExchangeManager", "FeedKey", "FeedKind", "SessionKey", "feed_options_from_settings"]
