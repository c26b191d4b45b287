"""A stalled market feed on the whole main window against a real paper exchange: the
toolbar says STALE with the age (never "connecting" while old data is on screen), and
every panel fed by that market connection is greyed: book, chart, tape and the ticket's
bid/ask. Real ccxt client over loopback, real widgets offscreen."""

from __future__ import annotations

import time

import pytest

from terminal.core.marketstate import FeedKind, FeedStatus

pytestmark = pytest.mark.timeout(180)


def test_stalled_market_is_stale_everywhere_with_its_age(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui, stale_after_s=1.5)
    drv, p, w = run.driver, run.panels, run.window
    drv.until(
        lambda: (
            p.entry.blocked_reason is None
            and not p.book.ladder.ladder().is_empty
            and p.chart is not None
            and len(p.chart.series) > 0
            and "Bid" in p.entry.quote_label.text()
        ),
        30,
        "a live market on every panel",
    )
    assert not (p.chart.is_stale or p.tape.is_stale or p.book.ladder.is_stale)
    assert p.entry.quote_label.isEnabled() and "STALE" not in p.entry.quote_label.text()

    paper_for_ui.control.stall_ws(True, target="market")
    try:
        drv.until(lambda: p.book.ladder.is_stale, 15, "the book to grey out")
        # while the stalled sockets are the market's only ones (the watchdog's re-subscribe
        # may open fresh ones, which the stall does not cover, and the market recovers),
        # the toolbar and each greyed panel say how long there has been no update
        drv.until(lambda: "last update" in w.data_label.text(), 5, "the age in the toolbar")
        drv.until(lambda: "no update for" in p.chart.readout_text(), 5, "the age on the chart")
        assert "STALE" in p.chart.readout_text()
        assert "STALE" in p.tape.status_text() and "no update for" in p.tape.status_text()
        assert "no update for" in p.book.ladder.status_text()
        quote = p.entry.quote_label.text()
        assert "STALE" in quote and "last update" in quote and "Bid" in quote
        # the watchdog re-subscribes the silent stream (CONNECTING in the core): the user
        # must keep seeing STALE with the age, on every panel of that market
        # (a re-subscribe fetches a fresh REST snapshot of the book: the core calls the
        # book LIVE for that moment, and so may the window)
        book_key = run.controller.market.active.key(FeedKind.BOOK)
        deadline = time.monotonic() + 6.0
        stale_frames, resubscribing = 0, 0
        while time.monotonic() < deadline and not resubscribing:
            label = w.data_label.text()
            if "LIVE" not in label:
                stale_frames += 1
                status = run.controller.state.feed_status(book_key)
                resubscribing += status is FeedStatus.CONNECTING
                assert "connecting" not in label.lower(), label
                assert "STALE" in label, label
                assert p.chart.is_stale and p.tape.is_stale and p.book.ladder.is_stale
                assert not p.entry.quote_label.isEnabled()
            drv.sleep(0.05)
        assert stale_frames and resubscribing, "the stall never showed (or never re-subscribed)"
    finally:
        paper_for_ui.control.stall_ws(False, target="market")
    drv.until(
        lambda: not p.book.ladder.is_stale and not p.chart.is_stale and not p.tape.is_stale,
        30,
        "every panel live again",
    )
    drv.until(lambda: "LIVE" in w.data_label.text(), 5, "LIVE in the toolbar")
    assert p.entry.quote_label.isEnabled() and "STALE" not in p.entry.quote_label.text()
