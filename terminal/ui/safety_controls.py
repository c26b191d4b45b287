"""The two always-visible safety controls: the testnet-lock switch and the stop button.

Views only: they show a state handed to them and emit what the user asked for; the
wiring (`terminal.ui.wiring.safety`) talks to the testnet lock and the emergency stop.
Their confirmation dialogs are in `terminal.ui.safety_dialogs` (not needed for the
window's first paint).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from terminal.ui.theme import icon, repolish

ENGAGED_TEXT = "STOP ENGAGED"
ICON_PX = 16
ICON_GAP_PX = 6  # between the icon and the text: a style sheet has no property for it


def spaced_icon(name: str, size: int = ICON_PX, gap: int = ICON_GAP_PX) -> tuple[QIcon, QSize]:
    """The theme icon `name` with `gap` transparent pixels on its right, and the icon
    size to set: a tool button draws its text right after the icon ("⊖EMERGENCY")."""
    app = QGuiApplication.instance()
    dpr = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    canvas = QPixmap(int((size + gap) * dpr), int(size * dpr))
    canvas.setDevicePixelRatio(dpr)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, icon(name).pixmap(QSize(size, size), dpr))
    painter.end()
    return QIcon(canvas), QSize(size + gap, size)


def _set_spaced_icon(button: QToolButton, name: str) -> None:
    spaced, size = spaced_icon(name)
    button.setIconSize(size)
    button.setIcon(spaced)


class LockSwitch(QToolButton):
    """Green TESTNET while locked; red LIVE naming what is unlocked. One click acts.

    Locked: a click asks to unlock (opens the confirmation dialog). Unlocked: a click
    locks again at once, without a question: making things safer needs no confirmation.
    Long venue/account names are elided ("LIVE: binance/my-acc…"), shorter still in a
    narrow window (`set_compact`); the tooltip names them all.
    """

    unlock_requested = Signal()
    lock_requested = Signal()
    MAX_TEXT_PX = 260  # the text's width at most: the window's minimum width includes it
    COMPACT_TEXT_PX = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockSwitch")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._locked = True
        self._unlocked: tuple[tuple[str, str], ...] = ()
        self._compact = False
        self._full_text = ""
        self.clicked.connect(self._on_click)
        self.set_state(True, ())

    @property
    def locked(self) -> bool:
        return self._locked

    def set_state(self, locked: bool, unlocked: tuple[tuple[str, str], ...]) -> None:
        self._locked, self._unlocked = locked, tuple(unlocked)
        if locked:
            self._set_full_text("TESTNET")
            _set_spaced_icon(self, "lock")
            self.setToolTip(
                "Testnet lock ON: only paper and testnet venues accept orders.\n"
                "Click to unlock live trading for one venue and account."
            )
        else:
            names = ", ".join(f"{v}/{a}" for v, a in self._unlocked)
            self._set_full_text(f"LIVE: {names}")
            _set_spaced_icon(self, "unlock")
            self.setToolTip(
                f"Live orders are UNLOCKED for {names} (this run only).\nClick to lock again."
            )
        self.setProperty("live", "false" if locked else "true")
        repolish(self)

    @property
    def full_text(self) -> str:
        """The text before eliding."""
        return self._full_text

    def set_compact(self, compact: bool) -> None:
        if compact != self._compact:
            self._compact = compact
            self._set_full_text(self._full_text)

    def _elided(self, limit: int) -> str:
        self.ensurePolished()
        return self.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight, limit)

    def _set_full_text(self, text: str) -> None:
        self._full_text = text
        shown = self._elided(self.COMPACT_TEXT_PX if self._compact else self.MAX_TEXT_PX)
        if shown != self.text():
            self.setText(shown)

    def width_for(self, text: str) -> int:
        """The switch's width with `text` (icon, padding and border as now)."""
        self.ensurePolished()
        fm = self.fontMetrics()
        return (
            self.sizeHint().width() - fm.horizontalAdvance(self.text()) + fm.horizontalAdvance(text)
        )

    def compact_width(self) -> int:
        return self.width_for(self._elided(self.COMPACT_TEXT_PX))

    def full_width(self) -> int:
        return self.width_for(self._elided(self.MAX_TEXT_PX))

    def _on_click(self) -> None:
        (self.unlock_requested if self._locked else self.lock_requested).emit()


class EmergencyStopButton(QToolButton):
    """Large red STOP; when engaged it says so and a click asks to reset.

    `set_compact(True)` (a narrow window) shortens the idle text to "STOP (F12)"; the
    button keeps its height, colour and hotkey. `compact_width()` is what the narrow form
    needs at most (idle or engaged), so the toolbar can reserve it.
    """

    engage_requested = Signal()
    reset_requested = Signal()

    def __init__(self, hotkey_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emergencyStop")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        _set_spaced_icon(self, "stop")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(30)
        self._hotkey = hotkey_text
        self._engaged = False
        self._compact = False
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.clicked.connect(self._on_click)
        self.set_state(False, "", loaded=False)

    @property
    def engaged(self) -> bool:
        return self._engaged

    @property
    def compact(self) -> bool:
        return self._compact

    def _idle_text(self, compact: bool) -> str:
        return f"STOP ({self._hotkey})" if compact else f"EMERGENCY STOP ({self._hotkey})"

    def set_hotkey(self, hotkey_text: str) -> None:
        """The key the user bound to the stop (Settings > Hotkeys), shown on the button."""
        if hotkey_text != self._hotkey:
            self._hotkey = hotkey_text
            if not self._engaged:
                self.setText(self._idle_text(self._compact))

    def set_compact(self, compact: bool) -> None:
        if compact != self._compact:
            self._compact = compact
            if not self._engaged:
                self.setText(self._idle_text(compact))

    def width_for(self, text: str) -> int:
        """The button's width with `text` (icon, padding and border as now)."""
        self.ensurePolished()
        fm = self.fontMetrics()
        return (
            self.sizeHint().width() - fm.horizontalAdvance(self.text()) + fm.horizontalAdvance(text)
        )

    def compact_width(self) -> int:
        return max(self.width_for(self._idle_text(True)), self.width_for(ENGAGED_TEXT))

    def full_width(self) -> int:
        return max(self.width_for(self._idle_text(False)), self.width_for(ENGAGED_TEXT))

    def set_state(self, engaged: bool, description: str, *, loaded: bool = True) -> None:
        self._engaged = engaged
        if engaged:
            self.setText(ENGAGED_TEXT)
            self.setToolTip(f"{description}\nClick to reset (asks for confirmation).")
        else:
            self.setText(self._idle_text(self._compact))
            extra = "" if loaded else "\n(Reading the stop state from the journal...)"
            self.setToolTip(
                "Blocks every new order at once and cancels every open order on "
                f"every connected venue. Hotkey {self._hotkey}.{extra}"
            )
        self.setProperty("engaged", "true" if engaged else "false")
        repolish(self)

    def _on_click(self) -> None:
        (self.reset_requested if self._engaged else self.engage_requested).emit()
