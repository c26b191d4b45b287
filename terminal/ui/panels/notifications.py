"""In-window toast notifications for fills, rejections and errors.

Non-modal: toasts are child frames floating over the bottom-right corner of a host
widget (the main window), stacked, hidden after a timeout or a click, never taking
focus. A `key` (e.g. the client order id) makes a newer toast replace an older one, so
a burst of partial fills of one order shows one toast, not fifty. Sound is optional
(QApplication.beep: PySide6-Essentials has no QtMultimedia).
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QVBoxLayout, QWidget

from terminal.domain.market import MarketRules

from ._style import AMBER, BUY, ERROR, MUTED, SELL
from .precision import amount_text, price_text

KIND_COLOURS = {
    "fill": BUY,
    "fill_sell": SELL,
    "rejected": ERROR,
    "error": ERROR,
    "warning": AMBER,
    "info": MUTED,
}
MARGIN = 12
SPACING = 6
WIDTH = 320


class Toast(QFrame):
    """One notification; clicking it dismisses it."""

    dismissed = Signal(object)

    def __init__(
        self, host: QWidget, title: str, text: str, kind: str, key: Hashable | None, timeout_ms: int
    ) -> None:
        super().__init__(host)
        self.key = key
        self.kind = kind
        self.setObjectName("Toast")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        colour = KIND_COLOURS.get(kind, MUTED)
        self.setStyleSheet(
            "QFrame#Toast { background: #2b3139; border: 1px solid #474d57;"
            f" border-left: 4px solid {colour}; border-radius: 3px; }}"
            "QLabel { background: transparent; border: none; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        self.title_label = QLabel(title)
        self.title_label.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.text_label.setStyleSheet("color: #eaecef;")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        self.setFixedWidth(WIDTH)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.dismiss)
        if timeout_ms > 0:
            self.timer.start(timeout_ms)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.dismiss()
        event.accept()

    def dismiss(self) -> None:
        self.timer.stop()
        self.hide()
        self.dismissed.emit(self)


class ToastHost(QObject):
    """Shows toasts over `host`. Keep one per main window."""

    def __init__(
        self,
        host: QWidget,
        *,
        max_toasts: int = 5,
        timeout_ms: int = 6000,
        error_timeout_ms: int = 12000,
        sound: bool = False,
    ) -> None:
        super().__init__(host)
        self._host = host
        self.max_toasts = max_toasts
        self.timeout_ms = timeout_ms
        self.error_timeout_ms = error_timeout_ms
        self.sound = sound
        self._toasts: list[Toast] = []  # oldest first
        host.installEventFilter(self)

    @property
    def toasts(self) -> list[Toast]:
        return [t for t in self._toasts if not t.isHidden()]

    def set_sound(self, enabled: bool) -> None:
        self.sound = enabled

    def notify(
        self,
        title: str,
        text: str = "",
        kind: str = "info",
        *,
        key: Hashable | None = None,
        timeout_ms: int | None = None,
    ) -> Toast:
        """Show a toast; one with the same `key` is replaced."""
        if key is not None:
            for old in list(self._toasts):
                if old.key == key:
                    self._remove(old)
        if timeout_ms is None:
            timeout_ms = self.error_timeout_ms if kind in ("rejected", "error") else self.timeout_ms
        toast = Toast(self._host, title, text, kind, key, timeout_ms)
        toast.dismissed.connect(self._remove)
        self._toasts.append(toast)
        while len(self._toasts) > self.max_toasts:
            self._remove(self._toasts[0])
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._layout()
        if self.sound and kind in ("fill", "fill_sell", "rejected", "error"):
            QApplication.beep()
        return toast

    def notify_fill(
        self,
        venue: str,
        symbol: str,
        side: str,
        amount: Decimal,
        price: Decimal,
        *,
        filled: Decimal | None = None,
        total: Decimal | None = None,
        key: Hashable | None = None,
        rules: MarketRules | None = None,
    ) -> Toast:
        """'Bought 0.50000 BTC at 97000.00 on paper'; with filled/total for a partial
        fill. Amounts and the price at the market's precision when `rules` are given."""
        base = symbol.split("/")[0]
        verb = "Bought" if side.lower() == "buy" else "Sold"
        text = (
            f"{verb} {amount_text(rules, amount)} {base} at {price_text(rules, price)} on {venue}"
        )
        if filled is not None and total is not None and filled < total:
            text += f"\n{amount_text(rules, filled)} of {amount_text(rules, total)} filled"
            title = f"Partial fill · {symbol}"
        else:
            title = f"Filled · {symbol}"
        kind = "fill" if side.lower() == "buy" else "fill_sell"
        return self.notify(title, text, kind, key=key)

    def notify_rejected(
        self, venue: str, symbol: str, side: str, reason: str, *, key: Hashable | None = None
    ) -> Toast:
        return self.notify(
            f"Rejected · {side.upper()} {symbol}",
            f"{venue}: {reason or 'no reason given'}",
            "rejected",
            key=key,
        )

    def clear(self) -> None:
        for t in list(self._toasts):
            self._remove(t)

    # ---------------------------------------------------------------- internals
    def _remove(self, toast: object) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
            toast.hide()
            toast.deleteLater()
            self._layout()

    def _layout(self) -> None:
        """Newest at the bottom-right corner, older ones above it."""
        host = self._host
        y = host.height() - MARGIN
        x = host.width() - WIDTH - MARGIN
        for toast in reversed(self._toasts):
            h = toast.heightForWidth(WIDTH)  # word-wrapped text: height follows width
            if h <= 0:
                h = toast.sizeHint().height()
            y -= h
            toast.setGeometry(max(MARGIN, x), max(MARGIN, y), WIDTH, h)
            y -= SPACING

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._layout()
        return False
