"""Watchlist: symbols with last price, 24h change and volume; click to make one active.

A view: tickers come in through `set_tickers` (applied on the frame clock), the venue's
market list through `set_markets` (for the add box's completer). Adding or removing a
symbol emits `watchlistChanged(list)` so the main window can persist it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QMargins, QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.ids import IdError, Symbol
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Ticker
from terminal.domain.money import ZERO
from terminal.ui.frame import FrameClock, ProviderPoll

from ._driven import DrivenPanel, attach_frames
from ._style import BUY_Q, ERROR, MUTED_Q, SELL_Q, compact_amount, dec_text, mono_font
from ._table import KEY_ROLE, CachedTableModel, DataTable, Row

COLUMNS = ("Symbol", "Last", "24h %", "Volume")
# Typical widest texts per column: the dock's default width is sized for them.
SAMPLES = ("DOGE/USDT", "60000.25", "+10.00%", "999.99M")


class WatchlistPanel(DrivenPanel):
    """See the module docstring."""

    symbolActivated = Signal(str)
    watchlistChanged = Signal(list)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        symbols: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WatchlistPanel")
        self._symbols: list[str] = []
        self._tickers: dict[str, Ticker] = {}
        self._markets: list[str] = []
        self._rules: dict[str, MarketRules] = {}
        self._active: str | None = None
        self._dirty = True
        self._poll = ProviderPoll()
        self._build()
        self.set_symbols(symbols)
        attach_frames(self, frame_clock)

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        add = QHBoxLayout()
        self.add_edit = QLineEdit()
        self.add_edit.setObjectName("addEdit")
        self.add_edit.setPlaceholderText("Add symbol, e.g. BTC/USDT")
        self._market_model = QStringListModel(self)
        self.completer = QCompleter(self._market_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.add_edit.setCompleter(self.completer)
        self.add_edit.returnPressed.connect(self._add_from_edit)
        self.completer.activated.connect(lambda text: self._add_text(text))
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add_from_edit)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected symbol (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        add.addWidget(self.add_edit, 1)
        add.addWidget(self.add_button)
        add.addWidget(self.remove_button)
        root.addLayout(add)
        self.message = QLabel("")
        self.message.setObjectName("messageLabel")
        self.message.setStyleSheet(f"color: {ERROR};")
        self.message.hide()
        root.addWidget(self.message)

        self.model = CachedTableModel(COLUMNS, right_aligned=(1, 2, 3), parent=self)
        self.table = DataTable(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        self.table.setAlternatingRowColors(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        # narrow dock: columns as wide as their text, the last one takes what is left
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # see fit_columns
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(30)
        self.table.clicked.connect(self._activate_index)
        self.table.activated.connect(self._activate_index)  # Enter
        self.table.deletePressed.connect(self.remove_selected)
        root.addWidget(self.table)
        bold = QFont(self.table.font())
        bold.setBold(True)
        self.model.bold_font = bold

    def preferred_width(self) -> int:
        """The panel's width with every column in view for typical symbols, prices and
        volumes (the main window's default layout gives the dock at least this)."""
        layout = self.layout()
        m = layout.contentsMargins() if layout is not None else QMargins()
        return max(
            self.minimumSizeHint().width(),
            self.table.preferred_width(SAMPLES) + m.left() + m.right(),
        )

    # ---------------------------------------------------------------- inputs
    def set_symbols(self, symbols: Sequence[str]) -> None:
        """The list to show (e.g. from settings); does not emit watchlistChanged."""
        out: list[str] = []
        for s in symbols:
            try:
                sym = str(Symbol(s))
            except IdError:
                continue
            if sym not in out:
                out.append(sym)
        self._symbols = out
        self._dirty = True

    def symbols(self) -> list[str]:
        return list(self._symbols)

    def set_markets(self, markets: Sequence[str] | Mapping[Any, MarketRules]) -> None:
        """The venue's markets: their symbols are offered by the add box's completer; given
        as a mapping symbol -> MarketRules, last prices are shown with each market's price
        precision (the book's), also for tickers that arrived before the markets."""
        if isinstance(markets, Mapping):
            self._rules = {str(k): v for k, v in markets.items() if isinstance(v, MarketRules)}
        else:
            self._rules = {}
        self._markets = sorted({str(s) for s in markets})
        self._market_model.setStringList(self._markets)
        self._dirty = True

    def set_market_rules(self, rules: Mapping[Any, MarketRules]) -> None:
        """Price precision per symbol (e.g. markets of another venue than the completer's)."""
        self._rules.update({str(k): v for k, v in rules.items()})
        self._dirty = True

    def price_text(self, symbol: str, price: Decimal) -> str:
        """`price` as the watchlist shows it: on the market's tick precision when known."""
        rules = self._rules.get(symbol)
        if rules is not None and rules.tick_size is not None:
            return rules.format_price(price)
        return dec_text(price)  # no separators: the dock is narrow

    def set_tickers(self, tickers: Mapping[str, Ticker]) -> None:
        """Latest tickers by symbol (merged into what is known; applied on the next frame)."""
        self._tickers.update({str(k): v for k, v in tickers.items()})
        self._dirty = True

    def set_tickers_provider(
        self, provider: Callable[[], tuple[Hashable, Mapping[str, Ticker]]] | None
    ) -> None:
        self._poll.set(provider)

    def set_active_symbol(self, symbol: str | None) -> None:
        """Mark the chart's symbol (bold); does not emit symbolActivated."""
        self._active = symbol
        self._dirty = True

    def add_symbol(self, text: str) -> bool:
        """Add a symbol; refuse one that is malformed, already there, or not a market
        of the venue (when the markets are known). Emits watchlistChanged on success."""
        try:
            sym = str(Symbol(text))
        except IdError as exc:
            return self._say(str(exc))
        if self._markets and sym not in self._markets:
            return self._say(f"{sym} is not a market on this venue")
        if sym in self._symbols:
            self._select(sym)
            return self._say(f"{sym} is already in the list")
        self._symbols.append(sym)
        self._say("")
        self._dirty = True
        self.refresh()
        self._select(sym)
        self.watchlistChanged.emit(self.symbols())
        return True

    def remove_symbol(self, symbol: str) -> bool:
        if symbol not in self._symbols:
            return False
        row = self._symbols.index(symbol)
        self._symbols.remove(symbol)
        self._dirty = True
        self.refresh()
        if self._symbols:
            self._select(self._symbols[min(row, len(self._symbols) - 1)])
        self.watchlistChanged.emit(self.symbols())
        return True

    def remove_selected(self) -> None:
        sym = self.selected_symbol()
        if sym:
            self.remove_symbol(sym)

    def selected_symbol(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return str(self.model.data(rows[0], KEY_ROLE))

    # ---------------------------------------------------------------- frame
    def refresh(self) -> bool:
        changed, value = self._poll.poll()
        if changed and value:
            self._tickers.update({str(k): v for k, v in value.items()})
            self._dirty = True
        if not self._dirty:
            return False
        self._dirty = False
        n = self.model.set_rows([self._row(s) for s in self._symbols])
        widths_changed = self.model.widths_changed
        self.table.fit_columns()
        if widths_changed:
            self.updateGeometry()  # a new minimum width (see minimumSizeHint)
        if n:
            self.frames.mark()
        return bool(n)

    def _row(self, symbol: str) -> Row:
        t = self._tickers.get(symbol)
        last = change = volume = "—"
        change_q = None
        if t is not None:
            if t.last is not None:
                last = self.price_text(symbol, t.last)
            if t.change_percent is not None:
                pct = t.change_percent
                change = ("+" if pct > ZERO else "") + dec_text(pct, 2) + "%"
                change_q = (
                    BUY_Q
                    if t.change_percent > ZERO
                    else (SELL_Q if t.change_percent < ZERO else MUTED_Q)
                )
            vol = t.quote_volume if t.quote_volume is not None else t.base_volume
            volume = compact_amount(vol)
        active = symbol == self._active
        tip = "Active symbol" if active else "Click or Enter to show on the chart"
        return Row(
            symbol,
            (symbol, last, change, volume),
            (None, None, change_q, None),
            None,
            (),
            tip,
            bold=active,
        )

    # ---------------------------------------------------------------- internals
    def _activate_index(self, index: QModelIndex) -> None:
        sym = self.model.data(self.model.index(index.row(), 0), KEY_ROLE)
        if sym:
            self._active = str(sym)
            self._dirty = True
            self.symbolActivated.emit(str(sym))

    def _select(self, symbol: str) -> None:
        row = self.model.row_of(symbol)
        if row is not None:
            self.table.selectRow(row)

    def _add_from_edit(self) -> None:
        self._add_text(self.add_edit.text())

    def _add_text(self, text: str) -> None:
        if not text.strip():
            return
        if self.add_symbol(text):
            self.add_edit.clear()

    def _say(self, text: str) -> bool:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        return False
