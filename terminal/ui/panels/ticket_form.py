"""The order ticket's form: its widgets and layout, and how a ticket state is shown.

`OrderEntryPanel` (order_entry.py) adds the behaviour: it evaluates what is typed,
asks the order service's pre-trade check and sends. This class only builds the rows
(side, type and time in force, price, amount, percent buttons, cost and fee, problems,
refusals, the blocked reason, status and Send) and paints a `TicketState` into them.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.enums import Side, TimeInForce, VenueMode
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.ui.panels.session_picker import SessionPicker

from ._style import AMBER, BUY, ERROR, LIVE, MUTED, SELL, dec_text, grouped, mono_font
from .number_field import NumberField
from .ticket import EntryKind, Prices, TicketState, stepped_amount, stepped_price

PERCENTS = (25, 50, 75, 100)
MIN_VISIBLE_HEIGHT = 150  # the ticket's minimum height: side buttons, type, price, amount

KIND_LABELS = (
    (EntryKind.LIMIT, "Limit"),
    (EntryKind.MARKET, "Market"),
    (EntryKind.POST_ONLY, "Post-only limit"),
)


def _side_style(colour: str) -> str:
    return (
        "QPushButton { padding: 4px; font-weight: 600; border: 1px solid #474d57; }"
        f"QPushButton:checked {{ background: {colour}; color: #0b0e11; border-color: {colour}; }}"
    )


class TicketForm(QWidget):
    """The ticket's widgets; see the module docstring. The editing helpers below
    (arrow-key steps, snapping a typed number to the grid, switching the amount's
    unit) rewrite the fields' text and ask the panel to re-evaluate (`_recompute`)."""

    _rules: MarketRules | None
    _prices: Prices
    _state: TicketState

    def _recompute(self, user_edit: bool) -> None:
        raise NotImplementedError  # the panel evaluates the ticket

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_form()

    def _build_form(self) -> None:
        # The form scrolls inside the panel: on a short screen (1024x600) the dock can be
        # lower than the whole form, and the window still fits. The panel paints its
        # theme background (WA_StyledBackground): a plain QWidget does not, and the gaps
        # between rows showed the window's darker background as stripes.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.form = QWidget()
        self.form.setObjectName("orderEntryForm")
        self.form.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("orderEntryScroll")
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.form)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        root = QVBoxLayout(self.form)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(4)

        self.context_label = QLabel("No market")
        self.context_label.setObjectName("contextLabel")
        self.context_label.setStyleSheet(f"color: {MUTED};")
        self.mode_badge = QLabel("")
        self.mode_badge.setObjectName("modeBadge")
        self.session_picker = SessionPicker(self)
        head = QHBoxLayout()
        head.addWidget(self.context_label, 1)
        head.addWidget(self.session_picker)
        head.addWidget(self.mode_badge)
        root.addLayout(head)
        self.quote_label = QLabel("")
        self.quote_label.setObjectName("quoteLabel")
        self.quote_label.setFont(mono_font(-1))
        self.quote_label.setWordWrap(True)  # a narrow ticket wraps rather than clips
        self.quote_label.setStyleSheet(f"color: {MUTED};")
        root.addWidget(self.quote_label)

        sides = QHBoxLayout()
        sides.setSpacing(0)
        self.buy_button = QPushButton("&Buy")
        self.sell_button = QPushButton("&Sell")
        for btn, colour in ((self.buy_button, BUY), (self.sell_button, SELL)):
            btn.setCheckable(True)
            btn.setStyleSheet(_side_style(colour))
            btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            sides.addWidget(btn)
        self._side_group = QButtonGroup(self)
        self._side_group.setExclusive(True)
        self._side_group.addButton(self.buy_button)
        self._side_group.addButton(self.sell_button)
        self.buy_button.setChecked(True)
        root.addLayout(sides)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        self.kind_combo = QComboBox()
        # combo rows map to enums by index: Qt would turn str-enum item data into str
        self._kinds = [kind for kind, _ in KIND_LABELS]
        self._tifs = list(TimeInForce)
        for _kind, label in KIND_LABELS:
            self.kind_combo.addItem(label)
        self.tif_combo = QComboBox()
        for tif in self._tifs:
            self.tif_combo.addItem(tif.value)
        self.tif_combo.setToolTip(
            "Time in force: GTC rests until cancelled, IOC fills what it "
            "can at once, FOK fills entirely at once or not at all"
        )
        grid.addWidget(QLabel("Type"), 0, 0)
        grid.addWidget(self.kind_combo, 0, 1)
        grid.addWidget(QLabel("TIF"), 0, 2)
        grid.addWidget(self.tif_combo, 0, 3)

        # every keystroke is kept: text that is not a number is marked, never repaired
        self.price_edit = NumberField("price")
        self.price_edit.setObjectName("priceEdit")
        self.price_unit = QLabel("")
        self.price_label = QLabel("Price")
        grid.addWidget(self.price_label, 1, 0)
        grid.addWidget(self.price_edit, 1, 1, 1, 2)
        grid.addWidget(self.price_unit, 1, 3)
        self.price_note = QLabel("")
        self.price_note.setObjectName("priceNote")
        self.price_note.setStyleSheet(f"color: {AMBER};")
        grid.addWidget(self.price_note, 2, 1, 1, 3)

        self.amount_edit = NumberField("amount")
        self.amount_edit.setObjectName("amountEdit")
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("unitCombo")
        self.unit_combo.setToolTip("Enter the amount in the base or the quote currency")
        grid.addWidget(QLabel("Amount"), 3, 0)
        grid.addWidget(self.amount_edit, 3, 1, 1, 2)
        grid.addWidget(self.unit_combo, 3, 3)
        self.amount_note = QLabel("")
        self.amount_note.setObjectName("amountNote")
        self.amount_note.setStyleSheet(f"color: {AMBER};")
        grid.addWidget(self.amount_note, 4, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        root.addLayout(grid)

        pct = QHBoxLayout()
        pct.setSpacing(2)
        self.percent_buttons: dict[int, QPushButton] = {}
        for p in PERCENTS:
            b = QPushButton(f"{p}%")
            b.setObjectName(f"pct{p}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setStyleSheet("QPushButton { padding: 1px 4px; }")
            pct.addWidget(b)
            self.percent_buttons[p] = b
        root.addLayout(pct)
        self.available_label = QLabel("Available: —")
        self.available_label.setObjectName("availableLabel")
        self.available_label.setStyleSheet(f"color: {MUTED};")
        root.addWidget(self.available_label)

        self.cost_label = QLabel("Est. cost: —")
        self.cost_label.setObjectName("costLabel")
        self.fee_label = QLabel("Fee: —")
        self.fee_label.setObjectName("feeLabel")
        self.fee_label.setStyleSheet(f"color: {MUTED};")
        root.addWidget(self.cost_label)
        root.addWidget(self.fee_label)

        self.problems_label = QLabel("")
        self.problems_label.setObjectName("problemsLabel")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(f"color: {ERROR};")
        root.addWidget(self.problems_label)
        self.warnings_label = QLabel("")
        self.warnings_label.setObjectName("warningsLabel")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet(f"color: {AMBER};")
        root.addWidget(self.warnings_label)

        self.refusals_box = QWidget()
        self.refusals_box.setObjectName("refusalsBox")
        self._refusals_layout = QVBoxLayout(self.refusals_box)
        self._refusals_layout.setContentsMargins(0, 0, 0, 0)
        self._refusals_layout.setSpacing(2)
        self.refusal_checks: dict[str, QCheckBox] = {}
        self.refusals_box.hide()  # shown while there are refusals: no empty gap
        root.addWidget(self.refusals_box)

        self.blocked_label = QLabel("")
        self.blocked_label.setObjectName("blockedLabel")
        self.blocked_label.setWordWrap(True)
        self.blocked_label.setStyleSheet(
            f"background: rgba(240,185,11,0.15); color: {AMBER}; padding: 4px; font-weight: 600;"
        )
        self.blocked_label.hide()
        root.addWidget(self.blocked_label)

        self.status_label = QLabel("")
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet(f"color: {MUTED};")
        self.status_label.hide()  # until there is something to say (_say_status)
        root.addWidget(self.status_label)

        self.submit_button = QPushButton("Buy")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setMinimumHeight(30)
        root.addWidget(self.submit_button)
        root.addStretch(1)

    # ---------------------------------------------------------------- form state
    def current_side(self) -> Side:
        return Side.BUY if self.buy_button.isChecked() else Side.SELL

    def current_kind(self) -> EntryKind:
        return self._kinds[max(0, self.kind_combo.currentIndex())]

    def current_time_in_force(self) -> TimeInForce:
        return self._tifs[max(0, self.tif_combo.currentIndex())]

    def set_side(self, side: Side) -> None:
        (self.buy_button if side is Side.BUY else self.sell_button).setChecked(True)

    def set_kind(self, kind: EntryKind) -> None:
        self.kind_combo.setCurrentIndex(self._kinds.index(kind))

    def set_time_in_force(self, tif: TimeInForce) -> None:
        self.tif_combo.setCurrentIndex(self._tifs.index(tif))

    def set_amount_in_quote(self, in_quote: bool) -> None:
        if self.unit_combo.count() == 2:
            self.unit_combo.setCurrentIndex(1 if in_quote else 0)

    def focus_amount(self) -> None:
        self.amount_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.amount_edit.selectAll()

    def focus_price(self) -> None:
        if self.current_kind() is EntryKind.MARKET:
            self.set_kind(EntryKind.LIMIT)
        self.price_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.price_edit.selectAll()

    def start_buy(self) -> None:
        """Hotkey entry point: buy side, cursor in the amount."""
        self.set_side(Side.BUY)
        self.focus_amount()

    def start_sell(self) -> None:
        """Hotkey entry point: sell side, cursor in the amount."""
        self.set_side(Side.SELL)
        self.focus_amount()

    def _say_status(self, text: str, colour: str) -> None:
        """The line under the form (sent, refused, nothing available); hidden while empty."""
        self.status_label.setStyleSheet(f"color: {colour};")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def minimumSizeHint(self) -> QSize:
        """The form's width (and a scroll bar's), but only a few rows' height: the rest
        scrolls, so the ticket's dock does not set the window's minimum height."""
        form = self.form.minimumSizeHint()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        return QSize(form.width() + bar, min(form.height(), MIN_VISIBLE_HEIGHT))

    # ---------------------------------------------------------------- painting a state
    def paint_state(
        self,
        st: TicketState,
        rules: MarketRules | None,
        mode: VenueMode,
        prices: Prices,
        prices_stale: str | None,
        balances: Balances | None,
    ) -> str:
        """Show `st` in the form; returns the Send button's text for its side."""
        side = self.current_side()
        base = rules.base if rules else ""
        quote = rules.quote if rules else ""
        if mode is VenueMode.LIVE:
            self.mode_badge.setText("LIVE")
            self.mode_badge.setStyleSheet(f"color: {LIVE}; font-weight: 700;")
        else:
            self.mode_badge.setText("PAPER" if mode is VenueMode.PAPER else "TESTNET")
            self.mode_badge.setStyleSheet(f"color: {MUTED}; font-weight: 600;")
        self.price_edit.show_problem(st.price_problem or None)
        self.amount_edit.show_problem(st.amount_problem or None)
        self.price_note.setText(st.price_note)
        self.price_note.setVisible(bool(st.price_note))
        self.amount_note.setText(st.amount_note)
        self.amount_note.setVisible(bool(st.amount_note))
        if st.cost is not None and rules is not None:
            approx = "≈ " if self.current_kind() is EntryKind.MARKET else ""
            self.cost_label.setText(
                f"Est. cost: {approx}{grouped(rules.format_price(st.cost))} {quote}"
            )
        else:
            self.cost_label.setText("Est. cost: —")
        if st.fee is not None and st.fee_rate is not None:
            pct = dec_text((st.fee_rate * 100).normalize())
            which = "maker" if self.current_kind() is EntryKind.POST_ONLY else "taker"
            bound = "≤ " if st.fee_is_upper_bound else "≈ "
            self.fee_label.setText(
                f"Fee: {bound}{dec_text(st.fee.quantize(Decimal('1e-8')))} {quote} ({which} {pct}%)"
            )
        else:
            self.fee_label.setText("Fee: —")
        p = prices
        if rules is not None and (p.bid is not None or p.ask is not None):
            bid = rules.format_price(p.bid) if p.bid is not None else "—"
            ask = rules.format_price(p.ask) if p.ask is not None else "—"
            stale = f"STALE — {prices_stale}\n" if prices_stale else ""
            self.quote_label.setText(f"{stale}Bid {bid}  ·  Ask {ask}")
        else:
            self.quote_label.setText("")
        self.quote_label.setEnabled(not prices_stale)  # disabled text is greyed
        if balances is not None and rules is not None:
            asset = quote if side is Side.BUY else base
            free = balances.free(asset)
            self.available_label.setText(f"Available: {grouped(dec_text(free))} {asset}")
        else:
            self.available_label.setText("Available: —")
        shown_errors = [e for e in st.problems if not e.startswith("Enter ")]
        self.problems_label.setText("\n".join(shown_errors))
        self.problems_label.setVisible(bool(shown_errors))
        self.warnings_label.setText("\n".join(st.warnings))
        self.warnings_label.setVisible(bool(st.warnings))
        colour = BUY if side is Side.BUY else SELL
        self.submit_button.setStyleSheet(
            f"QPushButton {{ background: {colour}; color: #0b0e11; font-weight: 700; }}"
            "QPushButton:disabled { background: #3a3f47; color: #848e9c; }"
        )
        return f"{'Buy' if side is Side.BUY else 'Sell'} {base}".strip()

    # ---------------------------------------------------------------- editing helpers
    def _unit_changed(self) -> None:
        # keep the order size when switching units: convert the text
        rules, st = self._rules, self._state
        price = st.value_price
        if rules is not None and st.amount is not None and price:
            if self.unit_combo.currentIndex() == 1:
                self.amount_edit.setText(rules.format_price(rules.round_price(st.amount * price)))
            else:
                self.amount_edit.setText(rules.format_amount(st.amount))
        self._recompute(user_edit=True)

    def _snap_price_text(self) -> None:
        rules = self._rules
        if rules is None or self.current_kind() is EntryKind.MARKET:
            return
        if self._state.price is not None and self._state.price_note:
            self.price_edit.setText(rules.format_price(self._state.price))
            self._recompute(user_edit=False)

    def _snap_amount_text(self) -> None:
        rules = self._rules
        if rules is None or self.unit_combo.currentIndex() == 1:
            return
        if self._state.amount is not None and self._state.amount_note:
            self.amount_edit.setText(rules.format_amount(self._state.amount))
            self._recompute(user_edit=False)

    def step_price(self, ticks: int) -> None:
        """Up/Down (Page Up/Down): move the price by whole ticks (`stepped_price`)."""
        if self._rules is None or self.current_kind() is EntryKind.MARKET:
            return
        text = stepped_price(
            self._rules, self.price_edit.text(), self.current_side(), self._prices, ticks
        )
        if text is not None:
            self.price_edit.setText(text)
            self._recompute(user_edit=True)

    def step_amount(self, steps: int) -> None:
        """Move a base amount by whole steps (`stepped_amount`)."""
        if self._rules is None or self.unit_combo.currentIndex() == 1:
            return
        text = stepped_amount(self._rules, self.amount_edit.text(), steps)
        if text is not None:
            self.amount_edit.setText(text)
            self._recompute(user_edit=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.amount_edit.clear()
            self._recompute(user_edit=True)
            return
        super().keyPressEvent(event)
