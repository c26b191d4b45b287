"""The ladder paints whole rows only: a level cut by the header or the bottom edge
would show its bars without its price, and a click there would pick a level the user
cannot read. Real widget, offscreen, pixels read back."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt

from terminal.domain.enums import Side
from tests.ui.test_orderbook_widget import book, colour_counts, shown_ladder


def test_rows_cut_by_an_edge_are_not_painted_or_clickable(qtbot):
    w = shown_ladder(qtbot)
    for height in range(300, 300 + int(w._row_h) + 1, 3):  # every offset of the row grid
        w.resize(320, height)
        w.set_book(book())
        w.refresh()
        img = w.grab().toImage()
        rh = w._row_h
        asks = [i for i in range(30) if w.row_rect(Side.SELL, i).top() >= rh - 0.5]
        bids = [i for i in range(30) if w.row_rect(Side.BUY, i).bottom() <= height + 0.5]
        top = w.row_rect(Side.SELL, asks[-1]).toRect()  # the highest whole ask row
        bottom = w.row_rect(Side.BUY, bids[-1]).toRect()  # the lowest whole bid row
        # between the header and the highest whole row, and under the lowest: no bars
        assert colour_counts(img, 0, int(rh) + 1, w.width(), top.top()) == (0, 0), height
        assert colour_counts(img, 0, bottom.bottom() + 2, w.width(), height) == (0, 0), height
        # the whole rows next to the edges are painted
        assert colour_counts(img, 0, top.top(), w.width(), top.bottom())[1] > 20
        assert colour_counts(img, 0, bottom.top(), w.width(), bottom.bottom())[0] > 20
        if top.top() - rh >= 3:
            assert w.row_at(top.top() - 2) is None
        if height - bottom.bottom() >= 3:
            assert w.row_at(height - 1) is None
    with qtbot.waitSignal(w.priceClicked, timeout=2000) as sig:
        qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(40, top.center().y()))
    assert sig.args == [w.ladder().asks[asks[-1]].price_text]
