"""Venues in the window: the selector, the per-venue status lights, the health panel.

Status lights and the health panel read each session's health tracker on the frame
timer: a snapshot is a few dozen numbers, so polling at 2 Hz costs nothing and a venue
that goes silent turns DEGRADED without anyone having to push an event.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from terminal.core.health import VenueState
from terminal.domain.enums import VenueMode
from terminal.ui.frame import FrameCounter
from terminal.ui.status import VenueLight

if TYPE_CHECKING:
    from terminal.ui.controller import TerminalController

log = logging.getLogger(__name__)

STATUS_PERIOD_S = 0.5
_LIGHT = {
    VenueState.LIVE: "live",
    VenueState.CONNECTING: "connecting",
    VenueState.DEGRADED: "stale",
    VenueState.DOWN: "down",
}


class VenueWiring:
    def __init__(self, controller: TerminalController) -> None:
        self.controller = controller
        self.window = controller.window
        self.frame = VenueFrame(self)
        self.sessions: dict[Any, Any] = {}  # SessionKey -> session (several per venue)
        health = getattr(controller.panels, "health", None)
        if health is not None and hasattr(health, "set_provider"):
            health.set_provider(self.health_snapshots)
        self.window.actions_by_id["reconnect"].triggered.connect(self.reconnect_active)

    # ------------------------------------------------------------------ sessions
    def session_connected(self, session: Any) -> None:
        self.sessions[session.key] = session
        self._refresh_selector()

    def session_disconnected(self, session: Any) -> None:
        self.sessions.pop(session.key, None)
        self._refresh_selector()

    def first_of(self, venue: str) -> Any:
        """The first connected session of `venue` (the one its name alone selects)."""
        return next((s for s in self.sessions.values() if str(s.venue) == venue), None)

    def _refresh_selector(self) -> None:
        items: dict[str, str] = {}
        for s in self.sessions.values():
            items.setdefault(str(s.venue), self.display_name(s))
        self.window.set_venues(list(items.items()) or [("paper", "Paper exchange")])

    @staticmethod
    def display_name(session: Any) -> str:
        name = session.info.name
        if str(session.account) != "default":
            name = f"{name} · {session.account}"
        if session.mode is VenueMode.SANDBOX:
            return f"{name} (testnet)"
        if session.mode is VenueMode.DEMO:
            return f"{name} (demo)"
        if session.mode is VenueMode.LIVE:
            return f"{name} (LIVE)"
        return name

    def activate(self, session: Any) -> None:
        self._refresh_selector()

    def symbols_for(self, session: Any, watchlist: list[str]) -> list[str]:
        """The watchlist first, then every other market of the venue, sorted."""
        markets = [str(s) for s in session.markets]
        first = [s for s in watchlist if s in session.markets]
        return first + sorted(s for s in markets if s not in first)

    def live_candidates(self) -> list[tuple[str, str, str]]:
        """Connected LIVE sessions the lock could be lifted for (venue, account, name)."""
        active = self.controller.venue
        live = [
            (str(s.venue), str(s.account), s.info.name)
            for s in self.sessions.values()
            if s.mode is VenueMode.LIVE
        ]
        return sorted(live, key=lambda c: c[0] != active)  # the active venue first

    # ------------------------------------------------------------------ health
    def health_snapshots(self) -> list[Any]:
        out = []
        for session in self.sessions.values():
            try:
                out.append(session.health.snapshot())
            except Exception:
                log.exception("health snapshot of %s failed", session.venue)
        return out

    def lights(self) -> list[VenueLight]:
        lights = []
        for snap, session in zip(self.health_snapshots(), self.sessions.values(), strict=False):
            detail = snap.detail
            if snap.latency_p50_ms is not None:
                detail += f"\nREST latency p50 {snap.latency_p50_ms:.0f} ms"
            lights.append(
                VenueLight(
                    str(session.venue),
                    self.display_name(session),
                    _LIGHT.get(snap.state, "down"),
                    detail,
                )
            )
        return lights

    def reconnect_active(self) -> None:
        c = self.controller
        if c.ready:
            c.tasks.spawn(self._reconnect(c.venue), "reconnect")

    async def _reconnect(self, venue: str) -> None:
        c = self.controller
        session = self.first_of(venue)
        if session is None:
            return
        mode, account = session.mode, str(session.account)
        await c.disconnect_venue(venue)
        await c.connect_venue(venue, mode, account)
        await c._activate(venue, c.symbol, c.timeframe)


class VenueFrame:
    """Updates the status-bar lights twice a second (not every frame)."""

    def __init__(self, wiring: VenueWiring) -> None:
        self.wiring = wiring
        self.frames = FrameCounter()
        self._next = 0.0

    def refresh(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + STATUS_PERIOD_S
        self.wiring.window.venue_status.set_lights(self.wiring.lights())
        return False
