"""Open orders: a live table of the terminal's orders that may still rest on a venue.

`set_orders(orders)` (or a provider) hands the latest list; `refresh()`, called on the
frame clock, formats only when something changed and applies a diff, so a submitted
order appears at once as PENDING, changes state in place, and the selection stays put.
UNKNOWN orders (outcome not yet known: the terminal is checking, never resending) get
an amber row with a tooltip; orders older than `stale_after_s` are flagged. Orders
that just reached a final state linger `linger_s` seconds, dimmed, so a fill is seen.

Amend (Ctrl+E, the context menu, the Amend… button, or a double click on the price or
amount cell) opens a non-modal `AmendDialog` for one selected resting limit order;
whether the venue can amend and whether entry is blocked comes from
`set_amend_support` (the wiring), and the dialog's Amend is relayed as
`amendRequested(dialog)` for the wiring to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.enums import OrderType
from terminal.domain.market import MarketRules
from terminal.domain.order import Order
from terminal.ui.frame import FrameClock, ProviderPoll
from terminal.ui.session_style import session_of
from terminal.ui.shortcuts import keys_text, sequences

from ._driven import DrivenPanel, attach_frames
from ._style import (
    MUTED,
    mono_font,
    utc_now,
)
from ._table import KEY_ROLE, CachedTableModel, DataTable, Row
from .amend_dialog import AmendDialog
from .open_orders_rows import (  # noqa: F401 - re-exported: the table's columns and texts
    C_AGE,
    C_AMOUNT,
    C_FILLED,
    C_PRICE,
    C_SESSION,
    C_SIDE,
    C_STATUS,
    C_SYMBOL,
    C_TYPE,
    CANCELLABLE,
    COLUMNS,
    RIGHT_COLS,
    STATUS_TEXT,
    UNKNOWN_TIP,
    OrderRows,
)
from .order_groups import GROUP_PREFIX, LEG_MARK, Group, GroupsProvider, arrange, group_members
from .session_filter import SessionFilter

REPEAT_CANCEL_S = 2.0
AMEND_UNAVAILABLE = "amending is not available (no venue connection)"

AmendReason = Callable[[Order], "str | None"]  # why this order cannot be amended now
RulesFor = Callable[[Order], "MarketRules | None"]


class OpenOrdersPanel(DrivenPanel):
    """Live open orders with cancel actions. See the module docstring."""

    cancelRequested = Signal(str)  # client order id
    cancelAllRequested = Signal(str, object)  # venue, symbol or None (= whole venue)
    orderActivated = Signal(str)  # client order id (double click / Enter)
    amendRequested = Signal(object)  # AmendDialog: client_order_id, amount, price, confirmed
    cancelGroupRequested = Signal(str)  # list id: the whole OCO or bracket

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        stale_after_s: float = 3600.0,
        linger_s: float = 5.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("OpenOrdersPanel")
        self._now = now
        self.stale_after_s = stale_after_s
        self.linger_s = linger_s
        self._orders: list[Order] = []
        self._dirty = True
        self._poll = ProviderPoll()
        self._last_second = -1
        self._venue: str | None = None
        self._symbol: str | None = None
        self._recent_cancels: dict[str, float] = {}
        self.rows_format = OrderRows(stale_after_s)
        self.context_menu: QMenu | None = None
        self.amend_dialog: AmendDialog | None = None
        self.last_amended: Order | None = None  # what the last successful amend rests as
        self._amend_reason: AmendReason | None = None
        self._rules_for: RulesFor | None = None
        self._groups: GroupsProvider = dict
        self._known: dict[str, Group] = {}
        self._group_rows: dict[str, Group] = {}  # row key -> group, as last shown
        self._build()
        attach_frames(self, frame_clock)

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QHBoxLayout()
        self.only_symbol = QCheckBox("Current symbol only")
        self.only_symbol.toggled.connect(self._mark_dirty)
        self.session_filter = SessionFilter(self)
        self.session_filter.sessionChanged.connect(self._mark_dirty)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the selected orders (Delete)")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_symbol_button = QPushButton("Cancel all (symbol)")
        self.cancel_symbol_button.clicked.connect(self._cancel_all_symbol)
        self.cancel_venue_button = QPushButton("Cancel all (venue)")
        self.cancel_venue_button.clicked.connect(self._cancel_all_venue)
        self.amend_button = QPushButton("Amend…")
        self.amend_button.setObjectName("amendOrderButton")
        self.amend_button.clicked.connect(lambda: self.open_amend())
        self.count_label = QLabel("")
        self.count_label.setStyleSheet(f"color: {MUTED};")
        bar.addWidget(self.only_symbol)
        bar.addWidget(self.session_filter)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.amend_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.cancel_symbol_button)
        bar.addWidget(self.cancel_venue_button)
        root.addLayout(bar)

        self.model = CachedTableModel(COLUMNS, RIGHT_COLS, self)
        self.table = DataTable(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # the type column holds "STOP-MARKET trig 59796.98" and a leg's "└ " in full
        widths = (70, 150, 90, 44, 230, 100, 100, 100, 84, 150)
        for col, w in enumerate(widths):
            self.table.setColumnWidth(col, w)
        self.table.deletePressed.connect(self.cancel_selected)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._double_clicked)
        # Ctrl+E while the panel has the focus (a window-wide key would reach into a
        # table the user is not looking at).
        self.amend_action = QAction("Amend…", self)
        self.amend_action.setShortcuts(sequences("amend"))
        self.amend_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.amend_action.triggered.connect(lambda: self.open_amend())
        self.addAction(self.amend_action)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        root.addWidget(self.table)
        self._update_buttons()

    # ---------------------------------------------------------------- inputs
    def set_orders(self, orders: Iterable[Order]) -> None:
        """The latest orders (open ones; final ones linger briefly). Applied on the next frame."""
        self._orders = list(orders)
        self._dirty = True

    def set_amend_support(self, reason: AmendReason | None, rules: RulesFor | None) -> None:
        """`reason(order)`: why it cannot be amended now (venue cannot edit, entry locked
        or stopped...), None if it can; `rules(order)`: its market's tick and step."""
        self._amend_reason, self._rules_for = reason, rules
        self.rows_format.set_rules_for(rules)
        self._update_buttons()

    def set_groups_provider(self, provider: GroupsProvider) -> None:
        """Which lists belong to which bracket (list id -> Group); see order_groups."""
        self._groups = provider
        self._dirty = True

    def set_orders_provider(
        self, provider: Callable[[], tuple[Hashable, list[Order]]] | None
    ) -> None:
        """Pull orders from `provider() -> (version, orders)` on every frame instead."""
        self._poll.set(provider)

    def set_active(self, venue: str | None, symbol: str | None) -> None:
        """The active venue and symbol: what the cancel-all buttons and the filter act on."""
        self._venue, self._symbol = venue, symbol
        self.cancel_symbol_button.setText(
            f"Cancel all {symbol}" if symbol else "Cancel all (symbol)"
        )
        self.cancel_venue_button.setText(
            f"Cancel all on {venue}" if venue else "Cancel all (venue)"
        )
        self._update_buttons()
        self._dirty = True

    # ---------------------------------------------------------------- frame
    def refresh(self) -> bool:
        """Apply the latest orders; re-render ages once a second. True if anything changed."""
        changed, value = self._poll.poll()
        if changed:
            self._orders = list(value or ())
            self._dirty = True
        second = int(time.monotonic())
        if not self._dirty and (second == self._last_second or not self._orders):
            return False
        self._last_second = second
        self._dirty = False
        n = self.model.set_rows(self._rows())
        self.count_label.setText(f"{sum(1 for o in self._orders if o.status.is_open)} open")
        self._update_buttons()
        if n:
            self.frames.mark()
        return bool(n)

    def _rows(self) -> list[Row]:
        now = self._now()
        only = self.only_symbol.isChecked() and self._symbol
        self.session_filter.add_sessions({session_of(o) for o in self._orders})
        shown = []
        for o in self._orders:
            if only and (o.symbol != self._symbol or (self._venue and o.venue != self._venue)):
                continue
            if not self.session_filter.accepts(session_of(o)):
                continue
            if o.status.is_final and (now - o.updated_at).total_seconds() > self.linger_s:
                continue
            shown.append(o)
        shown.sort(key=lambda o: o.created_at, reverse=True)
        self.rows_format.stale_after_s = self.stale_after_s
        self.rows_format.prune({o.client_order_id for o in shown})
        self._known = self._groups()
        rows: list[Row] = []
        self._group_rows = {}
        for item in arrange(shown, self._known):
            if isinstance(item, Group):
                self._group_rows[item.key] = item
                rows.append(
                    self.rows_format.group_row(item, group_members(shown, item, self._known), now)
                )
                continue
            row = self.rows_format.row(item, now)
            if item.list_id is not None:  # a leg: indented under its group's row
                cells = list(row.cells)
                cells[C_TYPE] = LEG_MARK + cells[C_TYPE]
                row = Row(row.key, tuple(cells), row.fg, row.bg, row.tips, row.row_tip)
            rows.append(row)
        return rows

    # ---------------------------------------------------------------- actions
    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [str(self.model.data(self.model.index(r, 0), KEY_ROLE)) for r in rows]

    def select(self, client_order_id: str) -> bool:
        row = self.model.row_of(client_order_id)
        if row is None:
            return False
        sm = self.table.selectionModel()
        # NoUpdate: the view's setCurrentIndex would apply the keyboard modifiers held
        # right now (Ctrl toggles in extended selection) and could deselect the row.
        sm.setCurrentIndex(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        sm.select(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        return True

    def cancel_selected(self) -> int:
        """Emit cancelRequested for every selected order that can be cancelled."""
        by_id = {str(o.client_order_id): o for o in self._orders}
        sent = 0
        now = time.monotonic()
        selected = self.selected_ids()
        groups = [self._group_rows[k] for k in selected if k in self._group_rows]
        covered = {g.list_id for g in groups}
        for group in groups:
            if now - self._recent_cancels.get(group.key, -1e9) < REPEAT_CANCEL_S:
                continue
            self._recent_cancels[group.key] = now
            self.cancelGroupRequested.emit(group.list_id)
            sent += 1
        for coid in selected:
            if coid.startswith(GROUP_PREFIX):
                continue
            order = by_id.get(coid)
            if order is not None and order.list_id is not None:
                g = self._known.get(order.list_id)
                if (g.list_id if g is not None else order.list_id) in covered:
                    continue  # its group's cancel covers it
            if order is None or order.status not in CANCELLABLE:
                continue
            if now - self._recent_cancels.get(coid, -1e9) < REPEAT_CANCEL_S:
                continue  # a key repeat, not a new intent
            self._recent_cancels[coid] = now
            self.cancelRequested.emit(coid)
            sent += 1
        self._recent_cancels = {
            k: t for k, t in self._recent_cancels.items() if now - t < REPEAT_CANCEL_S
        }
        return sent

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        if not self.table.selectionModel().isRowSelected(index.row(), index.parent()):
            self.select(str(self.model.data(self.model.index(index.row(), 0), KEY_ROLE)))
        row = self.model.row_at(index.row())
        menu = QMenu(self)
        cancel = menu.addAction("Cancel\tDel", self.cancel_selected)
        cancel.setEnabled(self.cancel_button.isEnabled())
        group = self._group_of_row(row.key)
        if group is not None:
            list_id = group.list_id
            menu.addAction(
                f"Cancel the whole {group.kind}",
                lambda: self.cancelGroupRequested.emit(list_id),
            )
        amend = menu.addAction(f"Amend…\t{keys_text('amend')}", lambda: self.open_amend())
        amend.setEnabled(self.amend_button.isEnabled())
        if not amend.isEnabled():
            amend.setText(f"Amend… ({self.amend_button.toolTip()})")
        menu.addSeparator()
        cells = row.cells
        menu.addAction("Copy client order id", lambda: QApplication.clipboard().setText(cells[9]))
        if cells[10]:
            menu.addAction(
                "Copy venue order id", lambda: QApplication.clipboard().setText(cells[10])
            )
        menu.addAction(
            "Copy rows\tCtrl+C",
            lambda: QApplication.clipboard().setText(self.table.selected_text()),
        )
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self.context_menu = menu

    # ---------------------------------------------------------------- amend
    def amend_block_reason(self, order: Order | None) -> str | None:
        """Why `order` cannot be amended now, in words; None if it can."""
        if order is None:
            return "select one open order"
        if order.type is not OrderType.LIMIT or order.price is None:
            return "only a limit order can be amended"
        if order.status not in CANCELLABLE:
            return f"the order is {STATUS_TEXT[order.status]}, not resting"
        if self._amend_reason is None:
            return AMEND_UNAVAILABLE
        return self._amend_reason(order)

    def _selected_order(self) -> Order | None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return None
        return next((o for o in self._orders if str(o.client_order_id) == ids[0]), None)

    def open_amend(self, client_order_id: str | None = None) -> AmendDialog | None:
        """Open the amend dialog for `client_order_id` (default: the one selected order).
        None, with nothing opened, when it cannot be amended (the button says why)."""
        if client_order_id is not None:
            self.select(client_order_id)
        order = self._selected_order()
        if self.amend_block_reason(order) is not None or order is None:
            self._update_buttons()
            return None
        if self.amend_dialog is not None:
            self.amend_dialog.close()
        rules = self._rules_for(order) if self._rules_for is not None else None
        dialog = AmendDialog(order, rules, self.window())
        dialog.amendRequested.connect(self.amendRequested.emit)
        dialog.finished.connect(lambda _=0, d=dialog: self._amend_closed(d))
        self.amend_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.price_input.setFocus()
        dialog.price_input.selectAll()
        return dialog

    def _amend_closed(self, dialog: AmendDialog) -> None:
        if dialog.done_order is not None:
            self.last_amended = dialog.done_order
        if self.amend_dialog is dialog:
            self.amend_dialog = None
        dialog.deleteLater()

    def _double_clicked(self, index: Any) -> None:
        if index.isValid() and index.column() in (C_PRICE, C_AMOUNT):
            key = self.model.data(self.model.index(index.row(), 0), KEY_ROLE)
            if key:
                self.open_amend(str(key))

    def _cancel_all_symbol(self) -> None:
        if self._venue and self._symbol:
            self.cancelAllRequested.emit(self._venue, self._symbol)

    def _cancel_all_venue(self) -> None:
        if self._venue:
            self.cancelAllRequested.emit(self._venue, None)

    def _activated(self, index: Any) -> None:
        key = self.model.data(self.model.index(index.row(), 0), KEY_ROLE)
        if key:
            self.orderActivated.emit(str(key))

    def _mark_dirty(self, *_: object) -> None:
        self._dirty = True

    def _group_of_row(self, key: object) -> Group | None:
        """The group of a group row or of a leg's row (None: a plain order)."""
        if str(key) in self._group_rows:
            return self._group_rows[str(key)]
        order = next((o for o in self._orders if str(o.client_order_id) == str(key)), None)
        if order is None or order.list_id is None:
            return None
        return self._known.get(order.list_id) or next(
            (g for g in self._group_rows.values() if g.list_id == order.list_id), None
        )

    def _update_buttons(self) -> None:
        by_id = {str(o.client_order_id): o for o in self._orders}
        can = any(
            (by_id.get(c) is not None and by_id[c].status in CANCELLABLE) or c in self._group_rows
            for c in self.selected_ids()
        )
        self.cancel_button.setEnabled(can)
        reason = self.amend_block_reason(self._selected_order())
        self.amend_button.setEnabled(reason is None)
        self.amend_action.setEnabled(reason is None)
        self.amend_button.setToolTip(
            f"Amend the selected order's price or amount ({keys_text('amend')})"
            if reason is None
            else f"Cannot amend: {reason}"
        )
        self.cancel_symbol_button.setEnabled(bool(self._venue and self._symbol))
        self.cancel_venue_button.setEnabled(bool(self._venue))
