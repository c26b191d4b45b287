"""Order entry: the ticket form, snapping to the market's grid as the user types.

A view: it is given the market (`set_market`), the account (`set_account`), prices,
balances, the gate's refusals and the reason entry is blocked, and it emits
`submitRequested(OrderRequest, frozenset_of_overrides)` only from the confirmation
dialog. While an order is being submitted the form stays disabled until
`submit_finished()`, so neither a double click nor a double Enter sends twice.

Wiring (the main window): `set_precheck(orders.check)` gives the ticket the order
service's pre-trade check, which it runs as the user types (debounced, ticket_check.py)
and again at Send, so a refusal shows inline and disables Send before any confirmation;
on `submitRequested` hand the ticket to the order service, then call
`submit_finished(ok, message)`. The widgets and their layout are in ticket_form.py.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from terminal.core.ports import Refusal
from terminal.domain.enums import Side, VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.order import OrderRequest
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.session_style import PALETTE, long_label, short_label

from ._style import AMBER, ERROR, MUTED
from .order_confirm import DEFAULT_ARM_MS, OrderConfirmDialog, confirmation_fields
from .refusals import show_refusals as render_refusals
from .ticket import EntryKind, Prices, TicketInput, TicketState, evaluate, percent_amount
from .ticket_check import DEBOUNCE_MS, LiveCheck, Precheck
from .ticket_form import KIND_LABELS, MIN_VISIBLE_HEIGHT, PERCENTS, TicketForm

__all__ = ["KIND_LABELS", "MIN_VISIBLE_HEIGHT", "PERCENTS", "OrderEntryPanel", "Precheck"]

# A submit that never hears back re-enables the form after this long, with a notice
# to look at the open orders (the order service's double-submit window still applies).
PENDING_FALLBACK_MS = 15_000


class OrderEntryPanel(TicketForm):
    """Order ticket. See the module docstring for the wiring."""

    submitRequested = Signal(object, object)  # OrderRequest, frozenset[str] (overridden rules)
    ticketChanged = Signal(object)  # OrderRequest | None, whenever the valid ticket changes

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        confirm_arm_ms: int = DEFAULT_ARM_MS,
        pending_fallback_ms: int = PENDING_FALLBACK_MS,
        check_debounce_ms: int = DEBOUNCE_MS,
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
        self._live_check = LiveCheck(self._run_live_check, self, check_debounce_ms)
        self._connect()
        self._recompute(user_edit=True)

    # ---------------------------------------------------------------- construction
    def _connect(self) -> None:
        self._side_group.buttonToggled.connect(lambda *_: self._recompute(user_edit=True))
        for p, button in self.percent_buttons.items():
            button.clicked.connect(lambda _=False, p=p: self.apply_percent(p))
        self.submit_button.clicked.connect(self.request_submit)
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
        """The check the order service runs on submit (gate, precautions, balance,
        double submit), asked as the user types and again before the confirmation
        opens: an order it would refuse gets its refusals in the form and a disabled
        Send, never a confirmation."""
        self._precheck = precheck
        self._schedule_check(restart=True)

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
        self._schedule_check(restart=False)  # reopened: check the ticket as it stands
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
            self._live_check.cancel()
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
        self._schedule_check(restart=user_edit)

    def _schedule_check(self, *, restart: bool) -> None:
        """Ask for the service's check once the ticket settles (ticket_check.py)."""
        if self._precheck is None or self._state.request is None or self._blocked:
            self._live_check.cancel()
        else:
            self._live_check.schedule(restart=restart)

    def _run_live_check(self) -> None:
        """The debounced check as the user types: refusals show inline, Send follows."""
        request = self._state.request
        if (
            self._precheck is None
            or request is None
            or self._blocked
            or self._pending
            or self._confirm is not None
        ):
            return
        self._run_precheck(request)

    def _emit_ticket(self, request: OrderRequest | None) -> None:
        if request != self._last_emitted:
            self._last_emitted = request
            if self._refusals and self._precheck is None:
                # refusals were for the previous ticket; with a check, the one scheduled
                # for this ticket replaces them (no flicker on a price tick)
                self.show_refusals([])
            self.ticketChanged.emit(request)

    def _show_state(self, side: Side) -> None:
        self._submit_text = self.paint_state(
            self._state, self._rules, self._mode, self._prices, self._prices_stale, self._balances
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
