"""The order-entry dock's two tabs ask for no more room than the plain ticket: the
protective form (wider: long kind names, notes) is laid out in the ticket's width and
scrolls in its height, so adding it changes no dock of the default layout."""

from __future__ import annotations

from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.panels.protect_panel import ProtectPanel
from terminal.ui.panels.ticket_tabs import PROTECT_TAB, TicketTabs


def test_the_tabs_ask_for_the_plain_tickets_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    entry, protect = OrderEntryPanel(), ProtectPanel()
    tabs = TicketTabs(entry, protect)
    qtbot.addWidget(tabs)
    bar = tabs.tabBar().sizeHint().height()
    assert tabs.sizeHint().width() == entry.sizeHint().width()
    assert tabs.minimumSizeHint().width() == entry.minimumSizeHint().width()
    assert tabs.minimumSizeHint().height() == entry.minimumSizeHint().height() + bar
    # shown in the ticket's width the protective form fits without a sideways scroll
    tabs.resize(entry.sizeHint().width(), 400)
    tabs.show()
    tabs.show_protect()
    assert tabs.currentIndex() == PROTECT_TAB
    qtbot.waitUntil(lambda: protect.width() > 0)
    assert protect.width() <= tabs.protect_scroll.viewport().width()
