"""Venues in the window: the selector, the per-venue status lights, the health panel.

Status lights and the health panel read each session's health tracker on the frame
timer: a snapshot is a few dozen numbers, so polling at 2 Hz costs nothing and a venue
that goes silent turns DEGRADED without anyone having to push an event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from terminal.core.health import VenueState
from terminal.domain.enums import VenueMode
from terminal.ui.frame import FrameCounter
from terminal.ui.status import VenueLight

if TYPE_CHECKING:
    from terminal.ui.main_window import MainWindow

log = logging.getLogger(__name__)

STATUS_PERIOD_S = 0.5
_LIGHT = {
    VenueState.LIVE: "live",
    VenueState.CONNECTING: "connecting",
    VenueState.DEGRADED: "stale",
    VenueState.DOWN: "down",
}


def display_name(session: Any) -> str:
    """The venue's name as the selector and the notices show it (account, environment)."""
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


class VenueWiring:
    """`active_venue` names the active venue; `health` is the health panel (or None)."""

    def __init__(self, window: MainWindow, health: Any, active_venue: Callable[[], str]) -> None:
        self.window = window
        self.active_venue = active_venue
        self.frame = VenueFrame(self)
        self.sessions: dict[Any, Any] = {}  # SessionKey -> session (several per venue)
        if health is not None:
            health.set_provider(self.health_snapshots)

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

    display_name = staticmethod(display_name)

    def activate(self, session: Any) -> None:
        self._refresh_selector()

    def symbols_for(self, session: Any, watchlist: list[str]) -> list[str]:
        """The watchlist first, then every other market of the venue, sorted."""
        markets = [str(s) for s in session.markets]
        first = [s for s in watchlist if s in session.markets]
        return first + sorted(s for s in markets if s not in first)

    def live_candidates(self) -> list[tuple[str, str, str]]:
        """Connected LIVE sessions the lock could be lifted for (venue, account, name)."""
        active = self.active_venue()
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
