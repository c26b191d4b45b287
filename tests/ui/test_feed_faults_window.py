"""The whole window through venue faults the code expects: broken frames on the market
stream, and a reconciliation refused for its timestamp while the venue's time endpoint
fails. Real paper exchange, real ccxt, real widgets; the crash handler is routed to the
window's red notice bar as the app routes it.

Expected: no red bar and no "Uncaught exception"; the Health card counts the bad frames
and the book resyncs; while reconciliation is being retried the ticket and the Health
card say why entry is disabled, and entry opens again by itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from terminal import crash
from terminal.core.marketstate import FeedKind, FeedStatus

pytestmark = pytest.mark.timeout(240)


def _route_notices(run: Any) -> Any:
    """What terminal.app does: crash handler on the loop, reports to the red bar."""
    crash.install_on_loop(asyncio.get_event_loop())
    return crash.add_notice_callback(lambda r: run.window.notice_requested.emit(r.summary))


def _card(run: Any) -> Any:
    return next(card for label, card in run.panels.health.cards.items() if "paper" in label)


def test_broken_frames_are_counted_resynced_and_raise_no_red_bar(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    remove = _route_notices(run)
    try:
        drv, c = run.driver, run.controller
        book = c.market.active.key(FeedKind.BOOK)
        drv.until(lambda: c.state.feed_status(book) is FeedStatus.LIVE, 20, "a live book")
        health = c.services.sessions["paper"].health
        for kind in ("truncated", "malformed", "crossed"):
            before = health.snapshot().bad_data
            for _ in range(5):  # a diff no newer than the snapshot is skipped unread
                paper_for_ui.control.malformed(kind, 1, "market")
                try:
                    drv.until(
                        lambda before=before: health.snapshot().bad_data > before,
                        4,
                        f"the {kind} frame counted",
                    )
                    break
                except pytest.fail.Exception:
                    continue
            drv.until(
                lambda: c.state.feed_status(book) is FeedStatus.LIVE,
                20,
                f"the book live again after the {kind} frame",
            )
        drv.until(
            lambda: _card(run).values["bad_data"].text() not in ("", "0"),
            10,
            "bad frames on the Health card",
        )
        assert int(_card(run).values["bad_data"].text()) >= 3
        view = c.state.book_view(book, 20)
        assert view is not None and view.bids[0].price < view.asks[0].price
        drv.sleep(0.5)
        assert run.window.notice_toolbar.isHidden(), run.window.notice_bar.label.text()
    finally:
        remove()


def test_reconciliation_retries_while_ticket_and_health_say_why(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    remove = _route_notices(run)
    ctl = paper_for_ui.control
    try:
        drv, c, entry = run.driver, run.controller, run.panels.entry
        drv.until(lambda: entry.blocked_reason is None, 30, "order entry open")
        ctl.clock_skew(22_000)
        ctl.rest_errors(503, 6, 0.0, "/api/v3/time")
        result = drv.run(
            c.services.orders.on_stream_reconnect(c.services.sessions["paper"].key), 30
        )
        assert not result.ok
        drv.until(
            lambda: entry.blocked_reason and "retrying in" in entry.blocked_reason,
            5,
            "the ticket to say why entry is disabled",
        )
        assert "reconciliation with paper/paper/default failed" in entry.blocked_label.text()
        drv.until(
            lambda: (
                "order entry disabled: reconciliation with paper/paper/default failed"
                in _card(run).detail.text()
            ),
            5,
            f"the Health card to say why ({_card(run).state.text()}: {_card(run).detail.text()})",
        )
        assert _card(run).state.text() != "LIVE"
        drv.until(lambda: entry.blocked_reason is None, 60, "entry open again by itself")
        drv.until(
            lambda: "order entry disabled" not in _card(run).detail.text(),
            5,
            "the Health card no longer blocked",
        )
        assert run.window.notice_toolbar.isHidden(), run.window.notice_bar.label.text()
        # one notification per distinct failure, not one per attempt, then the recovery
        notes = [text for _, text in run.panels.notifications.entries()]
        failed = [t for t in notes if "reconciliation failed" in t]
        assert 1 <= len(failed) <= 2 and len(failed) == len(set(failed)), notes
        assert any("reconciliation succeeded" in t for t in notes), notes
    finally:
        ctl.clear_faults()
        remove()
