"""The two always-visible safety controls: the testnet-lock switch and the stop button.

Views only: they show a state handed to them and emit what the user asked for; the
wiring (`terminal.ui.wiring.safety`) talks to the testnet lock and the emergency stop.
Their confirmation dialogs are in `terminal.ui.safety_dialogs` (not needed for the
window's first paint).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from terminal.ui.theme import icon, repolish


class LockSwitch(QToolButton):
    """Green TESTNET while locked; red LIVE naming what is unlocked. One click acts.

    Locked: a click asks to unlock (opens the confirmation dialog). Unlocked: a click
    locks again at once, without a question: making things safer needs no confirmation.
    """

    unlock_requested = Signal()
    lock_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockSwitch")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._locked = True
        self._unlocked: tuple[tuple[str, str], ...] = ()
        self.clicked.connect(self._on_click)
        self.set_state(True, ())

    @property
    def locked(self) -> bool:
        return self._locked

    def set_state(self, locked: bool, unlocked: tuple[tuple[str, str], ...]) -> None:
        self._locked, self._unlocked = locked, tuple(unlocked)
        if locked:
            self.setText("TESTNET")
            self.setIcon(icon("lock"))
            self.setToolTip("Testnet lock ON: only paper and testnet venues accept orders.\n"
                            "Click to unlock live trading for one venue and account.")
        else:
            names = ", ".join(f"{v}/{a}" for v, a in self._unlocked)
            self.setText(f"LIVE: {names}")
            self.setIcon(icon("unlock"))
            self.setToolTip(f"Live orders are UNLOCKED for {names} (this run only).\n"
                            "Click to lock again.")
        self.setProperty("live", "false" if locked else "true")
        repolish(self)

    def _on_click(self) -> None:
        (self.unlock_requested if self._locked else self.lock_requested).emit()


class EmergencyStopButton(QToolButton):
    """Large red STOP; when engaged it says so and a click asks to reset."""

    engage_requested = Signal()
    reset_requested = Signal()

    def __init__(self, hotkey_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emergencyStop")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIcon(icon("stop"))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(30)
        self._hotkey = hotkey_text
        self._engaged = False
        self.clicked.connect(self._on_click)
        self.set_state(False, "", loaded=False)

    @property
    def engaged(self) -> bool:
        return self._engaged

    def set_state(self, engaged: bool, description: str, *, loaded: bool = True) -> None:
        self._engaged = engaged
        if engaged:
            self.setText("STOP ENGAGED")
            self.setToolTip(f"{description}\nClick to reset (asks for confirmation).")
        else:
            self.setText(f"EMERGENCY STOP ({self._hotkey})")
            extra = "" if loaded else "\n(Reading the stop state from the journal...)"
            self.setToolTip("Blocks every new order at once and cancels every open order on "
                            f"every connected venue. Hotkey {self._hotkey}.{extra}")
        self.setProperty("engaged", "true" if engaged else "false")
        repolish(self)

    def _on_click(self) -> None:
        (self.reset_requested if self._engaged else self.engage_requested).emit()
