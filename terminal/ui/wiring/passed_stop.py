"""Asks the user about each bracket whose stop was passed while the terminal was away.

The bracket keeper finds these cases when a session reconciles after a start
(`BracketKeeper.passed_stop`); each opens a `PassedStopDialog`, and only the user's
choice is carried out (`BracketKeeper.decide_passed`), never anything before it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from terminal.core.orders.bracket import BracketKeeper, PassedStop
from terminal.ui.panels.passed_stop_dialog import PassedStopDialog


class PassedStopWiring(QObject):
    def __init__(self, keeper: BracketKeeper, parent: QWidget, tasks: Any, notify: Any) -> None:
        super().__init__(parent)
        self.keeper = keeper
        self.parent_widget = parent
        self.tasks = tasks
        self.notify = notify
        self.dialogs: dict[str, PassedStopDialog] = {}
        self._remove = keeper.passed_stop.add(self.ask)
        for case in list(keeper.passed.values()):  # found before the window was ready
            self.ask(case)

    def ask(self, case: PassedStop) -> PassedStopDialog:
        old = self.dialogs.get(case.list_id)
        if old is not None and old.isVisible():
            return old
        dialog = PassedStopDialog(case, self.parent_widget)
        dialog.chosen.connect(self._chosen)
        self.dialogs[case.list_id] = dialog
        dialog.open()
        return dialog

    def _chosen(self, list_id: str, choice: str) -> None:
        self.dialogs.pop(list_id, None)
        self.tasks.spawn(self._decide(list_id, choice), f"passed-stop-{list_id}")

    async def _decide(self, list_id: str, choice: str) -> None:
        try:
            await self.keeper.decide_passed(list_id, choice)
        except Exception as exc:  # shown to the user; the order path logged the detail
            self.notify("error", f"Bracket {list_id}: {exc}")

    def close(self) -> None:
        self._remove()
