"""Wiring of the testnet lock and the emergency stop to the toolbar switches.

Engaging the stop is synchronous (`EmergencyStop.engage` blocks the very next order
before it returns); the sweep that cancels open orders runs as an owned task and its
outcome per venue is shown as a notification. Unlock and reset go through non-modal
phrase dialogs; the core checks the phrase again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal.core.safety.lock import UnlockRefused, confirmation_phrase
from terminal.core.safety.state import SafetySnapshot, SafetyState
from terminal.core.safety.stop import RESET_PHRASE, ResetRefused
from terminal.core.safety.targets import StopScope, StopTarget
from terminal.core.supervision import TaskOwner
from terminal.domain.ids import Symbol
from terminal.domain.session import SessionKey
from terminal.ui.bridge import CoreBridge
from terminal.ui.main_window import MainWindow
from terminal.ui.safety_dialogs import ResetStopDialog, UnlockDialog

log = logging.getLogger(__name__)

Sweep = Callable[[], Awaitable[Any]]  # cancels every open order; returns the sweep's StopResult
LiveCandidates = Callable[[], list[tuple[str, str, str]]]  # (venue, account, display name)
Active = Callable[[], tuple[SessionKey | None, str | None]]  # the active session and symbol


class SafetyWiring(QObject):
    """Keeps the lock switch and stop button in step with `SafetyState`."""

    sweep_finished = Signal(object)  # StopResult (or the exception)

    def __init__(
        self,
        window: MainWindow,
        bridge: CoreBridge,
        tasks: TaskOwner,
        safety: SafetyState,
        sweep: Sweep,
        live_candidates: LiveCandidates,
        notify: Callable[[str, str], None],
        active: Active | None = None,
    ) -> None:
        super().__init__(window)
        self._active = active or (lambda: (None, None))
        self.window = window
        self.safety = safety
        self._tasks = tasks
        self._sweep = sweep
        self._live_candidates = live_candidates
        self._notify = notify
        self.unlock_dialog: UnlockDialog | None = None
        self.reset_dialog: ResetStopDialog | None = None
        self.last_sweep: Any = None
        bridge.safety.forward(lambda cb: safety.subscribe(cb, call_now=False))
        bridge.safety.connect(self.render)
        w = window
        w.lock_switch.unlock_requested.connect(self.ask_unlock)
        w.lock_switch.lock_requested.connect(self.lock)
        w.actions_by_id["lock"].triggered.connect(self.lock)
        w.actions_by_id["unlock"].triggered.connect(self.ask_unlock)
        w.stop_button.engage_requested.connect(self.engage)
        w.actions_by_id["emergency_stop"].triggered.connect(self.engage)
        w.actions_by_id["stop_venue"].triggered.connect(lambda: self.engage_active("venue"))
        w.actions_by_id["stop_session"].triggered.connect(lambda: self.engage_active("session"))
        w.actions_by_id["stop_symbol"].triggered.connect(lambda: self.engage_active("symbol"))
        w.stop_button.reset_requested.connect(self.ask_reset)
        w.actions_by_id["reset_stop"].triggered.connect(self.ask_reset)
        self.render(safety.snapshot())

    # ------------------------------------------------------------------ rendering
    def render(self, snap: SafetySnapshot) -> None:
        self.window.lock_switch.set_state(snap.lock.locked, snap.lock.unlocked)
        engaged = snap.stop.engaged
        self.window.stop_button.set_state(
            engaged is not None, engaged.describe() if engaged else "", loaded=snap.stop.loaded
        )
        self.window.actions_by_id["reset_stop"].setEnabled(engaged is not None)
        self.window.actions_by_id["lock"].setEnabled(not snap.lock.locked)

    # ------------------------------------------------------------------ lock
    def lock(self) -> None:
        self.safety.lock.lock()
        self._notify("info", "Testnet lock ON: live venues no longer accept orders.")

    def ask_unlock(self) -> UnlockDialog:
        if self.unlock_dialog is not None:
            self.unlock_dialog.raise_()
            return self.unlock_dialog
        dialog = UnlockDialog(self._live_candidates(), confirmation_phrase, self.window)
        dialog.unlock_confirmed.connect(self._unlock)
        dialog.connect_requested.connect(self.window.actions_by_id["connect"].trigger)
        dialog.destroyed.connect(lambda *_: setattr(self, "unlock_dialog", None))
        self.unlock_dialog = dialog
        dialog.show()
        return dialog

    def _unlock(self, venue: str, account: str, typed: str) -> None:
        try:
            self.safety.lock.unlock(venue, account, typed)
        except (UnlockRefused, ValueError) as exc:
            if self.unlock_dialog is not None:
                self.unlock_dialog.show_error(str(exc))
            return
        self._notify("warning", f"LIVE trading unlocked for {venue} / {account} (this run only).")
        if self.unlock_dialog is not None:
            self.unlock_dialog.close()

    # ------------------------------------------------------------------ stop
    def engage(self) -> None:
        """Block new orders now (synchronously), then cancel everything open."""
        self.safety.stop.engage(StopScope.ALL, "emergency stop from the terminal", source="ui")
        self._notify(
            "error",
            "EMERGENCY STOP engaged: new orders blocked; cancelling every "
            "open order on every connected venue…",
        )
        self._tasks.spawn(self._run_sweep(), "emergency-sweep")

    def engage_active(self, width: str) -> StopTarget | None:
        """A stop on the active venue, session or symbol (of the active session): only
        its orders are blocked and cancelled; other sessions keep trading."""
        session, symbol = self._active()
        if session is None or (width == "symbol" and not symbol):
            self._notify("warning", "Emergency stop: no active session to stop.")
            return None
        if width == "venue":
            target = StopTarget(venue=session.venue)
        elif width == "session":
            target = StopTarget(session=session)
        else:
            target = StopTarget(session=session, symbol=Symbol(str(symbol)))
        return self.engage_target(target)

    def engage_target(self, target: StopTarget) -> StopTarget:
        """Block new orders inside `target` now (synchronously), then cancel its open
        orders."""
        self.safety.stop.engage(
            StopScope.ALL, f"emergency stop on {target.label} from the terminal", "ui", target
        )
        self._notify(
            "error",
            f"EMERGENCY STOP engaged on {target.label}: new orders there blocked; "
            "cancelling its open orders…",
        )
        self._tasks.spawn(self._run_sweep(), "emergency-sweep")
        return target

    async def _run_sweep(self) -> None:
        try:
            result = await self._sweep()
        except Exception as exc:
            log.exception("Emergency stop sweep failed")
            self._notify("error", f"Emergency stop: cancelling failed: {exc}")
            self.sweep_finished.emit(exc)
            return
        self.last_sweep = result
        lines = "; ".join(result.lines()) if hasattr(result, "lines") else str(result)
        level = "warning" if getattr(result, "ok", True) else "error"
        self._notify(level, f"Emergency stop sweep: {lines}")
        self.sweep_finished.emit(result)

    def ask_reset(self) -> ResetStopDialog | None:
        state = self.safety.stop.state
        if state is None:
            return None
        if self.reset_dialog is not None:
            self.reset_dialog.raise_()
            return self.reset_dialog
        dialog = ResetStopDialog(state.describe(), RESET_PHRASE, self.window)
        dialog.confirmed.connect(self._reset)
        dialog.destroyed.connect(lambda *_: setattr(self, "reset_dialog", None))
        self.reset_dialog = dialog
        dialog.show()
        return dialog

    def _reset(self, typed: str) -> None:
        try:
            self.safety.stop.reset(typed, source="ui")
        except ResetRefused as exc:
            if self.reset_dialog is not None:
                self.reset_dialog.show_error(str(exc))
            return
        self._notify("info", "Emergency stop reset: order entry allowed again.")
        if self.reset_dialog is not None:
            self.reset_dialog.close()
