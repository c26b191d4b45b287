"""The order-book panel: grouping and depth selectors above the ladder
(`orderbook_ladder.OrderBookLadder`, custom-painted; see there why).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal.domain.market import MarketRules
from terminal.domain.marketdata import BookView

from ..frame import Provider
from .ladder import (
    DEFAULT_DEPTH,
    DEPTH_CHOICES,
    format_step,
    grouping_steps,
)
from .orderbook_ladder import OrderBookLadder
from .palette import DARK, Palette


class OrderBookWidget(QWidget):
    """The order-book panel: grouping and depth selectors above the ladder.

    Signals: priceClicked(str) (exact price text of the clicked level),
    groupingChanged(str) (the step as text), depthChanged(int).
    """

    priceClicked = Signal(str)
    groupingChanged = Signal(str)
    depthChanged = Signal(int)

    def __init__(
        self,
        rules: MarketRules | None = None,
        palette: Palette = DARK,
        depth: int = DEFAULT_DEPTH,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderbook_panel")
        self.ladder = OrderBookLadder(rules, palette, depth, self)
        self.frames = self.ladder.frames
        self.grouping_box = QComboBox(self)
        self.grouping_box.setAccessibleName("Price grouping")
        self.grouping_box.setToolTip("Group levels into price buckets (multiples of the tick)")
        self.depth_box = QComboBox(self)
        self.depth_box.setAccessibleName("Rows per side")
        for d in DEPTH_CHOICES:
            self.depth_box.addItem(str(d), d)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QLabel("Group"))
        bar.addWidget(self.grouping_box, 1)
        bar.addWidget(QLabel("Rows"))
        bar.addWidget(self.depth_box)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(bar)
        box.addWidget(self.ladder, 1)
        self.ladder.priceClicked.connect(self.priceClicked)
        self._fill_grouping(rules)
        self._select_depth(depth)
        self.grouping_box.currentIndexChanged.connect(self._on_grouping)
        self.depth_box.currentIndexChanged.connect(self._on_depth)

    # pass-throughs: the wiring talks to the panel only
    def set_market(self, rules: MarketRules | None) -> None:
        self.ladder.set_market(rules)
        self.grouping_box.blockSignals(True)
        self._fill_grouping(rules)
        self.grouping_box.blockSignals(False)

    def set_book(self, view: BookView | None) -> None:
        self.ladder.set_book(view)

    def set_provider(self, provider: Provider | None) -> None:
        self.ladder.set_provider(provider)

    def refresh(self) -> bool:
        return self.ladder.refresh()

    def set_stale(self, stale: bool, reason: str = "") -> None:
        self.ladder.set_stale(stale, reason)

    def set_placeholder(self, text: str) -> None:
        self.ladder.set_placeholder(text)

    def set_palette(self, palette: Palette) -> None:
        self.ladder.set_palette(palette)

    def set_grouping(self, step: Decimal | None) -> None:
        """Select a grouping step (must be one of the offered multiples, or None = tick)."""
        options = self.grouping_options()
        index = options.index(step) if step in options else (0 if step is None else -1)
        if index < 0:
            raise ValueError(f"grouping {step} is not offered for this market")
        self.grouping_box.setCurrentIndex(index)
        self.ladder.set_grouping(self.grouping_box.currentData())

    def set_depth(self, depth: int) -> None:
        self._select_depth(depth)
        self.ladder.set_depth(depth)

    def grouping_options(self) -> list[Decimal]:
        return [self.grouping_box.itemData(i) for i in range(self.grouping_box.count())]

    # internals
    def _fill_grouping(self, rules: MarketRules | None) -> None:
        self.grouping_box.clear()
        steps = grouping_steps(rules.tick_size if rules is not None else None)
        for step in steps:
            self.grouping_box.addItem(format_step(step), step)
        self.grouping_box.setEnabled(bool(steps))
        if not steps:
            self.grouping_box.addItem("raw", None)

    def _select_depth(self, depth: int) -> None:
        index = self.depth_box.findData(depth)
        if index < 0:
            self.depth_box.addItem(str(depth), depth)
            index = self.depth_box.count() - 1
        self.depth_box.blockSignals(True)
        self.depth_box.setCurrentIndex(index)
        self.depth_box.blockSignals(False)

    def _on_grouping(self, index: int) -> None:
        step = self.grouping_box.itemData(index)
        self.ladder.set_grouping(step)
        self.groupingChanged.emit(format_step(step) if step is not None else "")

    def _on_depth(self, index: int) -> None:
        depth = int(self.depth_box.itemData(index))
        self.ladder.set_depth(depth)
        self.depthChanged.emit(depth)
