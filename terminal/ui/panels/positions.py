"""Positions of a perpetual session: one row per open position with its figures, and the
actions on the selected one (close at market, close at a price, close half, reverse).

A view: `set_snapshot(FuturesSnapshot)` stores the latest state; the table is rebuilt on
the frame clock only when a new snapshot arrived. Actions are signals; the wiring turns
them into reduce-only orders (terminal.core.futures.actions). A reverse opens a position
on the other side, so it asks first (a non-modal question; never a nested event loop).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.core.futures.state import FuturesSnapshot
from terminal.domain.money import MoneyError, parse_typed_number
from terminal.domain.position import (
    MarginMode,
    Position,
    PositionMode,
    PositionSide,
    cross_margin_ratio_percent,
)
from terminal.ui.frame import FrameClock

from ._driven import DrivenPanel, attach_frames
from ._style import AMBER_Q, BUY_Q, MUTED, SELL_Q, dec_text, grouped, mono_font
from ._table import CachedTableModel, DataTable, Row

COLUMNS = (
    "Symbol",
    "Side",
    "Size",
    "Entry",
    "Mark",
    "uPnL",
    "ROE %",
    "Liq. price",
    "Margin",
    "Margin ratio",
    "Lev.",
    "Mode",
)
RIGHT_COLS = (2, 3, 4, 5, 6, 7, 8, 9, 10)
HALF = Decimal("0.5")
_MODE_TEXT: dict[MarginMode | None, str] = {
    MarginMode.ISOLATED: "Isolated",
    MarginMode.CROSS: "Cross",
}
WARN_RATIO = Decimal(80)  # margin ratio (%) from which the cell turns amber


def _money(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else grouped(dec_text(value, places))


def _price(value: Decimal | None, tick: Decimal | None) -> str:
    if value is None:
        return "—"
    places = max(0, -int(tick.normalize().as_tuple().exponent)) if tick else 2
    return grouped(dec_text(value.quantize(Decimal(1).scaleb(-places)), places))


def row_key(p: Position) -> tuple[str, str]:
    return (str(p.symbol), p.side.value)


class PositionsPanel(DrivenPanel):
    """See the module docstring."""

    closeRequested = Signal(object, object, object)  # Position, fraction, price | None
    reverseRequested = Signal(object)  # Position (after the user confirmed)

    def __init__(
        self, parent: QWidget | None = None, *, frame_clock: FrameClock | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PositionsPanel")
        self._snapshot: FuturesSnapshot | None = None
        self._ticks: dict[str, Decimal] = {}
        self._dirty = True
        self._ask: QMessageBox | None = None
        self._build()
        attach_frames(self, frame_clock)

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        self.summary = QLabel("No perpetual session")
        self.summary.setObjectName("positionsSummary")
        self.summary.setStyleSheet(f"color: {MUTED}")
        root.addWidget(self.summary)
        self.model = CachedTableModel(COLUMNS, right_aligned=RIGHT_COLS, parent=self)
        self.table = DataTable(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(30)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        root.addWidget(self.table, 1)

        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the selected position at market (reduce-only)")
        self.close_button.clicked.connect(lambda: self._close(Decimal(1), None))
        self.close_half_button = QPushButton("Close ½")
        self.close_half_button.setToolTip("Close half of the selected position at market")
        self.close_half_button.clicked.connect(lambda: self._close(HALF, None))
        self.price_edit = _PriceEdit()
        self.price_edit.setPlaceholderText("price")
        self.price_edit.setToolTip("The price of a limit close")
        self.close_limit_button = QPushButton("Close at price")
        self.close_limit_button.setToolTip(
            "Close the selected position with a reduce-only limit order at the price"
        )
        self.close_limit_button.clicked.connect(self._close_at_price)
        self.reverse_button = QPushButton("Reverse")
        self.reverse_button.setToolTip("Close the position and open the same size the other way")
        self.reverse_button.clicked.connect(self._ask_reverse)
        for w in (self.close_button, self.close_half_button):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.price_edit)
        bar.addWidget(self.close_limit_button)
        bar.addSpacing(8)
        bar.addWidget(self.reverse_button)
        bar.addStretch(1)
        self.status = QLabel("")
        self.status.setObjectName("positionsStatus")
        bar.addWidget(self.status)
        root.addLayout(bar)
        self._update_buttons()

    def minimumSizeHint(self) -> QSize:
        return QSize(360, 140)

    # ---------------------------------------------------------------- inputs
    def set_snapshot(
        self, snapshot: FuturesSnapshot, ticks: dict[str, Decimal] | None = None
    ) -> None:
        """The latest futures state; `ticks` are the markets' price steps for display."""
        self._snapshot = snapshot
        if ticks is not None:
            self._ticks = {str(k): v for k, v in ticks.items()}
        self._dirty = True

    def say(self, text: str, error: bool = False) -> None:
        """One line beside the buttons: what an action did, or why it was refused."""
        self.status.setText(text)
        self.status.setStyleSheet("color: #f6465d" if error else f"color: {MUTED}")

    def selected(self) -> Position | None:
        snap = self._snapshot
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if snap is None or not rows:
            return None
        key = self.model.row_at(rows[0].row()).key
        return next((p for p in snap.positions if row_key(p) == key), None)

    def select(self, symbol: str, side: PositionSide) -> bool:
        self.refresh()
        row = self.model.row_of((symbol, side.value))
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    # ---------------------------------------------------------------- frame
    def refresh(self) -> bool:
        if not self._dirty:
            return False
        self._dirty = False
        snap = self._snapshot
        rows = [self._row(p, snap) for p in (snap.positions if snap else ())]
        self.model.set_rows(rows)
        if self.model.widths_changed:
            self.table.fit_columns()
        self.summary.setText(self._summary(snap))
        self._update_buttons()
        return True

    def _summary(self, snap: FuturesSnapshot | None) -> str:
        if snap is None:
            return "No perpetual session"
        parts = [snap.key.label]
        if snap.position_mode is not None:
            parts.append("hedge mode" if snap.position_mode is PositionMode.HEDGE else "one-way")
        acc = snap.account
        if acc is not None:
            parts.append(f"wallet {_money(acc.wallet_balance)} {acc.currency}")
            if acc.available is not None:
                parts.append(f"available {_money(acc.available)}")
            ratio = cross_margin_ratio_percent(list(snap.positions), acc)
            if ratio is not None and any(p.margin_mode is MarginMode.CROSS for p in snap.positions):
                parts.append(f"cross margin ratio {_money(ratio)} %")
        if snap.error:
            parts.append(snap.error)
        return " · ".join(parts)

    def _row(self, p: Position, snap: FuturesSnapshot | None) -> Row:
        tick = self._ticks.get(str(p.symbol))
        pnl_colour = BUY_Q if p.unrealized_pnl > 0 else SELL_Q if p.unrealized_pnl < 0 else None
        side_colour = BUY_Q if p.side is PositionSide.LONG else SELL_Q
        if p.margin_mode is MarginMode.ISOLATED:
            ratio = p.margin_ratio_percent()
        else:
            acc = snap.account if snap else None
            ratio = cross_margin_ratio_percent(list(snap.positions), acc) if snap else None
        ratio_colour = AMBER_Q if ratio is not None and ratio >= WARN_RATIO else None
        roe = p.roe_percent
        cells = (
            str(p.symbol),
            "Long" if p.side is PositionSide.LONG else "Short",
            grouped(dec_text(p.size)),
            _price(p.entry_price, tick),
            _price(p.mark_price, tick),
            _money(p.unrealized_pnl),
            _money(roe),
            _price(p.liquidation_price, tick),
            _money(p.margin),
            "—" if ratio is None else f"{_money(ratio)} %",
            "—" if p.leverage is None else f"{dec_text(p.leverage)}x",
            _MODE_TEXT.get(p.margin_mode, "—") + (" · hedge" if p.hedged else ""),
        )
        fg = (None, side_colour, None, None, None, pnl_colour, pnl_colour, None, None, ratio_colour)
        tips = (None,) * 7 + ("Estimated by the venue; none while the wallet covers any move",)
        return Row(key=row_key(p), cells=cells, fg=fg, tips=tips)

    # ---------------------------------------------------------------- actions
    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for b in (
            self.close_button,
            self.close_half_button,
            self.close_limit_button,
            self.reverse_button,
        ):
            b.setEnabled(has)

    def _close(self, fraction: Decimal, price: Decimal | None) -> None:
        p = self.selected()
        if p is not None:
            self.closeRequested.emit(p, fraction, price)

    def _close_at_price(self) -> None:
        try:
            price = parse_typed_number(self.price_edit.text(), "Close price")
        except MoneyError as exc:
            self.say(str(exc), error=True)
            return
        if price <= 0:
            self.say("Close price must be above zero", error=True)
            return
        self._close(Decimal(1), price)

    def _ask_reverse(self) -> None:
        p = self.selected()
        if p is None:
            return
        other = "short" if p.side is PositionSide.LONG else "long"
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Reverse position")
        box.setText(
            f"Reverse {p.symbol}: close the {p.side.value} of {dec_text(p.size)} at market "
            f"and open a {other} of {dec_text(p.size)}?"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda result: self._reverse_answered(p, result))
        self._ask = box
        box.open()

    def reverse_question(self) -> QMessageBox | None:
        return self._ask

    def _reverse_answered(self, p: Position, result: int) -> None:
        self._ask = None
        if result == int(QMessageBox.StandardButton.Yes):
            self.reverseRequested.emit(p)


class _PriceEdit(QLineEdit):
    def __init__(self) -> None:
        super().__init__()
        self.setMaximumWidth(110)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
