"""The positions panel and the ticket's futures section at 1280x800 and 1920x1080, with
real positions on the paper exchange: nothing cut off (every column of the positions
table whole, every figure of the ticket in view). With TT_SCREENSHOT_DIR set, the
screenshots are written there (the README's come from this test)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from terminal.domain.enums import Side, VenueMode
from terminal.domain.position import MarginMode, PositionMode
from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.panels.ticket import EntryKind
from terminal.ui.theme import ThemeManager
from tests.ui.test_positions_panel import BTC, ETH_SYMBOL, perp_paper, stack_factory  # noqa: F401

D = Decimal


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_futures_views_fit_and_are_captured(qapp, aloop, stack_factory, size) -> None:  # noqa: F811
    palette, sheet = qapp.palette(), qapp.styleSheet()
    ThemeManager(qapp).apply("dark")
    st = stack_factory("acct4")
    aloop.run(st.state.set_position_mode(PositionMode.HEDGE))
    aloop.run(st.session.set_leverage(BTC, 10))
    aloop.run(st.session.set_leverage(ETH_SYMBOL, 5))
    aloop.run(st.session.set_margin_mode(ETH_SYMBOL, MarginMode.ISOLATED))
    st.market(Side.BUY, "0.05")
    st.market(Side.SELL, "0.02")  # hedge mode: a short beside the long
    st.market(Side.SELL, "0.4", symbol=ETH_SYMBOL)
    entry = OrderEntryPanel()
    rules = st.session.markets[BTC]
    entry.set_account("paper", VenueMode.PAPER, "acct4")
    entry.set_market(rules)
    st.ticket.set_market(rules)
    entry.ticketChanged.connect(
        lambda req: st.ticket.set_ticket(req, st.state.snapshot.funding[BTC].mark_price)
    )
    book = aloop.run(st.session.fetch_order_book_raw(str(BTC), 5))
    entry.set_market_prices(D(repr(book["bids"][0][0])), D(repr(book["asks"][0][0])))
    entry.set_kind(EntryKind.MARKET)

    window = QWidget()
    window.setWindowTitle("Perpetual futures")
    window.resize(*size)
    outer = QVBoxLayout(window)
    outer.setContentsMargins(0, 0, 0, 0)
    top = QSplitter(Qt.Orientation.Horizontal)
    ticket_col = QWidget()
    col = QVBoxLayout(ticket_col)
    col.setContentsMargins(0, 0, 0, 0)
    col.addWidget(st.ticket)
    col.addWidget(entry, 1)
    top.addWidget(st.panel)
    top.addWidget(ticket_col)
    top.setSizes([size[0] - 400, 400])
    outer.addWidget(top)
    window.show()
    try:
        aloop.until(lambda: BTC in st.state.snapshot.funding, 20, "funding")
        aloop.until(lambda: len(st.rows()) == 3, 20, "three positions")
        entry.amount_edit.setText("0.02")
        entry.amount_edit.textEdited.emit("0.02")
        aloop.until(lambda: (st.ticket.refresh(), st.ticket.estimate)[1], 10, "estimate")
        st.panel.select(str(BTC), st.state.snapshot.positions[0].side)
        aloop.sleep(0.3)

        # every positions column shows its longest text whole
        table, fm = st.panel.table, QFontMetrics(st.panel.table.font())
        header = table.horizontalHeader()
        for c in range(st.panel.model.columnCount()):
            longest = max(fm.horizontalAdvance(r.cells[c]) for r in st.panel.model.rows)
            assert header.sectionSize(c) >= longest, (c, header.sectionSize(c), longest)
        visible = table.viewport().width()
        assert sum(header.sectionSize(c) for c in range(12)) <= visible + header.sectionSize(11)
        # the ticket's figures and buttons are inside the window
        for w in (st.ticket.liq_label, st.ticket.fee_label, st.panel.reverse_button):
            pos = w.mapTo(window, w.rect().bottomRight())
            assert 0 <= pos.x() <= window.width() and 0 <= pos.y() <= window.height(), w
        out = os.environ.get("TT_SCREENSHOT_DIR")
        shot = window.grab()
        assert shot.width() == size[0]
        if out:
            shot.save(str(Path(out) / f"futures-{size[0]}x{size[1]}.png"))
    finally:
        window.close()
        for w in (st.panel, st.ticket):  # the stack closes them itself
            w.setParent(None)
        entry.close()
        for sym, _side in (
            (BTC, Side.SELL),
            (ETH_SYMBOL, Side.BUY),
        ):
            for p in aloop.run(st.session.fetch_positions([sym])):
                st.market(p.side.closing_side, str(p.size), symbol=sym, reduce_only=True)
        aloop.run(st.state.set_position_mode(PositionMode.ONE_WAY))
        qapp.setPalette(palette)
        qapp.setStyleSheet(sheet)
