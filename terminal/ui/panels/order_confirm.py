"""The confirmation shown before an order is sent: exactly the ticket, nothing implied.

Non-blocking on purpose: it is opened with `open()` and answers through signals; a
modal `exec()` inside the qasync loop nests an event loop and breaks running
coroutines. The send button arms only after a short delay,
so a key bounce or a double Enter that opened the dialog cannot also confirm it; and
it emits at most once.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.market import MarketRules
from terminal.domain.order import OrderRequest
from terminal.ui.session_style import PALETTE, long_label, session_of, short_label

from ._style import AMBER, BUY, LIVE, MUTED, SELL, dec_text, grouped

DEFAULT_ARM_MS = 350

MODE_TEXT = {
    VenueMode.PAPER: "Paper (simulated)",
    VenueMode.PAPER_LIVE: "Paper on live data (simulated fills)",
    VenueMode.SANDBOX: "Testnet / sandbox",
    VenueMode.DEMO: "Demo trading",
    VenueMode.LIVE: "LIVE — real money",
}


def confirmation_fields(
    request: OrderRequest,
    rules: MarketRules | None,
    est_cost: Decimal | None,
    est_fee: Decimal | None,
) -> list[tuple[str, str]]:
    """The (label, value) lines of the confirmation, in order: what will be sent."""

    def amount(v: Decimal) -> str:
        return rules.format_amount(v) if rules else dec_text(v)

    def price(v: Decimal) -> str:
        return rules.format_price(v) if rules else dec_text(v)

    base = request.symbol.base
    quote = request.symbol.quote
    lines = [
        ("Session", short_label(session_of(request))),
        ("Venue", str(request.venue)),
        ("Mode", MODE_TEXT.get(request.mode, request.mode.value)),
        ("Account", str(request.account)),
        ("Symbol", str(request.symbol)),
        ("Side", request.side.value.upper()),
        ("Type", request.type.value.upper()),
        ("Time in force", request.time_in_force.value),
        ("Post-only", "yes" if request.post_only else "no"),
        ("Amount", f"{amount(request.amount)} {base}"),
        (
            "Price",
            f"{price(request.price)} {quote}"
            if request.price is not None
            else "market (best available)",
        ),
    ]
    if request.trigger_price is not None:  # a stop or take-profit waits for its trigger
        lines.append(("Trigger", f"{price(request.trigger_price)} {quote} (last trade price)"))
        if request.price is None:
            lines[-2] = ("Price", "market, once triggered")
    if est_cost is None:
        cost = "unknown (no price yet)"
    else:
        approx = "≈ " if request.type is OrderType.MARKET else ""
        cost = f"{approx}{grouped(price(est_cost) if rules else dec_text(est_cost))} {quote}"
    lines.append(("Est. cost", cost))
    if est_fee is not None:
        lines.append(("Est. fee", f"≈ {dec_text(est_fee.quantize(Decimal('1e-8')))} {quote}"))
    return lines


class OrderConfirmDialog(QDialog):
    """Shows a frozen ticket; `confirmed(request, overrides)` fires once, on Send."""

    confirmed = Signal(object, object)  # OrderRequest, frozenset[str]

    def __init__(
        self,
        request: OrderRequest,
        overrides: frozenset[str],
        fields: list[tuple[str, str]],
        override_texts: list[str] | None = None,
        parent: QWidget | None = None,
        arm_ms: int = DEFAULT_ARM_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("OrderConfirmDialog")
        self.setWindowTitle("Confirm order")
        self._request = request
        self._overrides = frozenset(overrides)
        self._sent = False
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)

        layout = QVBoxLayout(self)
        side_colour = BUY if request.side is Side.BUY else SELL
        title = QLabel(f"{request.side.value.upper()} {request.symbol}")
        title.setStyleSheet(f"font-size: 15px; font-weight: 600; color: {side_colour};")
        layout.addWidget(title)
        if request.mode is VenueMode.LIVE:
            live = QLabel("LIVE venue: this order moves real money.")
            live.setObjectName("liveWarning")
            live.setStyleSheet(f"color: {LIVE}; font-weight: 600;")
            layout.addWidget(live)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.value_labels: dict[str, QLabel] = {}
        for label, value in fields:
            value_label = QLabel(value)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if label == "Mode" and request.mode is VenueMode.LIVE:
                value_label.setStyleSheet(f"color: {LIVE}; font-weight: 600;")
            if label == "Side":
                value_label.setStyleSheet(f"color: {side_colour}; font-weight: 600;")
            if label == "Session":
                value_label.setObjectName("sessionChip")
                value_label.setStyleSheet(PALETTE.chip_css(session_of(request)))
                value_label.setToolTip(long_label(session_of(request)))
            name = QLabel(label)
            name.setStyleSheet(f"color: {MUTED};")
            form.addRow(name, value_label)
            self.value_labels[label] = value_label
        layout.addLayout(form)

        if override_texts:
            ov = QLabel("You override:\n" + "\n".join(f"• {t}" for t in override_texts))
            ov.setObjectName("overrideList")
            ov.setWordWrap(True)
            ov.setStyleSheet(f"color: {AMBER};")
            layout.addWidget(ov)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.send_button = QPushButton(f"Send {request.side.value.upper()} order")
        self.send_button.setObjectName("sendButton")
        self.send_button.setStyleSheet(
            f"QPushButton {{ background: {side_colour}; color: #0b0e11; font-weight: 600;"
            f" padding: 4px 14px; }}"
            " QPushButton:disabled { background: #474d57; color: #848e9c; }"
        )
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self._send)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        layout.addLayout(buttons)
        # Cancel has focus until armed: an Enter that is still bouncing cancels nothing.
        self.cancel_button.setDefault(False)
        self.cancel_button.setAutoDefault(False)
        self.send_button.setAutoDefault(False)
        self.cancel_button.setFocus()
        if arm_ms > 0:
            QTimer.singleShot(arm_ms, self._arm)
        else:
            self._arm()

    @property
    def request(self) -> OrderRequest:
        return self._request

    @property
    def overrides(self) -> frozenset[str]:
        return self._overrides

    @property
    def armed(self) -> bool:
        return self.send_button.isEnabled()

    def _arm(self) -> None:
        if self._sent:
            return
        self.send_button.setEnabled(True)
        self.send_button.setDefault(True)
        self.send_button.setFocus()

    def _send(self) -> None:
        if self._sent or not self.send_button.isEnabled():
            return
        self._sent = True
        self.send_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.confirmed.emit(self._request, self._overrides)
        self.accept()
