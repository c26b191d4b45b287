"""The red notice bar goes away when the market feeds it came with have recovered.

An error shown in the red bar while the active market's feeds were failing, or followed
by the feeds dropping (a socket lost, the venue restarted, a feed task that failed and
was restarted), is history once every feed of that market is live again: a red bar left
over a market that works tells the user something is still wrong. So the bar is cleared
when the feeds come back, and the error is kept where history is kept: the venue's
Health card (its last error, marked *recovered*), the Notifications panel (which got it
when it was shown) and the log.

A notice while the feeds stay live (nothing restarted) stays until the user closes it,
and switching to another market is not a recovery: only the same market's feeds going
down and live again clear the bar.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol


class NoticeWindow(Protocol):
    def notice_text(self) -> str: ...

    def clear_notice(self) -> None: ...


RecordError = Callable[[Any, str], None]  # (the market's session, text)

CLEARED = "error bar cleared when the feeds were live again: "


class NoticeRecovery:
    """Fed by the market frame with the active market and whether all its feeds are live;
    told by the window when a notice is shown (`notice_shown`)."""

    def __init__(self, window: NoticeWindow, record_error: RecordError | None = None) -> None:
        self._window = window
        self._record_error = record_error
        self._market: Hashable | None = None  # the market whose feeds are watched
        self._was_live = False  # that market's feeds were all live at some point
        self._outage = False  # ... and are not now (dropped, restarting)
        self._awaits_recovery = False  # the notice shown clears when they are live again
        self._live_versions: Hashable = ()  # their status versions when last seen all live

    def notice_shown(self, _text: str = "") -> None:
        self._awaits_recovery = self._outage

    def feeds(
        self,
        market: Hashable,
        live: bool,
        session: Hashable | None = None,
        versions: Hashable = (),
    ) -> None:
        """The active market's feeds as the frame sees them: `live` when every one is
        live, `versions` their status versions (a feed that dropped and came back
        between two frames shows the same status under a new version)."""
        if market != self._market:
            self._market, self._was_live, self._outage = market, False, False
        text = self._window.notice_text()
        if not live:
            if self._was_live:
                self._outage = True
                if text:
                    self._awaits_recovery = True
            return
        if self._was_live and versions != self._live_versions and text:
            self._awaits_recovery = True  # down and back up since the last look
        self._was_live, self._outage, self._live_versions = True, False, versions
        if self._awaits_recovery and text:
            self._awaits_recovery = False
            self._window.clear_notice()
            if self._record_error is not None and session is not None:
                self._record_error(session, CLEARED + text)
