"""The protective-order ticket: stop, take-profit, OCO and bracket, sized by risk.

Offers only what the connected venue takes for the market (`OrderCapabilities`, read
from ccxt's `has` and the market's info) and says why the rest is missing. Risk mode:
the stop and the amount willing to lose (quote or % of the account) give the amount,
rounded to the step, with the notional, the loss at the stop, the reward at the target
and the R multiple. Review opens `LegsConfirmDialog` with every order exactly as it
will be sent; only its Send emits `protectRequested(request, overrides)`, where the
request is an OrderRequest (a single stop or take-profit), a ProtectionRequest (OCO) or
a BracketRequest.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.money import ZERO, MoneyError, format_decimal, parse_typed_number
from terminal.domain.order import OrderRequest
from terminal.domain.orderlist import ProtectionRequest

from ._style import ERROR, MUTED
from .legs_confirm import LegsConfirmDialog
from .number_field import NumberField
from .order_confirm import DEFAULT_ARM_MS
from .risk import RiskPlan, account_value, legs_preview, risk_plan

SINGLE = {
    "stop_market": (OrderType.STOP_MARKET, "Stop-market"),
    "stop_limit": (OrderType.STOP_LIMIT, "Stop-limit"),
    "take_profit": (OrderType.TAKE_PROFIT_MARKET, "Take-profit market"),
    "take_profit_limit": (OrderType.TAKE_PROFIT_LIMIT, "Take-profit limit"),
}
GROUPS = {"oco": "OCO (stop + target)", "bracket": "Bracket (entry + stop + target)"}

# The order service's refusals of a request before anything is sent (one line each).
Precheck = Callable[[Any], list[str]]


class ProtectPanel(QWidget):
    protectRequested = Signal(object, object)  # request, frozenset of overrides

    def __init__(
        self, parent: QWidget | None = None, *, confirm_arm_ms: int = DEFAULT_ARM_MS
    ) -> None:
        super().__init__(parent)
        self._rules: MarketRules | None = None
        self._caps = OrderCapabilities()
        self._venue = VenueId("paper")
        self._mode = VenueMode.PAPER
        self._account = AccountLabel("default")
        self._balances: Balances | None = None
        self._last: Decimal | None = None
        self._arm_ms = confirm_arm_ms
        self._request: Any = None
        self._plan: RiskPlan | None = None
        self._precheck: Precheck | None = None
        self.confirmation: LegsConfirmDialog | None = None
        self._build()

    # ---- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind_combo = QComboBox()
        # the kinds' names are long: the combo shortens them rather than widen the dock
        self.kind_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_combo.setMinimumContentsLength(14)
        self.side_combo = QComboBox()
        self.side_combo.addItems(["Buy", "Sell"])
        self.entry_field = NumberField("market (empty) or limit price")
        self.trigger_field = NumberField("stop / trigger price")
        self.limit_field = NumberField("stop's limit")
        self.target_field = NumberField("target price")
        self.risk_check = QCheckBox("Size by risk")
        self.risk_field = NumberField("amount to lose")
        self.risk_unit = QComboBox()
        self.risk_unit.addItems(["quote", "% of account"])
        self.amount_field = NumberField("amount (base)")
        self.trailing_field = NumberField("trailing distance, % (stops and take-profits)")
        self.reduce_only = QCheckBox("Reduce-only")
        self.native_check = QCheckBox("Held by the venue (OTOCO)")
        self.native_check.setChecked(True)
        form.addRow("Order", self.kind_combo)
        form.addRow("Side", self.side_combo)
        form.addRow("Entry", self.entry_field)
        # the trigger and the stop's optional limit price share a row (short docks)
        stop_row = QHBoxLayout()
        stop_row.setContentsMargins(0, 0, 0, 0)
        stop_row.addWidget(self.trigger_field, 1)
        stop_row.addWidget(self.limit_field, 1)
        self.stop_box = QWidget()
        self.stop_box.setLayout(stop_row)
        form.addRow("Stop / limit", self.stop_box)
        form.addRow("Target", self.target_field)
        form.addRow("Trailing %", self.trailing_field)
        risk_row = QHBoxLayout()
        risk_row.setContentsMargins(0, 0, 0, 0)
        risk_row.addWidget(self.risk_field, 1)
        risk_row.addWidget(self.risk_unit)
        self.risk_box = QWidget()
        self.risk_box.setLayout(risk_row)
        form.addRow(self.risk_check, self.risk_box)
        form.addRow("Amount", self.amount_field)
        form.addRow(self.reduce_only)
        form.addRow(self.native_check)
        lay.addLayout(form)
        self.form = form
        self.plan_label = QLabel("")
        self.plan_label.setWordWrap(True)
        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {ERROR};")
        self.missing_label = QLabel("")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet(f"color: {MUTED};")
        self.review_button = QPushButton("Review…")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setVisible(False)
        lay.addWidget(self.plan_label)
        lay.addWidget(self.problem_label)
        lay.addWidget(self.review_button)
        lay.addWidget(self.status_label)
        lay.addWidget(self.missing_label)
        lay.addStretch(1)
        for w in (
            self.entry_field,
            self.trigger_field,
            self.limit_field,
            self.target_field,
            self.risk_field,
            self.amount_field,
            self.trailing_field,
        ):
            w.textChanged.connect(self._recompute)
        for c in (self.kind_combo, self.side_combo, self.risk_unit):
            c.currentIndexChanged.connect(self._recompute)
        self.risk_check.toggled.connect(self._recompute)
        self.reduce_only.toggled.connect(self._recompute)
        self.native_check.toggled.connect(self._recompute)
        self.review_button.clicked.connect(self.review)
        self._recompute()

    # ---- inputs from the window ---------------------------------------------------------
    def set_account(self, venue: str, mode: VenueMode, account: str = "default") -> None:
        self._venue, self._mode, self._account = VenueId(venue), mode, AccountLabel(account)

    def set_market(self, rules: MarketRules | None, caps: OrderCapabilities | None) -> None:
        """The market and what the venue takes there: the selector lists only that."""
        self._rules = rules
        self._caps = caps or OrderCapabilities()
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        for key, (order_type, label) in SINGLE.items():
            if self._caps.supports(order_type):
                self.kind_combo.addItem(label, key)
        if self._caps.supports(OrderType.STOP_MARKET) or self._caps.supports(OrderType.STOP_LIMIT):
            self.kind_combo.addItem(GROUPS["oco"] + ("" if self._caps.native_oco else " *"), "oco")
            self.kind_combo.addItem(GROUPS["bracket"] + " *", "bracket")
        self.kind_combo.blockSignals(False)
        missing = [
            f"{label}: {self._caps.why_not(key)}"
            for key, (t, label) in SINGLE.items()
            if not self._caps.supports(t)
        ]
        for option, label in (("trailing", "Trailing"), ("reduce_only", "Reduce-only")):
            why = self._caps.why_not(option)
            if why:
                missing.append(f"{label}: {why}")
        if not self._caps.native_oco and self._caps.why_not("oco"):
            missing.append(f"Native OCO: {self._caps.why_not('oco')}")
        if not self._caps.native_bracket and self._caps.why_not("bracket"):
            missing.append(f"Native bracket: {self._caps.why_not('bracket')}")
        self.trailing_field.setToolTip(self._caps.why_not("trailing") or "")
        self.reduce_only.setToolTip(self._caps.why_not("reduce_only") or "")
        if not self._caps.reduce_only:
            self.reduce_only.setChecked(False)
        notes = ["* held by this terminal: only while it runs"]
        self.missing_label.setText("\n".join((["Not offered: " + m for m in missing]) + notes))
        self._recompute()

    def set_last_price(self, last: Decimal | None) -> None:
        if last == self._last:
            return
        self._last = last
        self._recompute()

    def show_result(self, text: str, error: bool) -> None:
        """What became of the last Send (placed, or refused with the reason)."""
        self.status_label.setStyleSheet(f"color: {ERROR};" if error else "")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def set_precheck(self, precheck: Precheck | None) -> None:
        """The order service's check, run by Review before the confirmation opens."""
        self._precheck = precheck

    def set_balances(self, balances: Balances | None) -> None:
        self._balances = balances
        self._recompute()

    def set_kind(self, key: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(key))

    def offered(self) -> list[str]:
        return [self.kind_combo.itemData(i) for i in range(self.kind_combo.count())]

    # ---- evaluation ---------------------------------------------------------------------
    @property
    def request(self) -> Any:
        return self._request

    @property
    def plan(self) -> RiskPlan | None:
        return self._plan

    def _num(self, field: NumberField, what: str, required: bool) -> Decimal | None:
        text = field.text()
        if not text.strip():
            if required:
                raise ValueError(f"enter the {what}")
            return None
        try:
            value = parse_typed_number(text, what)
        except MoneyError as exc:
            field.show_problem(str(exc))
            raise ValueError(str(exc)) from None
        field.show_problem(None)
        if value <= ZERO:
            raise ValueError(f"the {what} must be positive")
        return value

    def _recompute(self, *_: Any) -> None:
        self._request, self._plan = None, None
        try:
            self._request = self._evaluate()
            self.problem_label.setText("")
        except ValueError as exc:
            self.problem_label.setText(str(exc))
        self.review_button.setEnabled(self._request is not None)

    def _evaluate(self) -> Any:
        rules = self._rules
        key = self.kind_combo.currentData()
        if rules is None or key is None:
            raise ValueError("no market, or the venue offers no stop or take-profit here")
        is_single, is_group = key in SINGLE, key in GROUPS
        kind = SINGLE[key][0] if is_single else None
        side = Side.BUY if self.side_combo.currentIndex() == 0 else Side.SELL
        self.entry_field.setEnabled(key == "bracket")
        self.target_field.setEnabled(is_group)
        self.limit_field.setEnabled(is_group or (kind is not None and kind.has_limit_price))
        self.trailing_field.setEnabled(is_single and self._caps.trailing)
        self.reduce_only.setEnabled(self._caps.reduce_only and is_single)
        self.risk_box.setEnabled(self.risk_check.isChecked())
        native_why = self._native_block(key)
        self.native_check.setEnabled(native_why is None)
        self.native_check.setToolTip(
            native_why
            or "Stop and target held by the venue: it places them when the entry has fully filled, "
            "also while this terminal is closed. Until then a partly filled entry's filled part "
            "has a stop held by this terminal, only while it runs"
        )
        # rows that do not apply to this kind are hidden, not just greyed: the dock is
        # short on small screens and the sizing result must stay in view
        for widget, shown in (
            (self.entry_field, key == "bracket"),
            (self.target_field, is_group),
            (self.trailing_field, self.trailing_field.isEnabled()),
            (self.risk_box, True),  # greyed out until "Size by risk" is ticked
            # in risk mode the amount is the plan's, shown on the line under the form
            (self.amount_field, not self.risk_check.isChecked()),
            (self.reduce_only, self.reduce_only.isEnabled()),
            (self.native_check, key == "bracket" and self._caps.native_bracket),
        ):
            self.form.setRowVisible(widget, shown)
        self.limit_field.setVisible(self.limit_field.isEnabled())
        trailing = (
            self._num(self.trailing_field, "trailing distance", False)
            if self.trailing_field.isEnabled()
            else None
        )
        if trailing is not None and not Decimal("0.1") <= trailing <= Decimal(20):
            raise ValueError("the trailing distance must be between 0.1 % and 20 %")
        if trailing is not None and not self.trigger_field.text().strip():
            if self.risk_check.isChecked():
                raise ValueError("sizing by risk needs a stop price")
            amount = self._sized_amount(rules, side.opposite, self._last, ZERO, None)
            assert kind is not None
            return OrderRequest(
                venue=self._venue,
                symbol=rules.symbol,
                side=side,
                type=kind,
                amount=amount,
                trailing_percent=trailing,
                mode=self._mode,
                account=self._account,
                reduce_only=self.reduce_only.isEnabled() and self.reduce_only.isChecked(),
            )
        trigger = self._num(self.trigger_field, "trigger price", True)
        limit = (
            self._num(self.limit_field, "limit price", kind is not None and kind.has_limit_price)
            if self.limit_field.isEnabled()
            else None
        )
        target = self._num(self.target_field, "target", is_group) if is_group else None
        entry = self._num(self.entry_field, "entry price", False) if key == "bracket" else None
        assert trigger is not None  # required above
        trigger = rules.round_price(trigger)
        # the position's side: a bracket opens `side`; a stop/OCO closes the other way
        position = side if key == "bracket" else side.opposite
        entry_price = entry if entry is not None else self._last
        amount = self._sized_amount(rules, position, entry_price, trigger, target)
        if key == "bracket":
            entry_type = OrderType.LIMIT if entry is not None else OrderType.MARKET
            return BracketRequest(
                entry=OrderRequest(
                    venue=self._venue,
                    symbol=rules.symbol,
                    side=side,
                    type=entry_type,
                    amount=amount,
                    price=None if entry is None else rules.round_price(entry),
                    mode=self._mode,
                    account=self._account,
                ),
                stop_trigger=trigger,
                target=rules.round_price(target or ZERO),
                stop_limit=None if limit is None else rules.round_price(limit),
                native=self.native_check.isEnabled() and self.native_check.isChecked(),
            )
        if key == "oco":
            return ProtectionRequest(
                venue=self._venue,
                symbol=rules.symbol,
                side=side,
                amount=amount,
                stop_trigger=trigger,
                target=rules.round_price(target or ZERO),
                stop_limit=None if limit is None else rules.round_price(limit),
                account=self._account,
                mode=self._mode,
            )
        assert kind is not None
        return OrderRequest(
            venue=self._venue,
            symbol=rules.symbol,
            side=side,
            type=kind,
            amount=amount,
            trigger_price=trigger,
            price=None if limit is None else rules.round_price(limit),
            time_in_force=TimeInForce.GTC,
            mode=self._mode,
            account=self._account,
            trailing_percent=trailing,
            reduce_only=self.reduce_only.isEnabled() and self.reduce_only.isChecked(),
        )

    def _native_block(self, key: str | None) -> str | None:
        """Why a bracket cannot be held by the venue now (None: it can)."""
        if key != "bracket":
            return "only a bracket"
        if not self._caps.native_bracket:
            return self._caps.why_not("bracket") or "the venue holds no brackets"
        if not self.entry_field.text().strip():
            return "the venue's bracket (OTOCO) takes a limit entry: enter the entry price"
        return None

    def _sized_amount(
        self,
        rules: MarketRules,
        position: Side,
        entry: Decimal | None,
        stop: Decimal,
        target: Decimal | None,
    ) -> Decimal:
        if not self.risk_check.isChecked():
            self.amount_field.setReadOnly(False)
            amount = self._num(self.amount_field, "amount", True)
            assert amount is not None
            snapped = rules.round_amount(amount)
            if snapped <= ZERO:
                raise ValueError("the amount is below one step")
            self.plan_label.setText("")
            return snapped
        self.amount_field.setReadOnly(True)
        risk = self._num(self.risk_field, "amount to lose", True)
        assert risk is not None
        if entry is None:
            raise ValueError("no current price yet: enter the entry price")
        if self.risk_unit.currentIndex() == 1:
            if self._balances is None:
                raise ValueError("balances are not loaded yet: risk in quote instead")
            risk = account_value(self._balances, rules, entry) * risk / Decimal(100)
        plan = risk_plan(rules, position, entry, stop, risk, target)
        if isinstance(plan, str):
            raise ValueError(plan)
        self._plan = plan
        self.amount_field.blockSignals(True)
        self.amount_field.setText(rules.format_amount(plan.amount))
        self.amount_field.blockSignals(False)
        q = rules.quote
        text = (
            f"Amount {rules.format_amount(plan.amount)} {rules.base} · notional "
            f"{format_decimal(plan.notional.quantize(Decimal('0.01')))} {q} · loss at stop "
            f"{format_decimal(plan.loss_at_stop.quantize(Decimal('0.01')))} {q}"
        )
        if plan.reward_at_target is not None and plan.r_multiple is not None:
            text += (
                f" · reward at target "
                f"{format_decimal(plan.reward_at_target.quantize(Decimal('0.01')))} {q}"
                f" · {format_decimal(plan.r_multiple)} R"
            )
        self.plan_label.setText(text)
        return plan.amount

    # ---- review and send ----------------------------------------------------------------
    def review(self) -> LegsConfirmDialog | None:
        if self._request is None or self._rules is None or self.confirmation is not None:
            return None
        refusals = self._precheck(self._request) if self._precheck is not None else []
        if refusals:  # what the order service would refuse is never offered for sending
            self.problem_label.setText("Not sent: " + "; ".join(refusals))
            return None
        rows = legs_preview(self._request, self._rules, self._caps)
        kind = self.kind_combo.currentText()
        title = f"{kind} on {self._venue} ({self._mode.value}) — {self._rules.symbol}"
        summary = [self.plan_label.text()] if self.plan_label.text() else []
        dlg = LegsConfirmDialog(
            self._request, frozenset(), title, rows, summary, parent=self, arm_ms=self._arm_ms
        )
        dlg.confirmed.connect(self.protectRequested.emit)
        dlg.finished.connect(lambda _r: setattr(self, "confirmation", None))
        self.confirmation = dlg
        dlg.open()
        return dlg
