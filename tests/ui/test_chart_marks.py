"""Orders outside the chart's visible price range get an edge marker naming side,
amount and price (top for above, bottom for below), kept in step with pan and zoom.
Real chart widget, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from terminal.domain.enums import Side
from terminal.ui.widgets.order_marks import MAX_PER_EDGE

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)
from .test_chart import chart, make_candles, order


def shown_edges(w):  # type: ignore[no-untyped-def]
    """(edge, text) of every marker item really on the price plot and visible."""
    items = [
        item
        for item in w.price_plot.items
        if hasattr(item, "textItem")
        and item.isVisible()
        and item.textItem.toPlainText().startswith(("▲", "▼"))
    ]
    (_, _), (y0, y1) = w.price_vb.viewRange()
    out = []
    for item in items:
        edge = "top" if abs(item.pos().y() - y1) < abs(item.pos().y() - y0) else "bottom"
        out.append((edge, item.textItem.toPlainText()))
    return sorted(out)


def test_orders_outside_the_view_get_edge_markers_with_side_and_price(qtbot, shot) -> None:  # type: ignore[no-untyped-def]
    w = chart(qtbot, make_candles(300))
    (_, _), (y0, y1) = w.price_vb.viewRange()
    inside = order("ttin", Side.BUY, f"{(y0 + y1) / 2:.2f}")
    above = order("ttabove", Side.SELL, f"{y1 + 500:.2f}", amount="0.25")
    below = order("ttbelow", Side.BUY, f"{y0 - 800:.2f}")
    w.set_orders([inside, above, below])
    QApplication.processEvents()
    shot(w, "chart_edge_markers")
    edges = shown_edges(w)
    assert edges == [
        ("bottom", f"▼ BUY 0.50000 @ {below.price}"),
        ("top", f"▲ SELL 0.25000 @ {above.price}"),
    ]
    assert {m.keys for m in w.edge_markers()} == {("ttabove",), ("ttbelow",)}
    # the top marker sits on the top edge inside the plot, the bottom one on the bottom
    scene_rect = w.price_vb.sceneBoundingRect()
    for item in w.price_plot.items:
        if hasattr(item, "textItem") and item.textItem.toPlainText().startswith(("▲", "▼")):
            assert scene_rect.contains(item.sceneBoundingRect()), item.textItem.toPlainText()

    # a zoom that brings the order into view removes its marker; panning keeps them in step
    w.price_vb.setYRange(y0 - 1000, y1 + 1000, padding=0)
    QApplication.processEvents()
    assert shown_edges(w) == [] and w.edge_markers() == []
    w.price_vb.setYRange(y0, y1, padding=0)
    QApplication.processEvents()
    assert len(shown_edges(w)) == 2
    w.set_orders([inside])
    assert shown_edges(w) == [] and w.order_line_labels().keys() == {"ttin"}


def test_many_orders_above_are_listed_nearest_first_then_counted(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = chart(qtbot, make_candles(300))
    (_, _), (_, y1) = w.price_vb.viewRange()
    orders = [order(f"tts{i}", Side.SELL, f"{y1 + 100 * (i + 1):.2f}") for i in range(5)]
    w.set_orders(orders)
    QApplication.processEvents()
    texts = [m.text for m in w.edge_markers()]
    assert len(texts) == MAX_PER_EDGE + 1
    assert texts[0] == f"▲ SELL 0.50000 @ {orders[0].price}"  # the nearest first
    assert texts[-1] == f"▲ +{5 - MAX_PER_EDGE} more"
