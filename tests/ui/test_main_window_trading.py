"""The whole main window against a real paper exchange (child process, loopback):
first run, orders from the ticket, cancel from the table, emergency stop, stale book,
layout across a restart. Real ccxt clients, real widgets offscreen; no internet."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from terminal.core.marketstate import FeedKind, FeedStatus
from terminal.domain.enums import Side
from terminal.domain.order import OrderStatus
from terminal.ui.panels.ticket import EntryKind

pytestmark = pytest.mark.timeout(240)


def _mid(run: Any) -> Decimal:
    market = run.controller.market.active

    def mid() -> Decimal | None:
        view = run.controller.state.book_view(market.key(FeedKind.BOOK), 1)
        return view.mid if view is not None else None

    return run.driver.until(mid, 20, "a book with a mid price")


def _place_from_ticket(
    run: Any,
    side: Side,
    price: Decimal,
    amount: str,
    expect: tuple[OrderStatus, ...] = (OrderStatus.OPEN,),
    hotkey: bool = False,
) -> Any:
    """Fill the ticket like a user and press Send in its confirmation dialog."""
    entry = run.panels.entry
    drv = run.driver
    drv.until(lambda: entry.blocked_reason is None, 30, "order entry to open")
    rules = run.controller.services.sessions["paper"].markets[run.controller.market.active.symbol]
    entry.set_kind(EntryKind.LIMIT)
    entry.set_side(side)
    entry.set_price(rules.format_price(rules.round_price(price)))
    entry.set_amount(amount)
    before = run.controller.trading.last_submit
    drv.until(entry.can_submit, 5, "a complete ticket")
    if hotkey:  # Ctrl+B / Ctrl+S: side and send in one key press
        key = Qt.Key.Key_B if side is Side.BUY else Qt.Key.Key_S
        run.window.activateWindow()
        drv.until(run.window.isActiveWindow, 5, "the main window to be active")
        drv.do(lambda: QTest.keyClick(run.window, key, Qt.KeyboardModifier.ControlModifier))
    else:
        drv.do(entry.request_submit)
    dialog = drv.until(lambda: entry.confirmation, 5, "the confirmation dialog")
    drv.until(lambda: dialog.armed, 5, "the Send button to arm")
    drv.do(lambda: QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not entry.pending and entry.confirmation is None, 20, "the submit to finish")
    order = run.controller.trading.last_submit
    assert order is not before, entry.status_label.text()
    assert order.status in expect, (order.status, order.reason)
    return order


def _paper_open_ids(paper: Any) -> set[str]:
    key = paper.accounts[0][0]
    return {o["clientOrderId"] for o in paper.control.open_orders(key)}


def test_first_run_shows_live_book_chart_tape_and_balances(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    c, p, drv = run.controller, run.panels, run.driver
    assert "BTC/USDT" in run.window.windowTitle() and "PAPER" in run.window.windowTitle()
    drv.until(
        lambda: c.state.feed_status(c.market.active.key(FeedKind.BOOK)) is FeedStatus.LIVE,
        20,
        "a live book",
    )
    drv.until(
        lambda: not p.book.ladder.ladder().is_empty and p.book.ladder.frames.total > 0,
        10,
        "the book to paint",
    )
    drv.until(
        lambda: p.chart is not None and len(p.chart.series) > 50,
        20,
        "candle back-fill on the chart",
    )
    drv.until(lambda: p.tape is not None and p.tape.rows(), 20, "trades on the tape")
    drv.until(lambda: p.entry.blocked_reason is None, 30, "order entry to open after reconcile")
    # the ticket starts at the best bid, so a newcomer only types an amount
    assert p.entry.price_edit.text(), "the ticket has no starting price"
    # written on the market's grid (BTC/USDT: 0.01), not as ccxt's float ("60001.0")
    assert re.fullmatch(r"\d+\.\d{2}", p.entry.price_edit.text()), p.entry.price_edit.text()
    assert not p.book.ladder.is_stale
    assert "LIVE" in run.window.data_label.text()
    balances = c.state.balances(c.services.sessions["paper"].key)
    assert balances is not None and balances.free("USDT") > 0
    assert run.window.lock_switch.text() == "TESTNET"
    drv.until(
        lambda: "live" in run.window.venue_status.text_of("paper"),
        10,
        "the paper venue's status light",
    )
    drv.until(
        lambda: any("paper" in label for label in p.health.cards),
        10,
        "a health card for the paper session",
    )

    # click a bid in the book: its exact price goes into the ticket
    ladder = p.book.ladder
    row = ladder.ladder().bids[0]
    drv.do(
        lambda: QTest.mouseClick(
            ladder, Qt.MouseButton.LeftButton, pos=ladder.row_rect(Side.BUY, 0).center().toPoint()
        )
    )
    assert p.entry.price_edit.text() == row.price_text

    # Ctrl+K: "eth usdt" + Enter switches the symbol; the BTC feeds are released
    btc_book = c.market.active.key(FeedKind.BOOK)
    palette = drv.do(c.open_palette)
    palette.input.setText("symbol eth usdt")
    assert palette.shown_texts()[0] == "Symbol  ETH/USDT"
    drv.do(lambda: QTest.keyClick(palette.input, Qt.Key.Key_Return))
    drv.until(lambda: c.symbol == "ETH/USDT", 10, "the palette's symbol switch")
    assert c.hub.refcount(btc_book) == 0, "the old symbol's book is still subscribed"
    eth_book = c.market.active.key(FeedKind.BOOK)
    assert c.hub.refcount(eth_book) >= 1
    drv.until(lambda: c.state.feed_status(eth_book) is FeedStatus.LIVE, 20, "a live ETH book")
    assert "ETH/USDT" in run.window.windowTitle()

    # a symbol the venue does not list (or no symbol at all) is refused with a notice
    for bad in ("NOPE/USDT", "not a symbol"):
        c.select_symbol(bad)
        drv.until(
            lambda bad=bad: any(bad in text for _, text in p.notifications.entries()),
            5,
            f"a notice about {bad}",
        )
    assert c.symbol == "ETH/USDT" and "ETH/USDT" in run.window.windowTitle()


def test_buy_sell_from_ticket_then_cancel_from_table(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    drv = run.driver
    mid = _mid(run)
    buy = _place_from_ticket(run, Side.BUY, mid * Decimal("0.97"), "0.01")
    sell = _place_from_ticket(run, Side.SELL, mid * Decimal("1.03"), "0.01", hotkey=True)
    assert sell.side is Side.SELL
    ids = {str(buy.client_order_id), str(sell.client_order_id)}
    drv.until(
        lambda: ids <= _paper_open_ids(paper_for_ui),
        10,
        "both orders on the exchange",
        interval=0.2,
    )
    table = run.panels.open_orders
    drv.until(
        lambda: table.select(str(buy.client_order_id)) and table.select(str(sell.client_order_id)),
        10,
        "both orders in the open orders table",
    )
    assert table.select(str(buy.client_order_id))
    assert drv.do(table.cancel_selected) == 1
    drv.until(
        lambda: str(buy.client_order_id) not in _paper_open_ids(paper_for_ui),
        15,
        "the cancel to reach the exchange",
        interval=0.2,
    )
    assert str(sell.client_order_id) in _paper_open_ids(paper_for_ui)
    drv.until(
        lambda: not table.select(str(buy.client_order_id)),
        10,
        "the cancelled order to leave the table",
    )
    # Ctrl+Shift+C: cancel all on the active venue
    run.window.activateWindow()
    drv.until(run.window.isActiveWindow, 5, "the main window to be active")
    drv.do(
        lambda: QTest.keyClick(
            run.window,
            Qt.Key.Key_C,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    )
    drv.until(lambda: not (ids & _paper_open_ids(paper_for_ui)), 15, "all cancelled", interval=0.2)

    # a marketable buy fills: a fill notification; history and fills come from the journal
    taker = _place_from_ticket(
        run,
        Side.BUY,
        mid * Decimal("1.01"),
        "0.002",
        expect=(OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED),
    )
    notes = run.panels.notifications
    drv.until(
        lambda: any(level == "fill" for level, _ in notes.entries()), 15, "a fill notification"
    )
    history = run.panels.history
    drv.until(
        lambda: (
            {str(o.client_order_id) for o in history.shown_orders}
            >= ids | {str(taker.client_order_id)}
        ),
        15,
        "the orders in the history",
    )
    drv.until(lambda: history.shown_fills, 15, "the fill in the fills tab")
    out = run.data_dir / "orders.csv"
    assert history.export_csv(out, history.ORDERS_TAB) >= 3
    text = out.read_text()
    assert str(buy.client_order_id) in text and str(taker.client_order_id) in text


def test_emergency_stop_from_toolbar_cancels_everything_and_blocks_entry(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    drv, w = run.driver, run.window
    mid = _mid(run)
    placed = [
        _place_from_ticket(run, Side.BUY, mid * Decimal("0.96"), "0.01"),
        _place_from_ticket(run, Side.SELL, mid * Decimal("1.04"), "0.01"),
    ]
    ids = {str(o.client_order_id) for o in placed}
    drv.until(lambda: ids <= _paper_open_ids(paper_for_ui), 10, "orders resting", interval=0.2)

    drv.do(lambda: QTest.mouseClick(w.stop_button, Qt.MouseButton.LeftButton))
    # synchronous: blocked before any await
    assert run.controller.services.safety.stop.engaged
    # the entry gate's readiness event reached the ticket with the stop, no frame later
    readiness = run.controller.trading.entry.readiness
    assert readiness is not None and not readiness.ready and "stop" in readiness.reason.lower()
    assert run.panels.entry.blocked_reason == readiness.reason
    drv.until(lambda: w.stop_button.text() == "STOP ENGAGED", 5, "the button to say ENGAGED")
    drv.until(
        lambda: not _paper_open_ids(paper_for_ui), 20, "every open order cancelled", interval=0.2
    )
    drv.until(lambda: run.controller.safety.last_sweep is not None, 20, "the sweep result")
    assert run.controller.safety.last_sweep.ok
    drv.until(
        lambda: (
            run.panels.entry.blocked_reason and "stop" in run.panels.entry.blocked_reason.lower()
        ),
        5,
        "entry disabled with the reason",
    )

    dialog = run.controller.safety.ask_reset()
    dialog.input.setText("RESET STOP")
    drv.do(lambda: QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: not run.controller.services.safety.stop.engaged, 5, "the reset")
    drv.until(lambda: run.panels.entry.blocked_reason is None, 10, "entry enabled again")
    # the entry gate reopens the ticket as the reset happens; the button repaints from
    # the safety state delivered (queued) to the window
    drv.until(lambda: "EMERGENCY STOP" in w.stop_button.text(), 5, "the button to reset")


def test_stalled_feed_greys_the_book_and_disables_entry(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui, stale_after_s=1.5)
    drv, p = run.driver, run.panels
    drv.until(
        lambda: p.entry.blocked_reason is None and not p.book.ladder.ladder().is_empty,
        30,
        "a live book and open entry",
    )
    paper_for_ui.control.stall_ws(True, target="market")
    try:
        drv.until(lambda: p.book.ladder.is_stale, 15, "the book to grey out")
        assert "STALE" in p.book.ladder.status_text()
        drv.until(
            lambda: p.entry.blocked_reason and "order book is" in p.entry.blocked_reason,
            5,
            "entry disabled because the book is stale",
        )
        assert "LIVE" not in run.window.data_label.text()
        drv.until(
            lambda: "last update" in run.window.data_label.text(),
            5,
            "the label to say how old the book is",
        )
    finally:
        paper_for_ui.control.stall_ws(False, target="market")
    drv.until(lambda: not p.book.ladder.is_stale, 30, "the book to come back live")
    drv.until(lambda: p.entry.blocked_reason is None, 10, "entry to open again")

    # Venue > Reconnect: the session is rebuilt, the same market comes back live
    c = run.controller
    old_session = c.services.sessions["paper"]
    run.window.actions_by_id["reconnect"].trigger()
    drv.until(
        lambda: c.services.sessions.get("paper") not in (None, old_session),
        20,
        "a new paper session",
    )
    book_key = c.market.active.key(FeedKind.BOOK)
    drv.until(
        lambda: c.state.feed_status(book_key) is FeedStatus.LIVE and not p.book.ladder.is_stale,
        30,
        "the book live after the reconnect",
    )
    drv.until(lambda: p.entry.blocked_reason is None, 30, "entry open after the reconnect")


def test_layout_and_market_are_restored_after_a_restart(
    make_main_window, paper_for_ui, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "restart"
    first = make_main_window(paper_for_ui, data_dir=data)
    first.window.docks["health"].hide()
    first.window.docks["depth"].raise_()
    first.controller.select_symbol("ETH/USDT")
    first.driver.until(lambda: first.controller.symbol == "ETH/USDT", 10, "the symbol switch")
    c = first.controller
    one_minute = c.market.active.key(FeedKind.CANDLES)
    first.driver.until(lambda: c.panels.chart is not None, 10, "the chart")
    first.driver.do(lambda: c.panels.chart.tf_buttons["5m"].click())  # the chart's selector
    first.driver.until(lambda: c.timeframe == "5m", 10, "the timeframe switch")
    assert c.hub.refcount(one_minute) == 0, "the 1m candles are still subscribed"
    five = c.market.active.key(FeedKind.CANDLES)
    first.driver.until(
        lambda: len(c.state.candles(five)) > 10 and c.panels.chart.timeframe == "5m",
        20,
        "5m candles back-filled on the chart",
    )
    first.close()
    assert first.shutdown_s < 3.0, f"shutdown took {first.shutdown_s:.2f} s"

    second = make_main_window(paper_for_ui, data_dir=data)
    assert second.window.docks["health"].isHidden()
    assert not second.window.docks["book"].isHidden()
    assert second.controller.symbol == "ETH/USDT"
    assert second.controller.timeframe == "5m"
    assert "ETH/USDT" in second.window.windowTitle()


def test_testnet_lock_disables_entry_on_a_live_venue_until_unlocked(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    from terminal.core.safety.lock import confirmation_phrase
    from terminal.domain.enums import VenueMode
    from terminal.exchange.catalogue import paper_live_info

    run = make_main_window(paper_for_ui, extra_venues=[paper_live_info("paperlive")])
    c, w, drv, entry = run.controller, run.window, run.driver, run.panels.entry
    drv.run(c.connect_venue("paperlive", VenueMode.LIVE, "default"), 30)
    drv.run(c.switch_venue("paperlive"), 10)
    assert c.venue == "paperlive"
    assert "LIVE" in w.windowTitle() and w.mode_badge.text() == "LIVE"
    drv.until(
        lambda: entry.blocked_reason and "Testnet lock is ON" in entry.blocked_reason,
        10,
        "entry disabled by the testnet lock",
    )
    assert w.lock_switch.text() == "TESTNET"

    dialog = drv.do(c.safety.ask_unlock)
    assert dialog.target.currentData() == ("paperlive", "default")
    phrase = confirmation_phrase("paperlive", "default")
    dialog.input.setText(phrase)
    drv.do(lambda: QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton))
    drv.until(lambda: "LIVE" in w.lock_switch.text(), 5, "the switch to turn red LIVE")
    assert "paperlive" in w.lock_switch.text()
    drv.until(lambda: entry.blocked_reason is None, 30, "entry enabled once unlocked")

    drv.do(lambda: QTest.mouseClick(w.lock_switch, Qt.MouseButton.LeftButton))  # one click
    drv.until(lambda: w.lock_switch.text() == "TESTNET", 5, "locked again")
    drv.until(
        lambda: entry.blocked_reason and "Testnet lock is ON" in entry.blocked_reason,
        5,
        "entry disabled again",
    )
    # the paper venue next to it is not affected by the lock
    drv.run(c.switch_venue("paper"), 10)
    drv.until(lambda: entry.blocked_reason is None, 10, "paper entry open under the lock")


def test_connect_dialog_tests_saves_and_connects_a_venue(
    make_main_window, paper_for_ui, ui_memory_keyring
) -> None:  # type: ignore[no-untyped-def]
    from terminal.domain.enums import VenueMode
    from terminal.exchange.catalogue import paper_live_info

    run = make_main_window(paper_for_ui, extra_venues=[paper_live_info("paperlive")])
    c, w, drv = run.controller, run.window, run.driver
    w.actions_by_id["connect"].trigger()
    dialog = drv.until(lambda: c.connect.dialog, 5, "the connect dialog")  # open(): no nested loop
    dialog.set_venue("paperlive")
    dialog.set_mode(VenueMode.LIVE)
    key, secret = paper_for_ui.accounts[0]
    dialog.secret_edits["apiKey"].setText(key)
    dialog.secret_edits["secret"].setText(secret)
    drv.do(dialog.request_test)
    drv.until(lambda: "markets loaded" in dialog.result_label.text(), 30, "the test result")
    assert "✔ balance read" in dialog.result_label.text()
    drv.until(dialog.save_button.isEnabled, 5, "Save to enable after a passing test")
    drv.do(dialog.request_save)
    drv.until(lambda: c.venue == "paperlive", 30, "the new venue to become active")
    assert "LIVE" in w.windowTitle()
    assert any("live" in service for service, _ in ui_memory_keyring.store)
    assert secret not in repr(ui_memory_keyring.store.keys())  # the secret is a value only
    drv.until(
        lambda: (
            run.panels.entry.blocked_reason
            and "Testnet lock is ON" in run.panels.entry.blocked_reason
        ),
        10,
        "entry on the live venue disabled by the lock",
    )
