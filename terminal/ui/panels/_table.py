"""A table model that serves pre-formatted strings, and applies row diffs.

Why: a 40x4 table repaint calls data() about 900 times; formatting Decimals there made
a repaint cost 18 ms. Here each row is formatted once, when
it changes, into a `Row` of plain strings and colours; data() only indexes tuples and
compares int roles. `set_rows` diffs by key: removed rows are removed, new rows
inserted, reordering goes through a layout change that moves persistent indexes, and
only changed rows emit dataChanged, so the view's selection and scroll survive every
update.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QTableView,
    QWidget,
)

# Roles as ints: data() receives an int, and int compares are the cheap path.
DISPLAY = 0
TOOLTIP = 3
FONT = 6
ALIGN = 7
BACKGROUND = 8
FOREGROUND = 9
KEY_ROLE = 256  # Qt.UserRole: the row's key (e.g. a client order id)

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Row:
    """One formatted row. `fg`/`tips` are per column (None = default)."""

    key: Hashable
    cells: tuple[str, ...]
    fg: tuple[QColor | None, ...] = ()
    bg: QColor | None = None
    tips: tuple[str | None, ...] = ()
    row_tip: str | None = None
    bold: bool = False


class CachedTableModel(QAbstractTableModel):
    def __init__(
        self, headers: Sequence[str], right_aligned: Sequence[int] = (), parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._align = tuple(
            RIGHT if c in set(right_aligned) else LEFT for c in range(len(self._headers))
        )
        self._rows: list[Row] = []
        self._index: dict[Hashable, int] = {}
        self.bold_font: QFont | None = None  # the font of rows marked bold
        # True after set_rows when a column's longest text changed length: views sized
        # to their contents re-measure then (Qt does not on dataChanged), and only then.
        self.widths_changed = False
        self._lengths: tuple[int, ...] = ()

    # ---- Qt model API ---------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if role == DISPLAY:
            return self._rows[index.row()].cells[index.column()]
        if role == FOREGROUND:
            fg = self._rows[index.row()].fg
            col = index.column()
            return fg[col] if col < len(fg) else None
        if role == BACKGROUND:
            return self._rows[index.row()].bg
        if role == ALIGN:
            return self._align[index.column()]
        if role == TOOLTIP:
            row = self._rows[index.row()]
            col = index.column()
            tip = row.tips[col] if col < len(row.tips) else None
            return tip or row.row_tip
        if role == KEY_ROLE:
            return self._rows[index.row()].key
        if role == FONT:
            return self.bold_font if self._rows[index.row()].bold else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == DISPLAY:
                return self._headers[section]
            if role == ALIGN:
                return self._align[section]
        return None

    # ---- content --------------------------------------------------------------------
    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def keys(self) -> list[Hashable]:
        return [r.key for r in self._rows]

    def row_of(self, key: Hashable) -> int | None:
        return self._index.get(key)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def set_headers(self, headers: Sequence[str]) -> None:
        if len(headers) != len(self._headers):
            raise ValueError("the number of columns is fixed")
        self._headers = tuple(headers)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(headers) - 1)

    def set_rows(self, rows: Sequence[Row]) -> int:
        """Make the table show `rows` in that order; returns how many rows changed."""
        new_keys = [r.key for r in rows]
        if len(set(new_keys)) != len(new_keys):
            raise ValueError("duplicate row keys")
        wanted = set(new_keys)
        changes = 0
        # 1. removals, bottom up, in contiguous runs
        gone = sorted((i for i, r in enumerate(self._rows) if r.key not in wanted), reverse=True)
        while gone:
            last = first = gone.pop(0)
            while gone and gone[0] == first - 1:
                first = gone.pop(0)
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
            changes += last - first + 1
        self._reindex()
        # 2. insertions, appended (the reorder below puts them in place)
        fresh = [r for r in rows if r.key not in self._index]
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
            self._reindex()
            changes += len(fresh)
        # 3. reorder, keeping persistent indexes (selection, current) on their rows
        if [r.key for r in self._rows] != new_keys:
            self.layoutAboutToBeChanged.emit()
            key_at_old_row = {p: k for k, p in self._index.items()}
            by_key = {r.key: r for r in self._rows}
            self._rows = [by_key[k] for k in new_keys]
            self._reindex()
            old_list = self.persistentIndexList()
            new_list = []
            for idx in old_list:
                key = key_at_old_row.get(idx.row())
                new_row = self._index.get(key) if key is not None else None
                new_list.append(
                    self.index(new_row, idx.column()) if new_row is not None else QModelIndex()
                )
            self.changePersistentIndexList(old_list, new_list)
            self.layoutChanged.emit()
        # 4. content changes
        # One dataChanged for the span of changed rows: views repaint a region either
        # way, and a header sized to contents re-measures once per signal, not per row.
        last_col = len(self._headers) - 1
        first = last = -1
        for i, row in enumerate(rows):
            if self._rows[i] != row:
                self._rows[i] = row
                first = i if first < 0 else first
                last = i
                changes += 1
        if first >= 0:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_col))
        if changes:
            lengths = tuple(
                max((len(r.cells[c]) for r in self._rows), default=0)
                for c in range(len(self._headers))
            )
            self.widths_changed = lengths != self._lengths
            self._lengths = lengths
        return changes

    def _reindex(self) -> None:
        self._index = {r.key: i for i, r in enumerate(self._rows)}


class DataTable(QTableView):
    """A read-only table view with the terminal's keys: Delete/Backspace emit
    `deletePressed` (cancel / remove), Ctrl+C copies the selected rows as
    tab-separated text (ids, prices) for a spreadsheet or a support ticket."""

    deletePressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(20)
        self.horizontalHeader().setHighlightSections(False)

    def fit_columns(self) -> None:
        """Size columns to their text when the model's longest texts changed length.

        Used instead of QHeaderView.ResizeToContents, which re-measures every cell on
        every dataChanged (500 data() calls per signal for a 20-row watchlist)."""
        model = self.model()
        if isinstance(model, CachedTableModel) and model.widths_changed:
            model.widths_changed = False
            header = self.horizontalHeader()
            last = model.columnCount() - 1
            stretch = header.stretchLastSection()
            for c in range(model.columnCount()):
                need = max(self.sizeHintForColumn(c), header.sectionSizeHint(c))
                if c == last and stretch:
                    # It takes the width left over, but never less than its size when
                    # the stretch was switched on (Qt keeps that as its floor: a 100 px
                    # default made narrow docks scroll by a few pixels). Its own text's
                    # width becomes the floor instead.
                    header.setStretchLastSection(False)
                    header.resizeSection(c, need)
                    header.setStretchLastSection(True)
                    continue
                header.resizeSection(c, need)

    def columns_width(self, samples: Sequence[str] = ()) -> int:
        """What the viewport needs to show every column whole: each at least as wide as
        its header, its longest text now, and `samples[c]` (a typical text, so a dock
        can be sized before the data arrive)."""
        model = self.model()
        if model is None:
            return 0
        header = self.horizontalHeader()
        fm = QFontMetrics(self.font())
        # what QStyledItemDelegate adds around a cell's text
        pad = 2 * (
            self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        )
        total = 0
        for c in range(model.columnCount()):
            if self.isColumnHidden(c):
                continue
            need = max(header.sectionSizeHint(c), self.sizeHintForColumn(c))
            if c < len(samples):
                need = max(need, fm.horizontalAdvance(samples[c]) + pad)
            total += need
        return total

    def preferred_width(self, samples: Sequence[str] = ()) -> int:
        """The table's width with every column in view, frame and a vertical scrollbar
        included (reserved even when hidden: more rows must not push a column out)."""
        bar = self.verticalScrollBar().sizeHint().width()
        return self.columns_width(samples) + 2 * self.frameWidth() + bar

    def selected_text(self) -> str:
        model = self.model()
        if model is None or self.selectionModel() is None:
            return ""
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        cols = [c for c in range(model.columnCount()) if not self.isColumnHidden(c)]
        lines = []
        for r in rows:
            lines.append(
                "\t".join(str(model.data(model.index(r, c), DISPLAY) or "").strip() for c in cols)
            )
        return "\n".join(lines)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            text = self.selected_text()
            if text:
                QApplication.clipboard().setText(text)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deletePressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def whole_columns_hint(panel: QWidget, table: DataTable, hint: QSize, cap: int) -> QSize:
    """`hint` (a panel's minimum size hint) widened to show every column of `table` whole
    for the texts it holds now, up to `cap` px. A dock then widens when longer texts
    arrive (a fill's exact amounts, a volume in billions) instead of cutting the last
    column off; beyond the cap the table scrolls sideways. Call `panel.updateGeometry()`
    when the columns' widths change."""
    layout = panel.layout()
    m = layout.contentsMargins() if layout is not None else None
    margins = m.left() + m.right() if m is not None else 0
    need = table.preferred_width() + margins
    return QSize(max(hint.width(), min(need, cap)), hint.height())
