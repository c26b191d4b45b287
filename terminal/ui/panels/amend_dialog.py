"""Amend a resting limit order: new price and amount, and exactly what will be sent.

Non-blocking like the order confirmation: opened with `show()`, answers through the
`amendRequested` signal, never `exec()` (a nested event loop inside qasync breaks
running coroutines). The inputs snap to the market's tick and
step when edited (price to the nearest tick, amount truncated: never rounded up), and
the summary line shows the snapped values that will go out. Whoever runs the amend
reports back with `show_refusals` (the gate's refusals, inline; overridable ones get a
checkbox as on the ticket), `amend_failed` or `amend_done` (closes the dialog).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.core.ports import Refusal
from terminal.domain.enums import Side
from terminal.domain.market import MarketRules
from terminal.domain.order import Order

from ._style import BUY, ERROR, MUTED, SELL, dec_text, grouped
from .number_field import NumberField
from .refusals import show_refusals as render_refusals
from .ticket import parse_positive


def _parse(text: str, what: str) -> Decimal | None:
    """Exactly the positive number typed, or None (`problem` says why): never a repair
    of it ('1,500' is ambiguous, not 1500)."""
    return parse_positive(text, what)[0]


class AmendDialog(QDialog):
    """Edit one order's price and amount; `amendRequested(self)` fires on Amend."""

    amendRequested = Signal(object)  # this dialog: client_order_id, amount, price, confirmed

    def __init__(
        self, order: Order, rules: MarketRules | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AmendDialog")
        self.setWindowTitle(f"Amend {order.side.value.upper()} {order.symbol}")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.order = order
        self.rules = rules
        self.client_order_id = str(order.client_order_id)
        self.busy = False
        self.done_order: Order | None = None
        self._refusals: list[Refusal] = []
        self.refusal_checks: dict[str, QCheckBox] = {}
        self._build()
        self.price_input.setText(self._fmt_price(order.price or Decimal(0)))
        self.amount_input.setText(self._fmt_amount(self.remaining))
        self._update()

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        o = self.order
        layout = QVBoxLayout(self)
        colour = BUY if o.side is Side.BUY else SELL
        title = QLabel(f"{o.side.value.upper()} {o.symbol} on {o.venue}  ·  {o.client_order_id}")
        title.setStyleSheet(f"font-weight: 600; color: {colour};")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(title)
        form = QFormLayout()
        # every keystroke kept; text that is not a number is marked, never repaired
        self.price_input = NumberField(steps=False)
        self.price_input.setObjectName("amendPrice")
        self.amount_input = NumberField(steps=False)
        self.amount_input.setObjectName("amendAmount")
        quote = self.rules.quote if self.rules else o.symbol.quote
        base = self.rules.base if self.rules else o.symbol.base
        tick = (
            f" (tick {dec_text(self.rules.tick_size)})"
            if self.rules and self.rules.tick_size
            else ""
        )
        step = (
            f" (step {dec_text(self.rules.step_size)})"
            if self.rules and self.rules.step_size
            else ""
        )
        form.addRow(f"Price {quote}{tick}", self.price_input)
        form.addRow(f"Amount {base}{step}", self.amount_input)
        layout.addLayout(form)
        if o.filled > 0:
            note = QLabel(
                f"Already filled {self._fmt_amount(o.filled)} of "
                f"{self._fmt_amount(o.amount)}: the amount is what stays on the book."
            )
            note.setWordWrap(True)
            note.setStyleSheet(f"color: {MUTED};")
            layout.addWidget(note)
        self.summary_label = QLabel("")
        self.summary_label.setObjectName("amendSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)
        self.refusals_box = QWidget()
        self._refusals_layout = QVBoxLayout(self.refusals_box)
        self._refusals_layout.setContentsMargins(0, 0, 0, 0)
        self.refusals_box.hide()
        layout.addWidget(self.refusals_box)
        self.status_label = QLabel("")
        self.status_label.setObjectName("amendStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.amend_button = QPushButton("Amend")
        self.amend_button.setObjectName("amendButton")
        self.amend_button.setAutoDefault(False)
        self.amend_button.clicked.connect(self._amend)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.amend_button)
        layout.addLayout(buttons)
        for field in (self.price_input, self.amount_input):
            field.textChanged.connect(self._edited)
            field.editingFinished.connect(self._snap)
            field.returnPressed.connect(self._amend)

    # ---------------------------------------------------------------- values
    @property
    def remaining(self) -> Decimal:
        return max(self.order.amount - self.order.filled, Decimal(0))

    def _fmt_price(self, v: Decimal) -> str:
        return self.rules.format_price(v) if self.rules else dec_text(v)

    def _fmt_amount(self, v: Decimal) -> str:
        return self.rules.format_amount(v) if self.rules else dec_text(v)

    @property
    def price(self) -> Decimal | None:
        """The typed price on the tick grid (nearest tick), or None if it is not a price."""
        value = _parse(self.price_input.text(), "Price")
        if value is not None and self.rules:
            value = self.rules.round_price(value)
        return value if value is not None and value > 0 else None

    @property
    def amount(self) -> Decimal | None:
        """The typed amount truncated to the step, or None if nothing would remain."""
        value = _parse(self.amount_input.text(), "Amount")
        if value is not None and self.rules:
            value = self.rules.round_amount(value)
        return value if value is not None and value > 0 else None

    @property
    def confirmed(self) -> frozenset[str]:
        """The overridable refusals the user ticked."""
        return frozenset(rule for rule, box in self.refusal_checks.items() if box.isChecked())

    def set_values(
        self, price: Decimal | str | None = None, amount: Decimal | str | None = None
    ) -> None:
        """Type new values (as the user would) and snap them."""
        if price is not None:
            self.price_input.setText(price if isinstance(price, str) else dec_text(price))
        if amount is not None:
            self.amount_input.setText(amount if isinstance(amount, str) else dec_text(amount))
        self._snap()

    def summary(self) -> str:
        o = self.order
        base = self.rules.base if self.rules else o.symbol.base
        price, amount = self.price, self.amount
        before = (
            f"Amend {o.side.value.upper()} {self._fmt_amount(self.remaining)} {base} @ "
            f"{grouped(self._fmt_price(o.price or Decimal(0)))}"
        )
        if price is None or amount is None:
            problem = self.problem()
            return f"{before} -> ? ({problem or 'enter a price and an amount above zero'})"
        return (
            f"{before} -> {self._fmt_amount(amount)} @ {grouped(self._fmt_price(price))} "
            f"on {o.venue}"
        )

    def problem(self) -> str | None:
        """Why the typed price or amount is not one (None when both read)."""
        problems = [
            parse_positive(field.text(), what)[1]
            for field, what in ((self.price_input, "Price"), (self.amount_input, "Amount"))
        ]
        return "; ".join(p for p in problems if p) or None

    def _unchanged(self) -> bool:
        return self.price == self.order.price and self.amount == self.remaining

    # ---------------------------------------------------------------- behaviour
    def _snap(self) -> None:
        """Show the snapped value in each field that parses (the tick/step grid)."""
        for field, value, fmt in (
            (self.price_input, self.price, self._fmt_price),
            (self.amount_input, self.amount, self._fmt_amount),
        ):
            if value is not None and field.text() != fmt(value):
                field.blockSignals(True)
                field.setText(fmt(value))
                field.blockSignals(False)
        self._update()

    def _edited(self, *_: object) -> None:
        if self._refusals:  # they were about the previous values
            self.show_refusals([])
        self.status_label.setText("")
        self._update()

    def _update(self) -> None:
        self.price_input.show_problem(parse_positive(self.price_input.text(), "Price")[1])
        self.amount_input.show_problem(parse_positive(self.amount_input.text(), "Amount")[1])
        self.summary_label.setText(self.summary())
        ok = (
            not self.busy
            and self.price is not None
            and self.amount is not None
            and not self._unchanged()
            and all(r.overridable and r.rule in self.confirmed for r in self._refusals)
        )
        self.amend_button.setEnabled(ok)
        if self._unchanged() and not self.busy:
            self.amend_button.setToolTip("Change the price or the amount first")
        else:
            self.amend_button.setToolTip(self.summary())
        self.cancel_button.setEnabled(not self.busy)
        self.price_input.setEnabled(not self.busy)
        self.amount_input.setEnabled(not self.busy)

    def _amend(self) -> None:
        self._snap()
        if not self.amend_button.isEnabled():
            return
        self.busy = True
        self.status_label.setStyleSheet(f"color: {MUTED};")
        self.status_label.setText("Sending…")
        self._update()
        self.amendRequested.emit(self)

    def reject(self) -> None:
        """Not while an amend is under way: its answer must have somewhere to land."""
        if not self.busy:
            super().reject()

    # ---------------------------------------------------------------- answers
    def show_refusals(self, refusals: list[Refusal]) -> None:
        """The gate's refusals, inline; the dialog stays open to change the values."""
        self.busy = False
        self._refusals = list(refusals)
        self.refusal_checks = render_refusals(
            self._refusals_layout, self._refusals, lambda _rule, _on: self._update()
        )
        self.refusals_box.setVisible(bool(self._refusals))
        self.status_label.setText("Not sent." if refusals else "")
        self._update()

    def amend_failed(self, text: str) -> None:
        """The amend did not go through (the caller also notifies): say so, stay open."""
        self.busy = False
        self.status_label.setStyleSheet(f"color: {ERROR};")
        self.status_label.setText(text)
        self._update()

    def amend_done(self, order: Order) -> None:
        """The replacement (or the amended order) rests: close."""
        self.busy = False
        self.done_order = order
        self.accept()
