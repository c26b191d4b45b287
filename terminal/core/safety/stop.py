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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from terminal.core.callbacks import Callbacks
from terminal.core.ports import ExchangePort, JournalPort
from terminal.core.safety.events import (
    STOP_ENGAGED,
    STOP_RESET,
    STOP_STATE_KINDS,
    SafetyJournalWriter,
    utc_now,
)
from terminal.core.safety.targets import EVERYTHING, StopScope, StopTarget
from terminal.domain.ids import Symbol
from terminal.domain.session import SessionKey

if TYPE_CHECKING:
    from terminal.core.safety.sweep import ReportSink
    from terminal.core.safety.sweep_results import StopResult

log = logging.getLogger(__name__)

RESET_PHRASE = "RESET STOP"


class ResetRefused(Exception):
    """Reset was asked without the confirmation; the stop stays engaged."""


@dataclass(frozen=True)
class StopState:
    """An engaged stop: when, why, how wide (which orders, where)."""

    scope: StopScope
    reason: str
    engaged_at: datetime
    source: str = "local"  # "ui", "cli", "journal" (restored at start-up), ...
    target: StopTarget = EVERYTHING

    def describe(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        where = "" if self.target.is_all else f" on {self.target.label}"
        blocked = "New orders are blocked" + ("" if self.target.is_all else " there")
        return (
            f"Emergency stop ENGAGED{where} since {self.engaged_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(scope {self.scope.value}){why}. {blocked} until it is reset."
        )

    def to_details(self) -> dict[str, Any]:
        return {
            "scope": self.scope.value,
            "reason": self.reason,
            "source": self.source,
            "engaged_at": self.engaged_at.isoformat(),
            "target": self.target.to_details(),
        }


@dataclass(frozen=True)
class StopSnapshot:
    loaded: bool
    engaged: StopState | None  # the first engaged stop (see `stops` for every one)
    stops: tuple[StopState, ...] = ()

    @property
    def label(self) -> str:
        if not self.loaded:
            return "LOADING"
        if not self.engaged:
            return "OFF"
        if all(not s.target.is_all for s in self.stops):
            return "ENGAGED (" + ", ".join(s.target.label for s in self.stops) + ")"
        return "ENGAGED"


class EmergencyStop:
    """Engage / reset / restore of the stop; the sweep is delegated to `StopSweeper`.

    Several stops can be engaged at once, each on its own target (everything, one
    venue, one session, one symbol); an order is blocked when any of them covers it.
    """

    def __init__(self, writer: SafetyJournalWriter | None = None) -> None:
        self._writer = writer or SafetyJournalWriter(None)
        self._loaded = False
        self._states: list[StopState] = []
        self.changed: Callbacks[StopSnapshot] = Callbacks("emergency stop")

    # ---- queries ----------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def engaged(self) -> bool:
        return bool(self._states)

    @property
    def state(self) -> StopState | None:
        """The first engaged stop, or None."""
        return self._states[0] if self._states else None

    @property
    def states(self) -> tuple[StopState, ...]:
        return tuple(self._states)

    def snapshot(self) -> StopSnapshot:
        return StopSnapshot(self._loaded, self.state, tuple(self._states))

    def covering(self, session: SessionKey, symbol: Symbol | str | None = None) -> StopState | None:
        """The engaged stop that covers an order of `session` on `symbol`, if any."""
        for state in self._states:
            if state.target.covers(session, symbol):
                return state
        return None

    def submissions_blocked(
        self, session: SessionKey | None = None, symbol: Symbol | str | None = None
    ) -> str | None:
        """The reason no order may be sent, or None. Synchronous and cheap.

        With a session (and symbol), only a stop covering them blocks; without one, any
        engaged stop does (the caller cannot say where the order goes: fail closed)."""
        if not self._loaded and not self._states:
            return (
                "Emergency stop state not loaded from the journal yet; order entry "
                "opens once it is known that the stop is not engaged."
            )
        if session is None:
            return self._states[0].describe() if self._states else None
        state = self.covering(session, symbol)
        return state.describe() if state is not None else None

    # ---- start-up ---------------------------------------------------------------
    async def load(self, journal: JournalPort | None = None) -> StopSnapshot:
        """Read the newest engaged/reset event; engaged stops stay engaged.

        Without a journal (pure tests, a throwaway session) the stop starts off.
        If reading fails the stop stays unloaded, i.e. blocking: fail closed.
        """
        journal = journal if journal is not None else self._writer.journal
        latest = None
        if journal is not None:
            latest = await journal.latest_safety_event(list(STOP_STATE_KINDS))
        if latest is not None and latest[0] == STOP_ENGAGED and not self._states:
            _kind, details, at = latest
            engaged = details.get("engaged")
            rows = engaged if isinstance(engaged, list) and engaged else [details]
            self._states = [_state_from_details(row, at) for row in rows]
            log.warning("emergency stop is still engaged from %s", at.isoformat())
        self._loaded = True
        self._notify()
        return self.snapshot()

    # ---- changes ----------------------------------------------------------------
    def engage(
        self,
        scope: StopScope | str = StopScope.ALL,
        reason: str = "",
        source: str = "local",
        target: StopTarget = EVERYTHING,
    ) -> StopState:
        """Block new orders inside `target` now (before this returns); journal it.

        A stop already engaged on a target that contains this one is kept (widened to
        scope ALL if asked); otherwise this target is engaged beside the others. The
        caller still runs a sweep to cancel orders.
        """
        scope = StopScope(scope)
        for i, current in enumerate(self._states):
            if current.target.contains(target):
                if current.scope is StopScope.TERMINAL and scope is StopScope.ALL:
                    self._states[i] = replace(
                        current, scope=scope, reason=reason or current.reason, source=source
                    )
                    self._record_engaged(self._states[i])
                    self._notify()
                return self._states[i]
        state = StopState(scope, reason, utc_now(), source, target)
        self._states.append(state)
        log.warning("EMERGENCY STOP engaged on %s (scope %s) %s", target, scope.value, reason)
        self._record_engaged(state)
        self._notify()
        return state

    def reset(
        self,
        typed_phrase: str | None = None,
        *,
        confirmed: bool = False,
        source: str = "local",
        target: StopTarget | None = None,
    ) -> None:
        """Lift the stop (every one, or only the one engaged on `target`). Needs
        `typed_phrase == RESET_PHRASE` or `confirmed=True`."""
        ok = confirmed is True or (
            isinstance(typed_phrase, str) and typed_phrase.strip() == RESET_PHRASE
        )
        if not ok:
            raise ResetRefused(f"reset not confirmed; type exactly: {RESET_PHRASE}")
        if not self._states and self._loaded:
            return
        lifted = (
            list(self._states)
            if target is None
            else [s for s in self._states if s.target == target]
        )
        self._states = [s for s in self._states if s not in lifted]
        self._loaded = True  # an explicit reset is knowledge of the state
        if self._states:  # the others stay engaged: the newest event says which
            log.warning("emergency stop on %s reset; others stay engaged", target)
            self._record_engaged(self._states[0], lifted=target)
            self._notify()
            return
        details: dict[str, Any] = {"source": source}
        if lifted:
            details["engaged_at"] = lifted[0].engaged_at.isoformat()
        log.warning("emergency stop reset")
        self._writer.record(STOP_RESET, details)
        self._notify()

    async def sweep(
        self,
        sessions: Iterable[ExchangePort],
        journal: JournalPort | None = None,
        *,
        scope: StopScope | None = None,
        target: StopTarget | None = None,
        report_sink: ReportSink | None = None,
        settle_timeout: float = 10.0,
    ) -> StopResult:
        """Cancel open orders, concurrently, on every session an engaged stop covers
        (only `target`'s when given), within that stop's symbol (see StopSweeper)."""
        from terminal.core.safety.sweep import StopSweeper
        from terminal.core.safety.sweep_results import SweepPlan

        if not self._states:
            raise RuntimeError("sweep() without an engaged stop: call engage() first")
        await self._writer.flush()
        states = (
            [s for s in self._states if target.contains(s.target)]
            if target is not None
            else list(self._states)
        )
        if target is not None and not states:
            states = [StopState(scope or StopScope.ALL, "", utc_now(), "sweep", target)]
        plans = []
        for session in sessions:
            covering = [s for s in states if s.target.covers_session(session.key)]
            if not covering:
                continue
            symbols = (
                None
                if any(s.target.symbol is None for s in covering)
                else frozenset(str(s.target.symbol) for s in covering)
            )
            widest = (
                StopScope.ALL
                if any(s.scope is StopScope.ALL for s in covering)
                else StopScope.TERMINAL
            )
            plans.append(SweepPlan(session, scope or widest, symbols))
        sweeper = StopSweeper(
            journal if journal is not None else self._writer.journal,
            report_sink=report_sink,
            settle_timeout=settle_timeout,
            engaged=lambda: bool(self._states),
        )
        result = await sweeper.sweep_plans(
            plans, scope or states[0].scope, [s.target for s in states]
        )
        self._writer.record(result.journal_kind, result.journal_details())
        await self._writer.flush()
        return result

    async def engage_and_sweep(
        self,
        sessions: Sequence[ExchangePort],
        scope: StopScope | str = StopScope.ALL,
        reason: str = "",
        source: str = "local",
        target: StopTarget = EVERYTHING,
        **kw: Any,
    ) -> StopResult:
        """engage() (synchronously, before the first await) then sweep() of that target."""
        self.engage(scope, reason, source, target)
        return await self.sweep(sessions, target=target, **kw)

    # ---- listeners ----------------------------------------------------------------
    def subscribe(self, listener: Callable[[StopSnapshot], None]) -> Callable[[], None]:
        return self.changed.add(listener)

    def _notify(self) -> None:
        self.changed.emit(self.snapshot())

    def _record_engaged(self, state: StopState, lifted: StopTarget | None = None) -> None:
        """One STOP_ENGAGED row: `state`'s fields, plus every stop now engaged (what a
        restart restores) and the target just lifted, if any."""
        details = state.to_details()
        details["engaged"] = [s.to_details() for s in self._states]
        if lifted is not None:
            details["lifted"] = lifted.to_details()
        self._writer.record(STOP_ENGAGED, details)


def _state_from_details(details: Any, at: datetime) -> StopState:
    """A stop restored from the journal; an unreadable scope or target widens."""
    if not isinstance(details, dict):
        return StopState(StopScope.ALL, "", at, "journal")
    try:
        scope = StopScope(str(details.get("scope", StopScope.ALL.value)))
    except ValueError:
        scope = StopScope.ALL
    engaged_at = at
    try:
        if details.get("engaged_at"):
            engaged_at = datetime.fromisoformat(str(details["engaged_at"]))
    except ValueError:
        pass
    target = StopTarget.from_details(details.get("target"))
    return StopState(scope, str(details.get("reason", "")), engaged_at, "journal", target)
