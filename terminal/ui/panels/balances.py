"""Balances: free, locked and total per asset, for one session or all sessions combined,
with an estimated value in a quote currency.

A view: `set_balances(session, Balances)` per connected session (a SessionKey, listed by
its short label in its colour; a plain venue name is listed as it is), `set_prices(...)`
for the valuation; the table is rebuilt on the frame clock only when something changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from PySide6.QtCore import QMargins, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.marketdata import Balance, Balances
from terminal.domain.money import ZERO
from terminal.domain.session import SessionKey
from terminal.ui.frame import FrameClock
from terminal.ui.session_style import long_label, qcolor_of, short_label

from ._driven import DrivenPanel, attach_frames
from ._style import MUTED_Q, dec_text, grouped, mono_font
from ._table import CachedTableModel, DataTable, Row, whole_columns_hint
from .precision import DisplayPrecision, NoPrecision, currency_text

COLUMNS = ("Asset", "Free", "Locked", "Total", "Value")
ALL_VENUES = "All sessions"
PriceOf = Callable[[str], Decimal | None]
VALUE_PLACES = 2
BIG_VALUE = Decimal(1_000)
AMOUNT_PLACES = 8
# Typical widest texts per column (a 100,000 USDT account): the dock's default width is
# sized for them. Longer exact amounts may need a wider dock; they are never shortened.
# The most the panel asks for to keep every column whole (see minimumSizeHint).
MAX_MIN_WIDTH = 440
SAMPLES = ("USDT", "100,000", "0.5", "100,000", "100,000")


def _amount(value: Decimal, places: int | None = None) -> str:
    """An amount at its currency's precision (`places`, where the venue gives it), else
    to 8 places at most; trailing zeros dropped, thousands grouped."""
    if places is None:
        if value != ZERO and abs(value) < Decimal("1e-8"):
            return dec_text(value)
        places = AMOUNT_PLACES
    return grouped(currency_text(places, value))


def _value_text(value: Decimal) -> str:
    """Cents below 1,000; whole units above (the dock is narrow, cents do not matter
    there; the total below the table keeps them)."""
    places = 0 if abs(value) >= BIG_VALUE else VALUE_PLACES
    return grouped(dec_text(value, places))


class BalancesPanel(DrivenPanel):
    """Per-asset balances. See the module docstring."""

    viewChanged = Signal(object)  # venue shown, or None for all venues

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        quote: str = "USDT",
        small_threshold: Decimal = Decimal(1),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BalancesPanel")
        self._by_venue: dict[str, Balances] = {}  # by the view's name (a session's label)
        self._venue_of: dict[str, str] = {}  # view name -> venue id (for precision)
        self._session_of: dict[str, SessionKey] = {}
        self._price_of: PriceOf = lambda asset: None
        self._quote = quote
        self.small_threshold = small_threshold
        self._precision: DisplayPrecision = NoPrecision()
        self._dirty = True
        self._build()
        attach_frames(self, frame_clock)

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QHBoxLayout()
        self.venue_combo = QComboBox()
        self.venue_combo.addItem(ALL_VENUES)
        self.venue_combo.setToolTip(
            "Balances of one session, or of all connected sessions combined"
        )
        self.venue_combo.currentIndexChanged.connect(self._view_changed)
        self.hide_small = QCheckBox("Hide small")
        self.hide_small.setToolTip(
            f"Hide assets worth less than {self.small_threshold} {self._quote}, and empty ones"
        )
        self.hide_small.toggled.connect(self._mark_dirty)
        bar.addWidget(self.venue_combo)
        bar.addWidget(self.hide_small)
        bar.addStretch(1)
        root.addLayout(bar)

        self.model = CachedTableModel(self._headers(), right_aligned=(1, 2, 3, 4), parent=self)
        self.table = DataTable(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # see fit_columns
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(30)
        root.addWidget(self.table)

        self.total_label = QLabel("")
        self.total_label.setObjectName("totalLabel")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        root.addWidget(self.total_label)

    def _headers(self) -> tuple[str, ...]:
        return (*COLUMNS[:-1], f"≈ {self._quote}")

    def preferred_width(self) -> int:
        """The panel's width with every column in view for typical balances (the main
        window's default layout gives the dock at least this)."""
        layout = self.layout()
        m = layout.contentsMargins() if layout is not None else QMargins()
        return max(
            self.minimumSizeHint().width(),
            self.table.preferred_width(SAMPLES) + m.left() + m.right(),
        )

    def minimumSizeHint(self) -> QSize:
        """Wide enough for every column of the balances shown now (up to a cap): after a
        fill the exact amounts grow longer, and the dock widens instead of cutting the
        last column off."""
        return whole_columns_hint(self, self.table, super().minimumSizeHint(), MAX_MIN_WIDTH)

    # ---------------------------------------------------------------- inputs
    def set_balances(self, session: SessionKey | str, balances: Balances | None) -> None:
        """The latest balances of one session (None: it disconnected)."""
        if isinstance(session, SessionKey):
            venue = short_label(session)
            self._session_of[venue] = session
            self._venue_of[venue] = str(session.venue)
        else:
            venue = str(session)
            self._venue_of.setdefault(venue, venue)
        if balances is None:
            self._by_venue.pop(venue, None)
        else:
            self._by_venue[venue] = balances
        self._sync_venues()
        self._dirty = True

    def set_prices(self, prices: Mapping[str, Decimal] | PriceOf, quote: str | None = None) -> None:
        """Prices of assets in the quote currency: a mapping or a callable
        `price_of(asset) -> Decimal | None` (e.g. from the tickers)."""
        if quote and quote != self._quote:
            self._quote = quote
            self.model.set_headers(self._headers())
            self.hide_small.setToolTip(
                f"Hide assets worth less than {self.small_threshold} {quote}, and empty ones"
            )
        if isinstance(prices, Mapping):
            table = dict(prices)
            self._price_of = table.get
        else:
            self._price_of = prices
        self._dirty = True

    def set_precision(self, precision: DisplayPrecision) -> None:
        """Where each currency's precision comes from (amounts are shown to it)."""
        self._precision = precision
        self._dirty = True

    def places_of(self, asset: str) -> int | None:
        """The decimals `asset` is shown with in the current view: its currency's
        precision on the venue shown, the finest among the venues combined, or None."""
        view = self.current_view()
        names = [view] if view is not None else sorted(self._by_venue)
        venues = [self._venue_of.get(n, n) for n in names]
        known = [p for v in venues if (p := self._precision.currency_places(v, asset)) is not None]
        return max(known) if known else None

    def set_view(self, venue: SessionKey | str | None) -> None:
        """Show one session, or all combined (None)."""
        if isinstance(venue, SessionKey):
            venue = short_label(venue)
        index = 0 if venue is None else self.venue_combo.findText(venue)
        if index >= 0:
            self.venue_combo.setCurrentIndex(index)

    @property
    def quote(self) -> str:
        return self._quote

    def current_view(self) -> str | None:
        text = self.venue_combo.currentText()
        return None if text == ALL_VENUES or not text else text

    def shown_balances(self) -> Balances:
        view = self.current_view()
        if view is None:
            return Balances.combine(self._by_venue[v] for v in sorted(self._by_venue))
        return self._by_venue.get(view, Balances())

    def value_of(self, asset: str, amount: Decimal) -> Decimal | None:
        if asset == self._quote:
            return amount
        price = self._price_of(asset)
        return None if price is None else amount * price

    # ---------------------------------------------------------------- frame
    def refresh(self) -> bool:
        if not self._dirty:
            return False
        self._dirty = False
        rows, total, unpriced = self._rows()
        self.model.set_rows(rows)
        widths_changed = self.model.widths_changed
        self.table.fit_columns()
        if widths_changed:
            self.updateGeometry()  # a new minimum width (see minimumSizeHint)
        text = f"Total ≈ {grouped(dec_text(total, VALUE_PLACES))} {self._quote}"
        if unpriced:
            text += f"  ({unpriced} asset{'s' if unpriced > 1 else ''} without a price)"
        self.total_label.setText(text)
        self.frames.mark()
        return True

    def _rows(self) -> tuple[list[Row], Decimal, int]:
        balances = self.shown_balances()
        hide = self.hide_small.isChecked()
        entries: list[tuple[Decimal, str, Balance, Decimal | None]] = []
        total = ZERO
        unpriced = 0
        for asset, bal in balances.by_asset.items():
            value = self.value_of(asset, bal.total)
            if value is not None:
                total += value
            elif bal.total != ZERO:
                unpriced += 1
            if hide and (bal.total == ZERO or (value is not None and value < self.small_threshold)):
                continue
            entries.append((value if value is not None else Decimal(-1), asset, bal, value))
        entries.sort(key=lambda e: (-e[0], e[1]))
        rows = []
        for _, asset, bal, value in entries:
            places = self.places_of(asset)
            cells = (
                asset,
                _amount(bal.free, places),
                _amount(bal.used, places),
                _amount(bal.total, places),
                "—" if value is None else _value_text(value),
            )
            fg = (
                None,
                None,
                MUTED_Q if bal.used == ZERO else None,
                None,
                MUTED_Q if value is None else None,
            )
            tip = None if value is not None else f"No {asset}/{self._quote} price to value it"
            rows.append(Row(asset, cells, fg, None, (None, None, None, None, tip)))
        return rows, total, unpriced

    # ---------------------------------------------------------------- internals
    def _sync_venues(self) -> None:
        wanted = [ALL_VENUES, *sorted(self._by_venue)]
        have = [self.venue_combo.itemText(i) for i in range(self.venue_combo.count())]
        if wanted == have:
            return
        current = self.venue_combo.currentText()
        self.venue_combo.blockSignals(True)
        self.venue_combo.clear()
        self.venue_combo.addItems(wanted)
        for i, name in enumerate(wanted):
            key = self._session_of.get(name)
            if key is not None:
                self.venue_combo.setItemData(i, qcolor_of(key), Qt.ItemDataRole.ForegroundRole)
                self.venue_combo.setItemData(i, long_label(key), Qt.ItemDataRole.ToolTipRole)
        self.venue_combo.setCurrentIndex(max(0, self.venue_combo.findText(current)))
        self.venue_combo.blockSignals(False)

    def _view_changed(self) -> None:
        self._dirty = True
        self.viewChanged.emit(self.current_view())

    def _mark_dirty(self, *_: object) -> None:
        self._dirty = True
