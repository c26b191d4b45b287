"""The emergency stop: one switch that blocks every new order at once and stays engaged.

`engage()` is synchronous on purpose: it flips the block before returning, so the very
next `submissions_blocked()` (the first thing the order service asks, before any await)
refuses. Cancelling what is open is the async half (`sweep`, in sweep.py). The state is
journaled; an engaged stop is found engaged again at the next start (`load`) until it is
reset with an explicit confirmation. Until `load()` has read the journal the stop
answers "state not loaded" and blocks too: a start-up must not trade before it knows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from terminal.core.ports import ExchangePort, JournalPort
from terminal.core.safety.events import (
    STOP_ENGAGED,
    STOP_RESET,
    STOP_STATE_KINDS,
    SafetyJournalWriter,
    utc_now,
)

if TYPE_CHECKING:
    from terminal.core.safety.sweep import ReportSink, StopResult

log = logging.getLogger(__name__)

RESET_PHRASE = "RESET STOP"


class StopScope(str, Enum):
    ALL = "all"  # every open order of the account on each connected venue
    TERMINAL = "terminal"  # only orders this terminal placed (journal-known, not external)


class ResetRefused(Exception):
    """Reset was asked without the confirmation; the stop stays engaged."""


@dataclass(frozen=True)
class StopState:
    """An engaged stop: when, why, how wide."""

    scope: StopScope
    reason: str
    engaged_at: datetime
    source: str = "local"  # "ui", "cli", "journal" (restored at start-up), ...

    def describe(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        return (
            f"Emergency stop ENGAGED since {self.engaged_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(scope {self.scope.value}){why}. New orders are blocked until it is reset."
        )


@dataclass(frozen=True)
class StopSnapshot:
    loaded: bool
    engaged: StopState | None

    @property
    def label(self) -> str:
        if not self.loaded:
            return "LOADING"
        return "ENGAGED" if self.engaged else "OFF"


class EmergencyStop:
    """Engage / reset / restore of the stop; the sweep is delegated to `StopSweeper`."""

    def __init__(self, writer: SafetyJournalWriter | None = None) -> None:
        self._writer = writer or SafetyJournalWriter(None)
        self._loaded = False
        self._state: StopState | None = None
        self._listeners: list[Callable[[StopSnapshot], None]] = []

    # ---- queries ----------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def engaged(self) -> bool:
        return self._state is not None

    @property
    def state(self) -> StopState | None:
        return self._state

    def snapshot(self) -> StopSnapshot:
        return StopSnapshot(self._loaded, self._state)

    def submissions_blocked(self) -> str | None:
        """The reason no order may be sent, or None. Synchronous and cheap."""
        if self._state is not None:
            return self._state.describe()
        if not self._loaded:
            return (
                "Emergency stop state not loaded from the journal yet; order entry "
                "opens once it is known that the stop is not engaged."
            )
        return None

    # ---- start-up ---------------------------------------------------------------
    async def load(self, journal: JournalPort | None = None) -> StopSnapshot:
        """Read the newest engaged/reset event; an engaged stop stays engaged.

        Without a journal (pure tests, a throwaway session) the stop starts off.
        If reading fails the stop stays unloaded, i.e. blocking: fail closed.
        """
        journal = journal if journal is not None else self._writer.journal
        latest = None
        if journal is not None:
            latest = await journal.latest_safety_event(list(STOP_STATE_KINDS))
        if latest is not None and latest[0] == STOP_ENGAGED and self._state is None:
            kind, details, at = latest
            try:
                scope = StopScope(str(details.get("scope", StopScope.ALL.value)))
            except ValueError:
                scope = StopScope.ALL
            self._state = StopState(scope, str(details.get("reason", "")), at, "journal")
            log.warning("emergency stop is still engaged from %s", at.isoformat())
        self._loaded = True
        self._notify()
        return self.snapshot()

    # ---- changes ----------------------------------------------------------------
    def engage(
        self, scope: StopScope | str = StopScope.ALL, reason: str = "", source: str = "local"
    ) -> StopState:
        """Block all new order submission now (before this returns); journal it.

        Engaging an engaged stop keeps the first engagement (and its wider scope if
        the new one is narrower); the caller still runs a sweep to cancel orders.
        """
        scope = StopScope(scope)
        current = self._state
        if current is not None:
            if current.scope is StopScope.TERMINAL and scope is StopScope.ALL:
                self._state = StopState(scope, reason or current.reason, current.engaged_at, source)
                self._writer.record(STOP_ENGAGED, self._details(self._state))
                self._notify()
            return self._state
        self._state = StopState(scope, reason, utc_now(), source)
        log.warning("EMERGENCY STOP engaged (scope %s) %s", scope.value, reason)
        self._writer.record(STOP_ENGAGED, self._details(self._state))
        self._notify()
        return self._state

    def reset(
        self, typed_phrase: str | None = None, *, confirmed: bool = False, source: str = "local"
    ) -> None:
        """Lift the stop. Needs `typed_phrase == RESET_PHRASE` or `confirmed=True`."""
        ok = confirmed is True or (
            isinstance(typed_phrase, str) and typed_phrase.strip() == RESET_PHRASE
        )
        if not ok:
            raise ResetRefused(f"reset not confirmed; type exactly: {RESET_PHRASE}")
        if self._state is None and self._loaded:
            return
        previous = self._state
        self._state = None
        self._loaded = True  # an explicit reset is knowledge of the state
        details = {"source": source}
        if previous is not None:
            details["engaged_at"] = previous.engaged_at.isoformat()
        log.warning("emergency stop reset")
        self._writer.record(STOP_RESET, details)
        self._notify()

    async def sweep(
        self,
        sessions: Iterable[ExchangePort],
        journal: JournalPort | None = None,
        *,
        scope: StopScope | None = None,
        report_sink: "ReportSink | None" = None,
        settle_timeout: float = 10.0,
    ) -> "StopResult":
        """Cancel open orders on every session concurrently (see StopSweeper)."""
        from terminal.core.safety.sweep import StopSweeper

        if self._state is None:
            raise RuntimeError("sweep() without an engaged stop: call engage() first")
        await self._writer.flush()
        sweeper = StopSweeper(
            journal if journal is not None else self._writer.journal,
            report_sink=report_sink,
            settle_timeout=settle_timeout,
            engaged=lambda: self._state is not None,
        )
        result = await sweeper.sweep(list(sessions), scope or self._state.scope)
        self._writer.record(result.journal_kind, result.journal_details())
        await self._writer.flush()
        return result

    async def engage_and_sweep(
        self,
        sessions: Sequence[ExchangePort],
        scope: StopScope | str = StopScope.ALL,
        reason: str = "",
        source: str = "local",
        **kw: object,
    ) -> "StopResult":
        """engage() (synchronously, before the first await) then sweep()."""
        self.engage(scope, reason, source)
        return await self.sweep(sessions, **kw)  # type: ignore[arg-type]

    # ---- listeners ----------------------------------------------------------------
    def subscribe(self, listener: Callable[[StopSnapshot], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self) -> None:
        snap = self.snapshot()
        for listener in list(self._listeners):
            try:
                listener(snap)
            except Exception:
                log.exception("emergency stop listener failed")

    @staticmethod
    def _details(state: StopState) -> dict[str, str]:
        return {
            "scope": state.scope.value,
            "reason": state.reason,
            "source": state.source,
            "engaged_at": state.engaged_at.isoformat(),
        }
