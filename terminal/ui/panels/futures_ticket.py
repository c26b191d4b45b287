"""The order ticket's futures section: funding rate and the countdown to the next funding
in its header, the symbol's leverage (a change is confirmed before it is sent) and margin
mode, and what the ticket's order would do: notional, initial margin, estimated
liquidation price of the position after it, fee.

Shown under the order ticket while the ticket trades a perpetual session. A view: it
reads the ticket (`set_ticket`), the futures state (`set_snapshot`) and the market
(`set_market`); figures are recomputed on the frame clock, the countdown every second.
"""

from __future__ import annotations

import time
from decimal import Decimal

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from terminal.core.futures.estimate import OrderEstimate, estimate_order
from terminal.core.futures.state import FuturesSnapshot
from terminal.domain.enums import OrderType
from terminal.domain.ids import Symbol
from terminal.domain.market import MarketRules
from terminal.domain.money import ZERO
from terminal.domain.order import OrderRequest
from terminal.domain.position import MarginMode, PositionMode
from terminal.ui.frame import FrameClock

from ._driven import DrivenPanel, attach_frames
from ._style import AMBER, MUTED, dec_text, grouped

DEFAULT_MAX_LEVERAGE = 125
MARGIN_MODES = (MarginMode.CROSS, MarginMode.ISOLATED)


def countdown_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    h, rest = divmod(max(0, seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _money(value: Decimal | None, places: int = 2) -> str:
    return (
        "—"
        if value is None
        else grouped(dec_text(value.quantize(Decimal(1).scaleb(-places)), places))
    )


class FuturesTicketSection(DrivenPanel):
    """See the module docstring."""

    leverageChangeRequested = Signal(str, int)  # symbol, leverage (confirmed by the user)
    marginModeChangeRequested = Signal(str, object)  # symbol, MarginMode
    reduceOnlyToggled = Signal(bool)  # the ticket's orders may only shrink a position
    closePositionToggled = Signal(bool)  # the ticket closes the symbol's whole position

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        wall_clock=time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("FuturesTicketSection")
        self._wall = wall_clock
        self._snapshot: FuturesSnapshot | None = None
        self._rules: MarketRules | None = None
        self._request: OrderRequest | None = None
        self._reference: Decimal | None = None
        self._ask: QMessageBox | None = None
        self._dirty = True
        self.estimate: OrderEstimate | None = None
        self._build()
        attach_frames(self, frame_clock)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_countdown)
        self._tick.start()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(4)
        self.header = QLabel("Perpetual · funding —")
        self.header.setObjectName("fundingHeader")
        self.header.setStyleSheet("font-weight: 600")
        root.addWidget(self.header)

        row = QHBoxLayout()
        row.addWidget(QLabel("Leverage"))
        self.leverage_spin = QSpinBox()
        self.leverage_spin.setRange(1, DEFAULT_MAX_LEVERAGE)
        self.leverage_spin.setSuffix("x")
        self.leverage_spin.setToolTip("Leverage of this symbol on this account")
        self.leverage_spin.valueChanged.connect(self._leverage_edited)
        row.addWidget(self.leverage_spin)
        self.leverage_button = QPushButton("Set")
        self.leverage_button.setToolTip("Send the new leverage (asks first)")
        self.leverage_button.clicked.connect(self._ask_leverage)
        row.addWidget(self.leverage_button)
        row.addSpacing(8)
        row.addWidget(QLabel("Margin"))
        self.margin_combo = QComboBox()
        for mode in MARGIN_MODES:
            self.margin_combo.addItem(mode.value.capitalize(), mode)
        self.margin_combo.setToolTip(
            "Cross: the whole wallet backs the position; isolated: only its own margin"
        )
        self.margin_combo.activated.connect(self._margin_picked)
        row.addWidget(self.margin_combo)
        row.addStretch(1)
        root.addLayout(row)

        flags = QHBoxLayout()
        self.reduce_only_box = QCheckBox("Reduce-only")
        self.reduce_only_box.setObjectName("reduceOnlyBox")
        self.reduce_only_box.setToolTip(
            "The order may only shrink the position: the venue refuses what would open or add"
        )
        self.reduce_only_box.toggled.connect(self.reduceOnlyToggled)
        flags.addWidget(self.reduce_only_box)
        self.close_position_box = QCheckBox("Close position")
        self.close_position_box.setObjectName("closePositionBox")
        self.close_position_box.setToolTip(
            "Fill the ticket with the whole position of this symbol, opposite side, reduce-only"
        )
        self.close_position_box.toggled.connect(self._close_toggled)
        flags.addWidget(self.close_position_box)
        flags.addStretch(1)
        root.addLayout(flags)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        self.notional_label = QLabel("—")
        self.margin_label = QLabel("—")
        self.liq_label = QLabel("—")
        self.fee_label = QLabel("—")
        self.mode_label = QLabel("—")
        form.addRow("Notional", self.notional_label)
        form.addRow("Initial margin", self.margin_label)
        form.addRow("Est. liq. price", self.liq_label)
        form.addRow("Fee", self.fee_label)
        form.addRow("Position mode", self.mode_label)
        root.addLayout(form)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {MUTED}")
        root.addWidget(self.note)
        self.status = QLabel("")
        self.status.setObjectName("futuresTicketStatus")
        self.status.setWordWrap(True)
        root.addWidget(self.status)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, super().minimumSizeHint().height())

    # ---------------------------------------------------------------- inputs
    def set_market(self, rules: MarketRules | None) -> None:
        self._rules = rules
        self._dirty = True

    def set_snapshot(self, snapshot: FuturesSnapshot) -> None:
        self._snapshot = snapshot
        self._dirty = True

    def set_ticket(self, request: OrderRequest | None, reference: Decimal | None = None) -> None:
        """The ticket's order (None: not a valid order yet) and the price a market order
        is estimated at (the mark, else the touch)."""
        self._request = request
        self._reference = reference
        self._dirty = True

    def _close_toggled(self, on: bool) -> None:
        if on:
            self.reduce_only_box.setChecked(True)
        self.reduce_only_box.setEnabled(not on)
        self.closePositionToggled.emit(on)

    def say(self, text: str, error: bool = False) -> None:
        """One line under the figures: a setting that was refused, and why."""
        self.status.setText(text)
        self.status.setStyleSheet("color: #f6465d" if error else f"color: {MUTED}")

    # ---------------------------------------------------------------- state
    def _symbol(self) -> Symbol | None:
        return self._rules.symbol if self._rules is not None else None

    def current_leverage(self) -> Decimal | None:
        sym, snap = self._symbol(), self._snapshot
        if sym is None or snap is None or sym not in snap.settings:
            return None
        return snap.settings[sym].leverage

    def current_margin_mode(self) -> MarginMode | None:
        sym, snap = self._symbol(), self._snapshot
        if sym is None or snap is None or sym not in snap.settings:
            return None
        return snap.settings[sym].margin_mode

    def refresh(self) -> bool:
        if not self._dirty:
            return False
        self._dirty = False
        sym, snap = self._symbol(), self._snapshot
        lev = self.current_leverage()
        tiers = snap.tiers.get(sym, ()) if (snap and sym) else ()
        if tiers:
            self.leverage_spin.setMaximum(int(tiers[0].max_leverage))
        if lev is not None and not self.leverage_spin.hasFocus() and self._ask is None:
            self.leverage_spin.blockSignals(True)
            self.leverage_spin.setValue(int(lev))
            self.leverage_spin.blockSignals(False)
        self._leverage_edited()
        mode = self.current_margin_mode()
        if mode is not None:
            self.margin_combo.setCurrentIndex(MARGIN_MODES.index(mode))
        if snap is not None and snap.position_mode is not None:
            hedge = snap.position_mode is PositionMode.HEDGE
            self.mode_label.setText("Hedge (long and short apart)" if hedge else "One-way")
        self._update_countdown()
        self._estimate()
        return True

    def _estimate(self) -> None:
        req, rules, snap = self._request, self._rules, self._snapshot
        lev, mode = self.current_leverage(), self.current_margin_mode()
        self.estimate = None
        if req is None or rules is None or snap is None or lev is None or mode is None:
            for label in (self.notional_label, self.margin_label, self.liq_label, self.fee_label):
                label.setText("—")
            self.note.setText("" if req is not None else "Enter an amount to see the figures")
            return
        is_market = req.type is OrderType.MARKET
        price = req.price if not is_market else self._reference
        if price is None or price <= ZERO:
            self.note.setText("No price to estimate a market order at yet")
            return
        est = estimate_order(
            side=req.side,
            amount=req.amount,
            price=price,
            is_market=is_market,
            leverage=lev,
            margin_mode=mode,
            hedged=snap.position_mode is PositionMode.HEDGE,
            reduce_only=req.reduce_only,
            taker_fee=rules.taker_fee or ZERO,
            maker_fee=rules.maker_fee or ZERO,
            tiers=snap.tiers.get(rules.symbol, ()),
            positions=list(snap.positions),
            symbol=rules.symbol,
            account=snap.account,
        )
        self.estimate = est
        q = rules.quote
        self.notional_label.setText(f"{_money(est.notional)} {q}")
        self.margin_label.setText(f"{_money(est.initial_margin)} {q} at {dec_text(lev)}x")
        tick = rules.tick_size
        places = max(0, -int(tick.normalize().as_tuple().exponent)) if tick else 2
        self.liq_label.setText(
            "none" if est.liquidation_price is None else _money(est.liquidation_price, places)
        )
        kind = "taker" if est.fee_is_taker else "maker"
        self.fee_label.setText(f"{_money(est.fee, 4)} {q} ({kind})")
        self.note.setText(
            "Estimates at the ticket's price (a market order: the mark); the venue's figures "
            "after the fill are in the positions panel."
        )

    def _update_countdown(self) -> None:
        sym, snap = self._symbol(), self._snapshot
        if sym is None:
            self.header.setText("Perpetual · no symbol")
            return
        funding = snap.funding.get(sym) if snap else None
        if funding is None:
            self.header.setText(f"{sym} · funding —")
            return
        left = funding.seconds_to_funding(int(self._wall() * 1000))
        rate = funding.rate * 100
        colour = AMBER if funding.rate < 0 else None
        self.header.setText(
            f"{sym} · funding {dec_text(rate.quantize(Decimal('0.0001')), 4)} % "
            f"· next in {countdown_text(left)}"
        )
        self.header.setStyleSheet(
            f"font-weight: 600; color: {colour}" if colour else "font-weight: 600"
        )

    # ---------------------------------------------------------------- actions
    def _leverage_edited(self) -> None:
        lev = self.current_leverage()
        self.leverage_button.setEnabled(lev is not None and self.leverage_spin.value() != int(lev))

    def _ask_leverage(self) -> None:
        sym, lev = self._symbol(), self.current_leverage()
        new = self.leverage_spin.value()
        if sym is None or lev is None or new == int(lev):
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Change leverage")
        box.setText(f"Change the leverage of {sym} from {dec_text(lev)}x to {new}x?")
        box.setInformativeText(
            "It applies to the open position too: higher leverage moves its liquidation "
            "price closer."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda result: self._leverage_answered(str(sym), new, result))
        self._ask = box
        box.open()

    def leverage_question(self) -> QMessageBox | None:
        return self._ask

    def _leverage_answered(self, symbol: str, leverage: int, result: int) -> None:
        self._ask = None
        if result == int(QMessageBox.StandardButton.Yes):
            self.leverageChangeRequested.emit(symbol, leverage)
        else:  # back to what the venue has
            self._dirty = True

    def _margin_picked(self, index: int) -> None:
        sym, current = self._symbol(), self.current_margin_mode()
        wanted = MARGIN_MODES[index]
        if sym is None or wanted is current:
            return
        if current is not None:  # shown as the venue has it until it says otherwise
            self.margin_combo.setCurrentIndex(MARGIN_MODES.index(current))
        self.marginModeChangeRequested.emit(str(sym), wanted)
