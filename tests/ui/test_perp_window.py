"""Perpetual futures in the main window, against the real paper exchange (its USDⓈ-M
futures on /fapi, real ccxt clients): the connect dialog offers the market type where
ccxt's client trades swaps and connects a perpetual session; the ticket sends to it with
its futures section (leverage asked before it is changed); the Positions dock shows the
position with the venue's figures and closes it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from terminal.domain.enums import Side, VenueMode
from terminal.domain.ids import Symbol
from terminal.domain.order import OrderStatus
from terminal.domain.position import MarginMode, PositionSide
from terminal.domain.session import MarketType
from terminal.ui.panels.ticket import EntryKind

pytestmark = pytest.mark.timeout(300)
PERP_BTC = Symbol("BTC/USDT:USDT")
D = Decimal


def connect_paper_perp(run: Any, paper: Any) -> Any:
    """Venue > Connect: paper, Perpetual futures, the paper account's keys, test, save."""
    c, w, drv = run.controller, run.window, run.driver
    w.actions_by_id["connect"].trigger()
    dialog = drv.until(lambda: c.connect.dialog, 5, "the connect dialog")
    dialog.set_venue("paper")
    assert not dialog.market_row.isHidden(), "the paper venue offers perpetuals"
    dialog.set_market(MarketType.PERP)
    assert dialog.current_market() is MarketType.PERP
    assert dialog.current_mode() is VenueMode.PAPER
    key, secret = paper.accounts[0]
    dialog.secret_edits["apiKey"].setText(key)
    dialog.secret_edits["secret"].setText(secret)
    drv.do(dialog.request_test)
    drv.until(lambda: "markets loaded" in dialog.result_label.text(), 30, "the test result")
    assert "✔ balance read" in dialog.result_label.text(), dialog.result_label.text()
    drv.until(dialog.save_button.isEnabled, 5, "Save to enable after a passing test")
    drv.do(dialog.request_save)
    perp = drv.until(
        lambda: next(
            (s for k, s in c.services.by_key.items() if k.market is MarketType.PERP), None
        ),
        30,
        "the perpetual session",
    )
    return perp


def answer(drv: Any, get_box: Any, button: QMessageBox.StandardButton) -> None:
    box = drv.until(get_box, 5, "the question")
    drv.do(lambda: box.button(button).click())


def send_ticket(run: Any) -> Any:
    entry, drv = run.panels.entry, run.driver
    before = run.controller.trading.last_submit
    drv.until(entry.can_submit, 10, "a complete ticket")
    drv.do(entry.request_submit)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not entry.pending and entry.confirmation is None, 20, "the submit")
    order = run.controller.trading.last_submit
    assert order is not before, entry.status_label.text()
    return order


def test_connect_perp_open_long_at_5x_from_the_ticket_and_close_it_from_positions(
    make_main_window, paper_for_ui, ui_memory_keyring
) -> None:  # type: ignore[no-untyped-def]
    from terminal.exchange.catalogue import default_catalogue

    # the market type is offered where ccxt's client trades swaps, and only there
    catalogue = default_catalogue()
    assert catalogue.get("binance").has_perp and catalogue.get("binance").has_swap
    assert not catalogue.get("kraken").has_swap and not catalogue.get("kraken").has_perp

    run = make_main_window(paper_for_ui)
    c, w, drv = run.controller, run.window, run.driver
    assert "positions" in w.docks and w.tabifiedDockWidgets(w.docks["open_orders"])
    perp = connect_paper_perp(run, paper_for_ui)
    assert perp.key.label == "paper/paper/default/perp"
    assert c.services.sessions["paper"].key.market is MarketType.SPOT  # the window's market

    # the ticket trades the perpetual of the shown pair, with its futures section
    trading, entry, futures = c.trading, run.panels.entry, run.panels.futures
    drv.until(lambda: trading.session == perp.key, 10, "the ticket on the perpetual session")
    assert trading.symbol == PERP_BTC and entry.rules.symbol == PERP_BTC
    drv.until(futures.isVisible, 5, "the futures section above the ticket")
    drv.until(lambda: futures.current_leverage() is not None, 20, "the symbol's leverage")
    drv.until(
        lambda: "funding" in futures.header.text() and "next in" in futures.header.text(),
        20,
        "the funding rate and countdown",
    )

    # leverage 5: asked first, declined keeps the venue's, confirmed sends it
    start = futures.current_leverage()
    assert start != 5
    futures.leverage_spin.setValue(5)
    drv.do(futures.leverage_button.click)
    answer(drv, futures.leverage_question, QMessageBox.StandardButton.No)
    drv.sleep(0.5)
    assert futures.current_leverage() == start
    futures.leverage_spin.setValue(5)
    drv.do(futures.leverage_button.click)
    answer(drv, futures.leverage_question, QMessageBox.StandardButton.Yes)
    drv.until(lambda: futures.current_leverage() == 5, 20, "leverage 5 read back")
    settings = drv.run(perp.fetch_margin_settings(PERP_BTC))
    assert settings.leverage == 5  # at the venue, not only on screen

    # isolated margin (so the position has a liquidation price of its own)
    if futures.current_margin_mode() is not MarginMode.ISOLATED:
        drv.do(lambda: futures.margin_combo.setCurrentIndex(1))
        drv.do(lambda: futures.margin_combo.activated.emit(1))
    drv.until(lambda: futures.current_margin_mode() is MarginMode.ISOLATED, 20, "isolated margin")

    # open a long from the ticket
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    entry.set_kind(EntryKind.MARKET)
    entry.set_side(Side.BUY)
    entry.set_amount_in_quote(False)
    entry.set_amount("0.01")
    assert entry.state.request is not None
    assert entry.state.request.market is MarketType.PERP and not entry.state.request.reduce_only
    order = send_ticket(run)
    assert order.status is OrderStatus.FILLED, (order.status, order.reason)
    assert order.market is MarketType.PERP and order.symbol == PERP_BTC

    # the Positions dock: entry, mark, uPnL and liquidation price as the venue reports them
    panel = run.panels.positions
    rows = drv.until(lambda: (panel.refresh() or True) and panel.model.rows, 20, "the row")
    (venue_pos,) = drv.run(perp.fetch_positions())
    assert venue_pos.side is PositionSide.LONG and venue_pos.size == D("0.01")
    assert venue_pos.leverage == 5
    cells = rows[0].cells
    assert cells[:3] == (str(PERP_BTC), "Long", "0.01")
    assert cells[3] == f"{venue_pos.entry_price.quantize(D('0.01')):,}"
    assert cells[4] not in ("", "—") and cells[5] not in ("", "—")  # mark and uPnL
    assert venue_pos.liquidation_price is not None  # isolated at 5x: about 20 % below
    assert cells[7] == f"{venue_pos.liquidation_price.quantize(D('0.01')):,}"
    assert cells[10] == "5x"

    # the chart: the position's entry and liquidation lines (the chart's price lines)
    drv.until(lambda: run.panels.chart is not None and c.perp.lines is not None, 30, "chart")
    lines = c.perp.lines
    key = f"position:{PERP_BTC}:long"
    entry_label = drv.until(lambda: lines.shown_label(f"{key}:entry"), 10, "the entry line")
    assert "LONG" in entry_label
    liq_label = drv.until(lambda: lines.shown_label(f"{key}:liq"), 10, "the liquidation line")
    assert "LIQ" in liq_label

    # close it from the panel: a reduce-only market order; the venue has no position left
    w.docks["positions"].raise_()
    assert panel.select(str(PERP_BTC), PositionSide.LONG)
    drv.do(panel.close_button.click)
    drv.until(lambda: "close sent" in panel.status.text(), 20, "the close to be sent")
    drv.until(lambda: (panel.refresh() or True) and not panel.model.rows, 20, "the row to go")
    assert drv.run(perp.fetch_positions()) == []
    drv.until(lambda: lines.shown_label(f"{key}:entry") is None, 10, "the lines gone")
