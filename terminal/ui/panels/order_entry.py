"""Order entry: the ticket form, snapping to the market's grid as the user types.

A view: it is given the market (`set_market`), the account (`set_account`), prices,
balances, the gate's refusals and the reason entry is blocked, and it emits
`submitRequested(OrderRequest, frozenset_of_overrides)` only from the confirmation
dialog. While an order is being submitted the form stays disabled until
`submit_finished()`, so neither a double click nor a double Enter sends twice.

Wiring (the main window): on `ticketChanged(request_or_None)` run the gate's
synchronous check and call `show_refusals(...)`; on `submitRequested` hand the ticket
to the order service, then call `submit_finished(ok, message)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QSize, Qt, QTimer, Signal
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

from terminal.core.ports import Refusal
from terminal.domain.enums import Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.order import OrderRequest
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.panels.session_picker import SessionPicker
from terminal.ui.session_style import PALETTE, long_label, short_label

from ._style import AMBER, BUY, ERROR, LIVE, MUTED, SELL, dec_text, grouped, mono_font
from .number_field import NumberField
from .order_confirm import DEFAULT_ARM_MS, OrderConfirmDialog, confirmation_fields
from .refusals import show_refusals as render_refusals
from .ticket import (
    EntryKind,
    Prices,
    TicketInput,
    TicketState,
    evaluate,
    percent_amount,
    stepped_amount,
    stepped_price,
)

PERCENTS = (25, 50, 75, 100)
# A submit that never hears back re-enables the form after this long, with a notice
# to look at the open orders (the order service's double-submit window still applies).
PENDING_FALLBACK_MS = 15_000
MIN_VISIBLE_HEIGHT = 150  # the ticket's minimum height: side buttons, type, price, amount
# Asked before the confirmation opens: (request, overrides) -> the refusals it meets now.
Precheck = Callable[[OrderRequest, frozenset[str]], list[Refusal]]

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


class OrderEntryPanel(QWidget):
    """Order ticket. See the module docstring for the wiring."""

    submitRequested = Signal(object, object)  # OrderRequest, frozenset[str] (overridden rules)
    ticketChanged = Signal(object)  # OrderRequest | None, whenever the valid ticket changes

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        confirm_arm_ms: int = DEFAULT_ARM_MS,
        pending_fallback_ms: int = PENDING_FALLBACK_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("OrderEntryPanel")
        self._rules: MarketRules | None = None
        self._venue: VenueId | None = None
        self._mode = VenueMode.PAPER
        self._account = AccountLabel("default")
        self._market = MarketType.SPOT
        self._reduce_only = False  # perpetuals: the order may only shrink a position
        self._prices = Prices()
        self._balances: Balances | None = None
        self._blocked: str | None = None
        self._pending = False
        self._refusals: list[Refusal] = []
        self._overrides_checked: set[str] = set()
        self._prices_stale: str | None = None  # why the bid/ask shown are not live
        self._state = TicketState()
        self._last_emitted: OrderRequest | None = None
        self._confirm: OrderConfirmDialog | None = None
        self._confirm_arm_ms = confirm_arm_ms
        self._precheck: Precheck | None = None
        self._submit_text = "Buy"
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(pending_fallback_ms)
        self._pending_timer.timeout.connect(self._pending_timed_out)
        self._build()
        self._recompute(user_edit=True)

    # ---------------------------------------------------------------- construction
    def _build(self) -> None:
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
        self._side_group.buttonToggled.connect(lambda *_: self._recompute(user_edit=True))
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
            b.clicked.connect(lambda _=False, p=p: self.apply_percent(p))
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
        self.submit_button.clicked.connect(self.request_submit)
        root.addWidget(self.submit_button)
        root.addStretch(1)

        self.kind_combo.currentIndexChanged.connect(lambda *_: self._recompute(user_edit=True))
        self.tif_combo.currentIndexChanged.connect(lambda *_: self._recompute(user_edit=True))
        self.unit_combo.currentIndexChanged.connect(self._unit_changed)
        self.price_edit.textEdited.connect(lambda *_: self._recompute(user_edit=True))
        self.amount_edit.textEdited.connect(lambda *_: self._recompute(user_edit=True))
        self.price_edit.editingFinished.connect(self._snap_price_text)
        self.amount_edit.editingFinished.connect(self._snap_amount_text)
        self.price_edit.returnPressed.connect(self.request_submit)
        self.amount_edit.returnPressed.connect(self.request_submit)
        self.price_edit.stepRequested.connect(self.step_price)
        self.amount_edit.stepRequested.connect(self.step_amount)
        self.price_edit.setToolTip("Up/Down: one tick; Page Up/Down: ten ticks; Enter: review")
        self.amount_edit.setToolTip("Up/Down: one step; Page Up/Down: ten steps; Enter: review")
        self.setTabOrder(self.buy_button, self.sell_button)
        self.setTabOrder(self.sell_button, self.kind_combo)
        self.setTabOrder(self.kind_combo, self.tif_combo)
        self.setTabOrder(self.tif_combo, self.price_edit)
        self.setTabOrder(self.price_edit, self.amount_edit)
        self.setTabOrder(self.amount_edit, self.unit_combo)
        self.setTabOrder(self.unit_combo, self.submit_button)

    # ---------------------------------------------------------------- inputs (public)
    def set_account(
        self,
        venue: str,
        mode: VenueMode,
        account: str = "default",
        market: MarketType = MarketType.SPOT,
    ) -> None:
        """Which venue session the ticket goes to (shown in the form and the confirmation)."""
        self._venue = VenueId(venue)
        self._mode = mode
        self._account = AccountLabel(account)
        self._market = market
        if market is MarketType.SPOT:
            self._reduce_only = False
        self._close_confirm()
        self._recompute(user_edit=True)

    def set_reduce_only(self, on: bool) -> None:
        """A perpetual session's ticket: send reduce-only orders (never open a position)."""
        self._reduce_only = on and self._market is not MarketType.SPOT
        self._recompute(user_edit=True)

    @property
    def reduce_only(self) -> bool:
        return self._reduce_only

    def set_market(self, rules: MarketRules | None) -> None:
        """The market's precision, limits and fees; None when no market is selected."""
        same_symbol = (
            self._rules is not None and rules is not None and rules.symbol == self._rules.symbol
        )
        self._rules = rules
        if not same_symbol:
            self._close_confirm()
            self._prices = Prices()
            unit_in_quote = self.unit_combo.currentIndex() == 1
            self.unit_combo.blockSignals(True)
            self.unit_combo.clear()
            if rules is not None:
                self.unit_combo.addItem(rules.base)
                self.unit_combo.addItem(rules.quote)
                self.unit_combo.setCurrentIndex(1 if unit_in_quote else 0)
            self.unit_combo.blockSignals(False)
            self.price_edit.clear()
            self.amount_edit.clear()
        self._recompute(user_edit=not same_symbol)

    def set_market_prices(
        self, bid: Decimal | None, ask: Decimal | None, last: Decimal | None = None
    ) -> None:
        """Best bid/ask and last, to value market orders and convert quote amounts."""
        prices = Prices(bid, ask, last)
        if prices != self._prices:
            self._prices = prices
            self._recompute(user_edit=False)

    def set_prices_stale(self, reason: str | None) -> None:
        """The market data behind the bid/ask is not live: grey it and say why."""
        if reason != self._prices_stale:
            self._prices_stale = reason or None
            self._recompute(user_edit=False)

    def set_balances(self, balances: Balances | None) -> None:
        """Balances of the account the ticket goes to (for % buttons and warnings)."""
        self._balances = balances
        self._recompute(user_edit=False)

    def set_price(self, text: str) -> None:
        """Put a price in the form (e.g. a click on the order book); switches Market to Limit."""
        if self.current_kind() is EntryKind.MARKET:
            self.kind_combo.setCurrentIndex(self._kinds.index(EntryKind.LIMIT))
        self.price_edit.setText(text)
        self._recompute(user_edit=True)
        self._snap_price_text()

    def set_amount(self, text: str) -> None:
        self.amount_edit.setText(text)
        self._recompute(user_edit=True)

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

    def show_refusals(self, refusals: list[Refusal]) -> None:
        """The gate's refusals for the current ticket, shown inline; overridable ones
        get an explicit checkbox, and Submit stays disabled until each is ticked."""
        self._refusals = list(refusals)
        self.refusal_checks = render_refusals(
            self._refusals_layout, self._refusals, self._override_toggled, self._overrides_checked
        )
        self.refusals_box.setVisible(bool(self._refusals))
        self._update_enabled()

    def set_precheck(self, precheck: Precheck | None) -> None:
        """The check the order service runs on submit (gate, precautions, double
        submit), asked before the confirmation opens: an order it would refuse gets
        its refusals in the form, never a confirmation."""
        self._precheck = precheck

    def set_entry_blocked(self, reason: str | None) -> None:
        """Disable sending with the reason shown (locked, stopped, reconciling, stale...).
        An open confirmation is closed: what it shows may no longer be allowed."""
        self._blocked = reason or None
        if self._blocked:
            self.blocked_label.setText(f"Order entry disabled: {self._blocked}")
            self.blocked_label.show()
            self._close_confirm()
        else:
            self.blocked_label.hide()
        self._update_enabled()

    def submit_finished(self, ok: bool = True, message: str = "") -> None:
        """The order service has taken (or refused) the submitted ticket."""
        self._pending = False
        self._pending_timer.stop()
        self._say_status(
            message or ("Order sent" if ok else "Order not sent"), MUTED if ok else ERROR
        )
        self._update_enabled()

    # ---------------------------------------------------------------- state (public)
    def current_side(self) -> Side:
        return Side.BUY if self.buy_button.isChecked() else Side.SELL

    def current_kind(self) -> EntryKind:
        return self._kinds[max(0, self.kind_combo.currentIndex())]

    def current_time_in_force(self) -> TimeInForce:
        return self._tifs[max(0, self.tif_combo.currentIndex())]

    @property
    def rules(self) -> MarketRules | None:
        """The active market's rules (None before a market is selected)."""
        return self._rules

    @property
    def state(self) -> TicketState:
        return self._state

    @property
    def pending(self) -> bool:
        return self._pending

    @property
    def blocked_reason(self) -> str | None:
        return self._blocked

    @property
    def confirmation(self) -> OrderConfirmDialog | None:
        return self._confirm

    def confirmed_overrides(self) -> frozenset[str]:
        return frozenset(
            r.rule for r in self._refusals if r.overridable and r.rule in self._overrides_checked
        )

    def can_submit(self) -> bool:
        return (
            self._state.request is not None
            and not self._blocked
            and not self._pending
            and self._rules is not None
            and self._venue is not None
            and all(r.overridable and r.rule in self._overrides_checked for r in self._refusals)
        )

    # ---------------------------------------------------------------- actions
    def apply_percent(self, pct: int) -> None:
        """Fill the amount with pct % of the free balance (quote for a buy, base for a sell)."""
        rules, balances = self._rules, self._balances
        if rules is None or balances is None:
            return
        side = self.current_side()
        kind = self.current_kind()
        price = self._state.price if kind is not EntryKind.MARKET else self._prices.reference(side)
        fee_rate = rules.taker_fee if kind is not EntryKind.POST_ONLY else rules.maker_fee
        amount = percent_amount(pct, side, rules, balances, price, fee_rate)
        if amount is None:
            self._say_status(
                "Nothing available" if price or side is Side.SELL else "Enter a price first", AMBER
            )
            return
        if self.unit_combo.currentIndex() == 1 and price:
            text = rules.format_price(rules.round_price(amount * price))
        else:
            text = rules.format_amount(amount)
        self.amount_edit.setText(text)
        self._recompute(user_edit=True)

    def request_submit(self) -> None:
        """Open the confirmation for the current ticket (the only path to submitRequested)."""
        if self._confirm is not None:
            self._confirm.raise_()
            self._confirm.activateWindow()
            return
        self._snap_price_text()
        self._snap_amount_text()
        if not self.can_submit():
            return
        req = self._state.request
        assert req is not None
        if self._precheck is not None and not self._run_precheck(req):
            return
        overrides = self.confirmed_overrides()
        fields = confirmation_fields(req, self._rules, self._state.cost, self._state.fee)
        texts = [r.message for r in self._refusals if r.rule in overrides]
        dlg = OrderConfirmDialog(
            req, overrides, fields, texts, parent=self, arm_ms=self._confirm_arm_ms
        )
        dlg.confirmed.connect(self._on_confirmed)
        dlg.finished.connect(lambda _r, d=dlg: self._confirm_closed(d))
        self._confirm = dlg
        self._update_enabled()
        dlg.open()

    def send_without_confirm(self) -> bool:
        """Send the current ticket at once, without the confirmation dialog: the price
        ladder's armed one-click mode when the user chose it. The same checks as Review
        (complete ticket, entry not blocked, nothing pending, the service's check); the
        order service's gate and journal follow as for any ticket. False when nothing
        was sent."""
        self._snap_price_text()
        self._snap_amount_text()
        if self._confirm is not None or not self.can_submit():
            return False
        request = self._state.request
        assert request is not None
        if self._precheck is not None and not self._run_precheck(request):
            return False  # the same check Review runs; its refusals show in the form
        self._on_confirmed(request, self.confirmed_overrides())
        return True

    # ---------------------------------------------------------------- internals
    def _on_confirmed(self, request: OrderRequest, overrides: frozenset[str]) -> None:
        if self._pending or self._blocked:
            return
        self._pending = True
        self._pending_timer.start()
        self._say_status("Sending…", MUTED)
        self._update_enabled()
        self.submitRequested.emit(request, overrides)

    def _run_precheck(self, request: OrderRequest) -> bool:
        """Ask the service's check; show what it refuses. True when the confirmation may
        open: nothing refused, or only overridable refusals the user has ticked."""
        assert self._precheck is not None
        try:
            refusals = list(self._precheck(request, frozenset()))
        except Exception as exc:
            self._say_status(f"Not checked, not sent: {exc}", ERROR)
            return False
        if [(r.rule, r.message) for r in refusals] != [(r.rule, r.message) for r in self._refusals]:
            self.show_refusals(refusals)
        return self.can_submit()

    def _confirm_closed(self, dlg: OrderConfirmDialog) -> None:
        if self._confirm is dlg:
            self._confirm = None
            dlg.deleteLater()
        self._update_enabled()

    def _close_confirm(self) -> None:
        if self._confirm is not None:
            self._confirm.reject()

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

    def _pending_timed_out(self) -> None:
        if self._pending:
            self.submit_finished(
                False,
                "No answer yet from the order service: check the open orders before sending again",
            )

    def _override_toggled(self, rule: str, on: bool) -> None:
        if on:
            self._overrides_checked.add(rule)
        else:
            self._overrides_checked.discard(rule)
        self._update_enabled()

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

    def _input(self) -> TicketInput:
        return TicketInput(
            side=self.current_side(),
            kind=self.current_kind(),
            tif=self.current_time_in_force(),
            amount_text=self.amount_edit.text(),
            price_text=self.price_edit.text(),
            amount_in_quote=self.unit_combo.currentIndex() == 1,
        )

    def _recompute(self, user_edit: bool) -> None:
        """Re-evaluate the ticket. A user edit forgets ticked overrides: an override
        confirms one ticket, not whatever the form holds later."""
        if user_edit:
            self._overrides_checked.clear()
            if not self._pending:  # what was said was about the ticket as it was
                self._say_status("", MUTED)
                if self._refusals:
                    self.show_refusals([])
        rules = self._rules
        kind = self.current_kind()
        side = self.current_side()
        is_market = kind is EntryKind.MARKET
        self.price_edit.setEnabled(not is_market)
        self.price_label.setEnabled(not is_market)
        self.tif_combo.setEnabled(kind is EntryKind.LIMIT)
        if kind is EntryKind.POST_ONLY:
            self.tif_combo.setToolTip("Post-only orders rest on the book: GTC")
        if rules is None or self._venue is None:
            self._state = TicketState()
            self.context_label.setText("No market selected" if rules is None else "No venue")
            self.context_label.setStyleSheet(f"color: {MUTED};")
            self._show_state(side)
            self._emit_ticket(None)
            return
        session = SessionKey(self._venue, self._mode, self._account, self._market)
        self.context_label.setText(f"{short_label(session)} · {rules.symbol}")
        self.context_label.setStyleSheet(PALETTE.chip_css(session))
        self.context_label.setToolTip(f"Orders go to {long_label(session)}")
        self.price_unit.setText(rules.quote)
        self._state = evaluate(
            self._input(),
            rules,
            venue=self._venue,
            mode=self._mode,
            account=self._account,
            prices=self._prices,
            balances=self._balances,
        )
        request = self._state.request
        if request is not None and self._market is not MarketType.SPOT:
            self._state.request = replace(
                request, market=self._market, reduce_only=self._reduce_only
            )
        self._show_state(side)
        self._emit_ticket(self._state.request)

    def _emit_ticket(self, request: OrderRequest | None) -> None:
        if request != self._last_emitted:
            self._last_emitted = request
            if self._refusals:
                self.show_refusals([])  # refusals were for the previous ticket
            self.ticketChanged.emit(request)

    def _show_state(self, side: Side) -> None:
        st, rules = self._state, self._rules
        base = rules.base if rules else ""
        quote = rules.quote if rules else ""
        if self._mode is VenueMode.LIVE:
            self.mode_badge.setText("LIVE")
            self.mode_badge.setStyleSheet(f"color: {LIVE}; font-weight: 700;")
        else:
            self.mode_badge.setText("PAPER" if self._mode is VenueMode.PAPER else "TESTNET")
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
        p = self._prices
        if rules is not None and (p.bid is not None or p.ask is not None):
            bid = rules.format_price(p.bid) if p.bid is not None else "—"
            ask = rules.format_price(p.ask) if p.ask is not None else "—"
            stale = f"STALE — {self._prices_stale}\n" if self._prices_stale else ""
            self.quote_label.setText(f"{stale}Bid {bid}  ·  Ask {ask}")
        else:
            self.quote_label.setText("")
        self.quote_label.setEnabled(not self._prices_stale)  # disabled text is greyed
        if self._balances is not None and rules is not None:
            asset = quote if side is Side.BUY else base
            free = self._balances.free(asset)
            self.available_label.setText(f"Available: {grouped(dec_text(free))} {asset}")
        else:
            self.available_label.setText("Available: —")
        shown_errors = [e for e in st.problems if not e.startswith("Enter ")]
        self.problems_label.setText("\n".join(shown_errors))
        self.problems_label.setVisible(bool(shown_errors))
        self.warnings_label.setText("\n".join(st.warnings))
        self.warnings_label.setVisible(bool(st.warnings))
        colour = BUY if side is Side.BUY else SELL
        self._submit_text = f"{'Buy' if side is Side.BUY else 'Sell'} {base}".strip()
        self.submit_button.setStyleSheet(
            f"QPushButton {{ background: {colour}; color: #0b0e11; font-weight: 700; }}"
            "QPushButton:disabled { background: #3a3f47; color: #848e9c; }"
        )
        self._update_enabled()

    def _update_enabled(self) -> None:
        ok = self.can_submit() and self._confirm is None
        self.submit_button.setEnabled(ok)
        self.submit_button.setText("Sending…" if self._pending else self._submit_text)
        tip = ""
        if self._blocked:
            tip = self._blocked
        elif self._pending:
            tip = "Waiting for the order service"
        self.submit_button.setToolTip(tip)

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
