"""The emergency stop's flatten option: off by default, turned on from the Trading menu
and confirmed separately. While it is on, every stop engaged from the window is followed,
once its sweep has cancelled the open orders, by closing the positions of the perpetual
sessions in the stop's scope (the session, its venue, or one symbol) with reduce-only
market orders (`core.futures.flatten`): nothing it sends can open or add to a position.
What is still open afterwards is named in a notice, never hidden.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from terminal.core.futures.flatten import FlattenResult, flatten_positions
from terminal.core.futures.symbols import perpetual_of
from terminal.core.ports import JournalPort
from terminal.core.safety.stop import EmergencyStop
from terminal.core.supervision import TaskOwner
from terminal.domain.session import MarketType
from terminal.ui.main_window import MainWindow
from terminal.ui.wiring.safety import SafetyWiring

log = logging.getLogger(__name__)
Notify = Callable[[str, str], None]


class StopFlatten(QObject):
    def __init__(
        self,
        window: MainWindow,
        safety: SafetyWiring,
        stop: EmergencyStop,
        sessions: Callable[[], Sequence[Any]],
        journal: JournalPort | None,
        tasks: TaskOwner,
        notify: Notify,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.stop = stop
        self._sessions = sessions
        self._journal = journal
        self._tasks = tasks
        self._notify = notify
        self.question: QMessageBox | None = None
        self.results: list[FlattenResult] = []
        self.action = QAction("Emergency stop also flattens perpetual positions…", window)
        self.action.setObjectName("action_stop_flatten")
        self.action.setCheckable(True)
        self.action.setChecked(False)  # off by default, every run
        self.action.setToolTip(
            "After a stop cancelled the open orders, close the positions of the perpetual "
            "sessions it covers with reduce-only market orders"
        )
        self.action.triggered.connect(self._toggled)
        window.actions_by_id["stop_flatten"] = self.action
        anchor = window.actions_by_id["stop_symbol"]
        for owner in anchor.associatedObjects():
            if isinstance(owner, QMenu):
                actions = owner.actions()
                after = actions.index(anchor) + 1 if anchor in actions else len(actions)
                before = actions[after] if after < len(actions) else None
                if before is not None:
                    owner.insertAction(before, self.action)
                else:
                    owner.addAction(self.action)
        safety.sweep_finished.connect(self._after_sweep)

    @property
    def enabled(self) -> bool:
        return self.action.isChecked()

    # ---- the option ----------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if not on:
            self._notify("info", "Emergency stop: flatten off (the stop only cancels orders).")
            return
        self.action.setChecked(False)  # on only once the question is answered Yes
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Flatten positions on emergency stop")
        box.setText(
            "Turn flatten on? Every emergency stop will then also close the positions of "
            "the perpetual sessions it covers, at market."
        )
        box.setInformativeText(
            "The closes are reduce-only market orders: they never open a position, but "
            "they sell or buy at whatever the book offers."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(self._answered)
        self.question = box
        box.open()

    def _answered(self, result: int) -> None:
        self.question = None
        if result == int(QMessageBox.StandardButton.Yes):
            self.action.setChecked(True)
            self._notify("warning", "Emergency stop: flatten ON for this run.")

    # ---- after a stop's sweep ----------------------------------------------------------
    def _after_sweep(self, _result: object) -> None:
        if self.enabled and self.stop.engaged:
            self._tasks.spawn(self.flatten(), "emergency-flatten")

    async def flatten(self) -> list[FlattenResult]:
        """Close the positions in every engaged stop's scope, perpetual sessions only."""
        results: list[FlattenResult] = []
        targets = [s.target for s in self.stop.states]
        for session in self._sessions():
            key = session.key
            if key.market is MarketType.SPOT:
                continue
            covering = [t for t in targets if t.covers_session(key)]
            if not covering:
                continue
            symbols: list[str] | None = []
            for target in covering:
                if target.symbol is None:
                    symbols = None
                    break
                assert symbols is not None
                perp = perpetual_of(str(target.symbol), session.markets)
                symbols.append(str(perp or target.symbol))
            try:
                result = await flatten_positions(session, self._journal, symbols=symbols)
            except Exception as exc:  # a notice, never a traceback
                log.exception("flatten of %s failed", key.label)
                self._notify("error", f"Emergency stop: flatten of {key.label} failed: {exc}")
                continue
            results.append(result)
            self._notify("info" if result.ok else "error", f"Flatten: {result.summary()}")
        self.results = results
        return results
