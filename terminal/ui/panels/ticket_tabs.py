"""The order-entry dock: the plain ticket and the protective ticket as two tabs.

The protective ticket (stops, take-profits, OCO, brackets, risk sizing) scrolls inside
its tab like the plain ticket does, so the dock asks for no more height than the plain
ticket: the window with every panel still fits 1024x600.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QVBoxLayout, QWidget

ORDER_TAB, PROTECT_TAB = 0, 1


class TicketTabs(QTabWidget):
    def __init__(
        self,
        entry: QWidget,
        protect: QWidget,
        futures: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ticketTabs")
        self.setDocumentMode(True)
        self.entry = entry
        self.protect = protect
        self.futures = futures
        order: QWidget = entry
        if futures is not None:
            # a perpetual session's section (funding, leverage, reduce-only) sits above
            # the ticket; hidden, it takes no room from a spot ticket
            order = QWidget()
            order.setObjectName("orderTab")
            box = QVBoxLayout(order)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            box.addWidget(futures)
            box.addWidget(entry, 1)
            futures.setVisible(False)
        self.order_tab = order
        self.protect_scroll = QScrollArea()
        self.protect_scroll.setObjectName("protectScroll")
        self.protect_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.protect_scroll.setWidgetResizable(True)
        self.protect_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.protect_scroll.setWidget(protect)
        self.addTab(order, "Order")
        self.addTab(self.protect_scroll, "Stop / OCO / Bracket")
        self.setTabToolTip(
            PROTECT_TAB,
            "Stop, take-profit, OCO and bracket orders; size by risk from the stop",
        )

    def show_protect(self) -> None:
        self.setCurrentIndex(PROTECT_TAB)

    def show_order(self) -> None:
        self.setCurrentIndex(ORDER_TAB)

    def sizeHint(self) -> QSize:
        """The plain ticket's size: the protective form is laid out in that width (its
        combos shorten, its notes wrap) and never widens the dock."""
        base = self.entry.sizeHint()
        return QSize(base.width(), base.height() + self.tabBar().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """The plain ticket's minimum (it already scrolls), plus the tab bar: the
        protective form scrolls too and never makes the dock wider or taller."""
        base = self.entry.minimumSizeHint()
        bar = self.tabBar().sizeHint().height()
        return QSize(base.width(), base.height() + bar)
