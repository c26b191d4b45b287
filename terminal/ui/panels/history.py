"""Order history and fills from the journal, filterable, exportable to CSV.

A view: the main window runs the journal queries (off the GUI thread: they are async)
and hands the rows in with `set_orders` / `set_fills`. When a filter that the journal
can apply changes (venue, symbol, time range) the panel emits `queryChanged(query)`
so the main window can re-query; every filter is also applied here, so what is shown
always matches the filters whatever the query returned. Export opens a non-blocking
file dialog and writes the rows shown, with Decimals as exact text.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.order import Order, OrderStatus
from terminal.domain.session import SessionKey
from terminal.ui.session_style import session_of

from ._style import ERROR, MUTED, mono_font
from ._table import CachedTableModel, DataTable
from .history_csv import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    FillLike,
    fill_record,
    fill_time,
    order_record,
    write_csv,
)
from .history_rows import FILL_HEADERS, ORDER_HEADERS, fill_row, order_row
from .open_orders import STATUS_TEXT
from .precision import DisplayPrecision, NoPrecision
from .session_filter import SessionFilter

RANGES: tuple[tuple[str, float | None], ...] = (
    ("Last 24 hours", 86400.0),
    ("Last 7 days", 7 * 86400.0),
    ("Last 30 days", 30 * 86400.0),
    ("Last 365 days", 365 * 86400.0),
    ("All time", None),
)
ALL = "All"
ALL_VENUES = "All venues"
ALL_SYMBOLS = "All symbols"


@dataclass(frozen=True)
class HistoryQuery:
    """The filters the journal can apply (terminal.journal order_history / fill_history)."""

    venue: str | None = None
    symbol: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None
    session: SessionKey | None = None  # one session's rows only


@dataclass(frozen=True)
class HistoryFilter:
    venue: str | None = None
    symbol: str | None = None
    side: str | None = None  # "buy" / "sell"
    status: OrderStatus | None = None
    since: datetime | None = None
    text: str = ""
    session: SessionKey | None = None  # one session's rows only

    def match_order(self, o: Order) -> bool:
        if self.venue and o.venue != self.venue:
            return False
        if self.session is not None and session_of(o) != self.session:
            return False
        if self.symbol and o.symbol != self.symbol:
            return False
        if self.side and o.side.value != self.side:
            return False
        if self.status and o.status is not self.status:
            return False
        if self.since and o.created_at < self.since:
            return False
        if self.text:
            hay = " ".join(
                (o.client_order_id, o.venue_order_id or "", o.symbol, o.reason, o.venue, o.account)
            ).lower()
            if self.text.lower() not in hay:
                return False
        return True

    def match_fill(self, f: FillLike) -> bool:
        if self.venue and f.venue != self.venue:
            return False
        if self.session is not None and session_of(f) != self.session:
            return False
        if self.symbol and f.symbol != self.symbol:
            return False
        if self.side and (f.side or "") != self.side:
            return False
        if self.since and fill_time(f) < self.since:
            return False
        if self.text:
            hay = " ".join(
                (
                    f.trade_id,
                    f.client_order_id or "",
                    f.venue_order_id or "",
                    f.symbol,
                    f.venue,
                    f.account,
                )
            ).lower()
            if self.text.lower() not in hay:
                return False
        return True


def _table(model: CachedTableModel, parent: QWidget) -> DataTable:
    view = DataTable(parent)
    view.setModel(model)
    view.setFont(mono_font())
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class HistoryPanel(QWidget):
    """Orders and fills tabs with shared filters. See the module docstring."""

    queryChanged = Signal(object)  # HistoryQuery
    exported = Signal(str, int)  # path, rows written
    orderActivated = Signal(str)  # client order id (double click / Enter on an order or fill)

    ORDERS_TAB, FILLS_TAB = 0, 1

    def __init__(self, parent: QWidget | None = None, *, now=lambda: datetime.now(UTC)) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryPanel")
        self._now = now
        self._orders: list[Order] = []
        self._fills: list[FillLike] = []
        self._shown_orders: list[Order] = []
        self._shown_fills: list[FillLike] = []
        self._last_query: HistoryQuery | None = None
        self._dialog: QFileDialog | None = None
        self.overwrite_question: QMessageBox | None = None
        self._precision: DisplayPrecision = NoPrecision()
        self._build()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.venue_combo = QComboBox()
        self.venue_combo.addItem(ALL_VENUES)
        self.venue_combo.setToolTip("Venue")
        self.session_filter = SessionFilter(self)
        self.symbol_combo = QComboBox()
        self.symbol_combo.setEditable(True)
        self.symbol_combo.addItem(ALL_SYMBOLS)
        self.symbol_combo.setToolTip("Symbol")
        self.symbol_combo.setMinimumContentsLength(9)
        self.side_combo = QComboBox()
        self.side_combo.addItems([f"{ALL} sides", "Buy", "Sell"])
        self._statuses: list[OrderStatus | None] = [None, *OrderStatus]
        self.status_combo = QComboBox()
        self.status_combo.addItems(
            [f"{ALL} statuses"] + [STATUS_TEXT[s].capitalize() for s in OrderStatus]
        )
        self.range_combo = QComboBox()
        self.range_combo.addItems([name for name, _ in RANGES])
        self.range_combo.setCurrentIndex(1)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Search ids, reasons…")
        self.text_edit.setClearButtonEnabled(True)
        self.reload_button = QPushButton("Reload")
        self.export_button = QPushButton("Export CSV…")
        for w in (
            self.venue_combo,
            self.session_filter,
            self.symbol_combo,
            self.side_combo,
            self.status_combo,
            self.range_combo,
        ):
            bar.addWidget(w)
        bar.addWidget(self.text_edit, 1)
        bar.addWidget(self.reload_button)
        bar.addWidget(self.export_button)
        root.addLayout(bar)

        self.tabs = QTabWidget()
        self.orders_model = CachedTableModel(ORDER_HEADERS, (5, 6, 7, 8), self)
        self.fills_model = CachedTableModel(FILL_HEADERS, (4, 5, 6, 7), self)
        self.orders_view = _table(self.orders_model, self)
        self.fills_view = _table(self.fills_model, self)
        for view, widths in (
            (self.orders_view, (150, 150, 86, 40, 70, 90, 90, 90, 90, 84, 110, 150, 90)),
            (self.fills_view, (150, 150, 86, 40, 90, 90, 100, 120, 44, 110)),
        ):
            for col, width in enumerate(widths):
                view.setColumnWidth(col, width)
        self.tabs.addTab(self.orders_view, "Orders")
        self.tabs.addTab(self.fills_view, "Fills")
        root.addWidget(self.tabs, 1)
        self.status_label = QLabel("")
        self.status_label.setObjectName("statusLabel")
        self.status_label.setStyleSheet(f"color: {MUTED};")
        root.addWidget(self.status_label)

        self.venue_combo.currentIndexChanged.connect(self._query_filter_changed)
        self.session_filter.sessionChanged.connect(self._query_filter_changed)
        self.symbol_combo.currentTextChanged.connect(self._query_filter_changed)
        self.range_combo.currentIndexChanged.connect(self._query_filter_changed)
        self.side_combo.currentIndexChanged.connect(self._apply)
        self.status_combo.currentIndexChanged.connect(self._apply)
        self.text_edit.textChanged.connect(self._apply)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.reload_button.clicked.connect(lambda: self._emit_query(force=True))
        self.export_button.clicked.connect(self.choose_export_file)
        self.orders_view.activated.connect(
            lambda i: self._activate(self.orders_model.row_at(i.row()).key)
        )
        self.fills_view.activated.connect(
            lambda i: self._activate(self.fills_model.row_at(i.row()).cells[10])
        )

    # ---------------------------------------------------------------- inputs
    def set_orders(self, orders: Sequence[Order]) -> None:
        self._orders = list(orders)
        self._add_choices(o.venue for o in self._orders)
        self.session_filter.add_sessions({session_of(o) for o in self._orders})
        self._add_symbols(o.symbol for o in self._orders)
        self._apply()

    def set_fills(self, fills: Sequence[FillLike]) -> None:
        """Journal fills (terminal.journal FillRecord or anything with its fields)."""
        self._fills = list(fills)
        self._add_choices(f.venue for f in self._fills)
        self.session_filter.add_sessions({session_of(f) for f in self._fills})
        self._add_symbols(f.symbol for f in self._fills)
        self._apply()

    def set_precision(self, precision: DisplayPrecision) -> None:
        """Where each market's and currency's precision comes from (numbers are shown
        to it; the CSV export stays exact)."""
        self._precision = precision
        self._apply()

    def set_venues(self, venues: Sequence[str]) -> None:
        self._add_choices(venues)

    def set_symbols(self, symbols: Sequence[str]) -> None:
        self._add_symbols(symbols)

    # ---------------------------------------------------------------- filters
    def current_filter(self) -> HistoryFilter:
        venue = self.venue_combo.currentText() if self.venue_combo.currentIndex() > 0 else None
        symbol = self.symbol_combo.currentText().strip().upper()
        side = (
            ("buy", "sell")[self.side_combo.currentIndex() - 1]
            if self.side_combo.currentIndex() > 0
            else None
        )
        span = RANGES[self.range_combo.currentIndex()][1]
        return HistoryFilter(
            venue=venue or None,
            session=self.session_filter.selected(),
            symbol=None if symbol in ("", ALL.upper(), ALL_SYMBOLS.upper()) else symbol,
            side=side,
            status=self._statuses[self.status_combo.currentIndex()],
            since=None if span is None else self._now() - timedelta(seconds=span),
            text=self.text_edit.text().strip(),
        )

    def current_query(self) -> HistoryQuery:
        f = self.current_filter()
        return HistoryQuery(
            venue=f.venue,
            session=f.session,
            symbol=f.symbol,
            since_ms=None if f.since is None else int(f.since.timestamp() * 1000),
        )

    def set_filter(
        self,
        *,
        venue: str | None = None,
        symbol: str | None = None,
        side: str | None = None,
        status: OrderStatus | None = None,
        range_index: int | None = None,
        text: str | None = None,
        session: SessionKey | bool | None = False,
    ) -> None:
        """Set filters from code (tests, 'show history of this symbol'); `session` None
        shows every session."""
        if session is not False:
            self.session_filter.select(session if isinstance(session, SessionKey) else None)
        if venue is not None:
            if venue in (ALL, ALL_VENUES, ""):
                self.venue_combo.setCurrentIndex(0)
            else:
                self._add_choices([venue])
                self.venue_combo.setCurrentText(venue)
        if symbol is not None:
            self.symbol_combo.setCurrentText(symbol)
        if side is not None:
            self.side_combo.setCurrentIndex({"buy": 1, "sell": 2}.get(side, 0))
        if status is not None:
            self.status_combo.setCurrentIndex(self._statuses.index(status))
        if range_index is not None:
            self.range_combo.setCurrentIndex(range_index)
        if text is not None:
            self.text_edit.setText(text)

    @property
    def shown_orders(self) -> list[Order]:
        return list(self._shown_orders)

    @property
    def shown_fills(self) -> list[FillLike]:
        return list(self._shown_fills)

    # ---------------------------------------------------------------- export
    def choose_export_file(self) -> None:
        """Ask for a file with a non-blocking dialog; the export runs when one is chosen."""
        if self._dialog is not None:
            self._dialog.raise_()
            return
        kind = "orders" if self.tabs.currentIndex() == self.ORDERS_TAB else "fills"
        stamp = self._now().strftime("%Y%m%d-%H%M%S")
        dlg = QFileDialog(self, f"Export {kind} to CSV", f"{kind}-{stamp}.csv", "CSV files (*.csv)")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setDefaultSuffix("csv")
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        # Qt's own overwrite question is a modal exec() (a nested loop under qasync):
        # ask our own, non-blocking one instead.
        dlg.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        dlg.fileSelected.connect(self._file_chosen)
        dlg.finished.connect(self._dialog_closed)
        self._dialog = dlg
        dlg.open()

    def _file_chosen(self, path: str) -> None:
        tab = self.tabs.currentIndex()
        if not Path(path).exists():
            self.export_csv(path, tab)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace file?",
            f"{Path(path).name} already exists. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("overwriteQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.export_csv(path, tab)
            box.deleteLater()

        box.finished.connect(answered)
        self.overwrite_question = box
        box.open()

    def export_csv(self, path: str | Path, tab: int | None = None) -> int:
        """Write the rows shown in `tab` (default: the current one); returns the count."""
        tab = self.tabs.currentIndex() if tab is None else tab
        try:
            if tab == self.ORDERS_TAB:
                n = write_csv(path, ORDER_COLUMNS, (order_record(o) for o in self._shown_orders))
            else:
                n = write_csv(path, FILL_COLUMNS, (fill_record(f) for f in self._shown_fills))
        except OSError as exc:
            self.status_label.setStyleSheet(f"color: {ERROR};")
            self.status_label.setText(f"Export failed: {exc.strerror or exc}")
            return 0
        self.status_label.setStyleSheet(f"color: {MUTED};")
        self.status_label.setText(f"Exported {n} rows to {path}")
        self.exported.emit(str(path), n)
        return n

    # ---------------------------------------------------------------- internals
    def _activate(self, client_order_id: object) -> None:
        if client_order_id:
            self.orderActivated.emit(str(client_order_id))

    def _dialog_closed(self) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
        self._dialog = None

    def _add_choices(self, venues) -> None:
        have = {self.venue_combo.itemText(i) for i in range(self.venue_combo.count())}
        for v in sorted(set(map(str, venues)) - have):
            self.venue_combo.addItem(v)

    def _add_symbols(self, symbols) -> None:
        have = {self.symbol_combo.itemText(i) for i in range(self.symbol_combo.count())}
        new = sorted(set(map(str, symbols)) - have)
        if new:
            self.symbol_combo.blockSignals(True)
            current = self.symbol_combo.currentText()
            self.symbol_combo.addItems(new)
            self.symbol_combo.setCurrentText(current)
            self.symbol_combo.blockSignals(False)

    def _query_filter_changed(self, *_: object) -> None:
        self._apply()
        self._emit_query()

    def _emit_query(self, force: bool = False) -> None:
        q = self.current_query()
        if force or q != self._last_query:
            self._last_query = q
            self.queryChanged.emit(q)

    def _tab_changed(self, index: int) -> None:
        self.status_combo.setEnabled(index == self.ORDERS_TAB)
        self._apply()

    def _apply(self, *_: object) -> None:
        started = time.perf_counter()
        f = self.current_filter()
        self._shown_orders = list(
            {o.client_order_id: o for o in self._orders if f.match_order(o)}.values()
        )
        fill_filter = (
            f
            if f.status is None
            else HistoryFilter(f.venue, f.symbol, f.side, None, f.since, f.text)
        )
        unique = {(x.venue, x.trade_id): x for x in self._fills if fill_filter.match_fill(x)}
        self._shown_fills = sorted(unique.values(), key=lambda x: x.ts_ms, reverse=True)
        p = self._precision
        self.orders_model.set_rows([order_row(o, p) for o in self._shown_orders])
        self.fills_model.set_rows([fill_row(x, p) for x in self._shown_fills])
        ms = (time.perf_counter() - started) * 1000
        self.status_label.setStyleSheet(f"color: {MUTED};")
        self.status_label.setText(
            f"{len(self._shown_orders)} of {len(self._orders)} orders, "
            f"{len(self._shown_fills)} of {len(self._fills)} fills ({ms:.0f} ms)"
        )
