"""The main window's default dock arrangement: which panel goes where, and the column
widths and row heights for the window's size (the book and the ticket keep what they
need to stay readable, the chart takes the rest; a narrow window gets the compact
arrangement), and the saved layout: restored, applied again once the real panels are
in, saved at exit, reset."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStyle, QToolBar, QWidget

from terminal.ui import layout as layout_io
from terminal.ui.window_parts import NoticeBar

log = logging.getLogger(__name__)

COMPACT_WIDTH = 1400  # narrower windows get the compact default layout
BOOK_FLOOR = 230  # the book's default width when the other columns need the space


class DockArrangement(QMainWindow):
    """The arranging part of `MainWindow` (which builds the docks and sets these)."""

    docks: dict[str, QDockWidget]
    panels: dict[str, QWidget]
    hidden_by_default: frozenset[str]  # docks shown only when asked for
    _docks_built: bool
    _compact_arranged: bool
    _store: layout_io.LayoutStore | None  # None: this window never writes its layout
    _layout_restored: bool
    _pending_layout: layout_io.SavedLayout | None  # docks' state for build_docks
    _shown_once: bool
    notice_bar: NoticeBar
    notice_toolbar: QToolBar

    def build_docks(self) -> None:
        raise NotImplementedError  # the window builds its docks

    @property
    def compact(self) -> bool:
        """A narrow window (a laptop screen): the watchlist joins the book's column as a
        tab, so the book keeps a readable width beside the chart and the ticket."""
        return self.width() < COMPACT_WIDTH

    def _arrange_default(self, *, keep_optional: bool = False) -> None:
        """The default layout: watchlist | chart over the order tables | book over depth,
        trades | ticket over balances. Compact: the watchlist is a tab under the book."""
        d = self.docks
        left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        for dock in d.values():
            if dock.isFloating():
                dock.setFloating(False)
        if self.compact:
            self.addDockWidget(left, d["chart"])
        else:
            self.addDockWidget(left, d["watchlist"])
            self.splitDockWidget(d["watchlist"], d["chart"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["chart"], d["book"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["book"], d["entry"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["book"], d["depth"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(d["depth"], d["tape"])
        if self.compact:
            self.tabifyDockWidget(d["tape"], d["watchlist"])
        self.splitDockWidget(d["entry"], d["balances"], Qt.Orientation.Vertical)
        self.addDockWidget(bottom, d["open_orders"])
        for name in ("history", "notifications", "health", "logs", "alerts", "positions"):
            self.tabifyDockWidget(d["open_orders"], d[name])
        # the price ladder is a tab beside the book (it shows the book's sizes itself),
        # shown only when asked for (View > Panels); a re-arrangement for a new window
        # width (`keep_optional`) leaves it as the user had it
        optional = {name: not d[name].isHidden() for name in self.hidden_by_default}
        self.tabifyDockWidget(d["book"], d["dom"])
        for name, dock in d.items():
            dock.setVisible(
                optional[name]
                if keep_optional and name in optional
                else name not in self.hidden_by_default
            )
        d["open_orders"].raise_()
        d["tape"].raise_()
        self._compact_arranged = self.compact
        self._apply_default_sizes()

    def _apply_default_sizes(self) -> None:
        """Column widths and row heights for the current window size: the book and the
        ticket keep what they need to stay readable; the chart takes the rest."""
        if not self._docks_built:  # build_docks arranges them for the size of that moment
            return
        if self._compact_arranged != self.compact:  # the real size is known only now
            self._arrange_default(keep_optional=True)
            return
        d = self.docks
        width, height = max(self.width(), 900), max(self.height(), 600)
        # the watchlist and the ticket's column get what shows every table column whole
        entry = max(
            290, int(width * 0.21), self._needed_width("entry"), self._needed_width("balances")
        )
        book = max(BOOK_FLOOR, int(width * 0.20))
        sep = self.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self)
        chart_min = max(300, d["chart"].minimumSizeHint().width())
        if self.compact:
            book = max(book, self._needed_width("watchlist"))  # a tab in the book's column
            free = width - 2 * sep
            chart = free - book - entry
            if chart < chart_min:  # the book gives way first, down to its floor
                book = max(BOOK_FLOOR, book - (chart_min - chart))
                chart = max(chart_min, free - book - entry)
            self.resizeDocks(
                [d["chart"], d["book"], d["entry"]], [chart, book, entry], Qt.Orientation.Horizontal
            )
        else:
            watch = max(190, int(width * 0.16), self._needed_width("watchlist"))
            free = width - 3 * sep
            chart = free - watch - book - entry
            if chart < chart_min:
                book = max(BOOK_FLOOR, book - (chart_min - chart))
                chart = max(chart_min, free - watch - book - entry)
            self.resizeDocks(
                [d["watchlist"], d["chart"], d["book"], d["entry"]],
                [watch, chart, book, entry],
                Qt.Orientation.Horizontal,
            )
        short = height < 700  # e.g. 1024x600: the ticket's Buy button must show unscrolled
        bottom = max(120, int(height * 0.2)) if short else max(140, int(height * 0.22))
        top = height - bottom
        ticket = 0.72 if short else 0.62
        self.resizeDocks(
            [d["book"], d["tape"]], [int(top * 0.64), int(top * 0.36)], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [d["entry"], d["balances"]],
            [int(top * ticket), int(top * (1 - ticket))],
            Qt.Orientation.Vertical,
        )
        self.resizeDocks([d["open_orders"]], [bottom], Qt.Orientation.Vertical)

    def _needed_width(self, name: str) -> int:
        """The width dock `name` needs to show its panel whole (`preferred_width()` of
        the panel, if it has one, plus the dock's own frame); 0 when it does not say."""
        panel = self.panels.get(name)
        preferred = getattr(panel, "preferred_width", None)
        if panel is None or not callable(preferred):
            return 0
        dock = self.docks[name]
        frame = dock.width() - panel.width() if panel.width() > 0 else 0
        return int(preferred()) + max(0, min(frame, 20))

    # ------------------------------------------------------------------ layout
    def restore_layout(self) -> bool:
        """Apply the saved layout, if any; False means the default layout stays.

        Before `build_docks` only the window's geometry is applied (so the first paint
        has the saved size and place) and True means a layout was found; the docks'
        state follows when they are built.
        """
        if self._store is None:
            return False
        saved = self._store.load()
        if saved is None:
            return False
        if not self._docks_built:
            self._pending_layout = saved
            self.restoreGeometry(QByteArray(saved.geometry))
            return True
        return self._apply_saved(saved, geometry=True)

    def _apply_saved(self, saved: layout_io.SavedLayout, *, geometry: bool) -> bool:
        ok = layout_io.apply(self, saved, geometry=geometry)
        self.notice_toolbar.setVisible(bool(self.notice_bar.label.text()))  # not last run's
        if not ok:
            log.info("Saved layout does not fit this version; using the default")
        self._layout_restored = ok
        return ok

    def reapply_layout(self) -> None:
        """Once the real panels replaced the placeholders (their size hints changed, and
        Qt re-divided the space): the saved layout again, or the default sizes."""
        saved = self._store.load() if self._layout_restored and self._store else None
        if saved is not None and layout_io.apply(self, saved, geometry=False):
            self.notice_toolbar.setVisible(bool(self.notice_bar.label.text()))
            return
        self._apply_default_sizes()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._layout_restored:
                # the real size is known now: size the default columns for it
                QTimer.singleShot(0, self._apply_default_sizes)

    def discard_layout_changes(self) -> None:
        """From now on this window never writes its layout (another instance owns it)."""
        self._store = None

    def save_layout(self) -> bool:
        if self._store is None or not self._docks_built:
            return False  # a run that ended before its docks existed keeps the last file
        return self._store.save(layout_io.capture(self))

    @Slot()
    def reset_layout(self) -> None:
        """Back to the default arrangement of the panels; the saved file is replaced at
        exit. The window keeps its size and place: the user chose them, and a window
        that jumps to another size under the mouse is a surprise, not a reset."""
        if not self._docks_built:
            self.build_docks()
        self._arrange_default()
        QTimer.singleShot(0, self._arrange_sizes_again)
        if self._store is not None:
            self._store.clear()

    def _arrange_sizes_again(self) -> None:
        # resizeDocks needs the new arrangement laid out once before sizes stick
        self._apply_default_sizes()
