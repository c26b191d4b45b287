"""The red notice bar clears once the market feeds have come back after it was shown;
the error stays in the Health card (marked recovered) and the Notifications panel.

The window test runs the whole chain: a real uncaught exception on the loop reaches the
red bar through the crash handler (as the app routes it), the real paper exchange drops
the market streams (its fault-injection API), ccxt reconnects, and the frame timer sees
the feeds live again. The other tests drive the real window's bar through
`NoticeRecovery` with the states a frame can see."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from terminal import crash
from terminal.core.marketstate import FeedKind, FeedStatus
from terminal.ui.main_window import MainWindow
from terminal.ui.notice_recovery import CLEARED, NoticeRecovery

pytestmark = pytest.mark.timeout(240)

KINDS = (FeedKind.BOOK, FeedKind.TRADES, FeedKind.CANDLES)


def _route_notices(run: Any) -> Any:
    """What terminal.app does: crash handler on the loop, reports to the red bar."""
    crash.install_on_loop(asyncio.get_event_loop())
    return crash.add_notice_callback(lambda r: run.window.notice_requested.emit(r.summary))


def _card(run: Any) -> Any:
    return next(card for label, card in run.panels.health.cards.items() if "paper" in label)


def _all_live(run: Any) -> bool:
    c = run.controller
    return all(c.state.feed_status(c.market.active.key(k)) is FeedStatus.LIVE for k in KINDS)


def _feed_crash() -> None:
    raise RuntimeError("market feed handler failed on purpose")


def test_the_red_bar_clears_when_the_feeds_are_live_again(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    remove = _route_notices(run)
    window = run.window
    try:
        drv = run.driver
        drv.until(lambda: _all_live(run), 30, "every feed of the market live")
        asyncio.get_event_loop().call_soon(_feed_crash)  # uncaught: the loop's handler
        drv.until(lambda: window.notice_text(), 10, "the red bar")
        assert "market feed handler failed on purpose" in window.notice_bar.label.text()

        # nothing restarted: the bar stays (a frame sees the feeds live, unchanged)
        drv.sleep(1.0)
        assert not window.notice_toolbar.isHidden()

        versions = [
            run.controller.state.status_version(run.controller.market.active.key(k)) for k in KINDS
        ]
        assert paper_for_ui.control.drop_ws("market") >= 1
        drv.until(
            lambda: (
                [
                    run.controller.state.status_version(run.controller.market.active.key(k))
                    for k in KINDS
                ]
                != versions
            ),
            20,
            "the market feeds to notice the drop",
        )
        drv.until(lambda: window.notice_toolbar.isHidden(), 60, "the red bar cleared")
        assert _all_live(run)
        assert window.notice_text() == ""
        # kept where history is kept
        drv.until(
            lambda: "market feed handler failed on purpose" in _card(run).last_error.text(),
            10,
            "the error on the Health card",
        )
        # the venue's health row turns LIVE again a little after the feeds (its own
        # check of the reconnected streams), and only then is the error marked recovered
        drv.until(
            lambda: _card(run).last_error.text().startswith("Last error (recovered): " + CLEARED),
            30,
            "the Health card's error marked recovered",
        )
        notes = [text for _, text in run.panels.notifications.entries()]
        assert any("market feed handler failed on purpose" in t for t in notes), notes
    finally:
        paper_for_ui.control.clear_faults()
        remove()


class Market:
    """What the frame hands over: one market's feeds, live or not, and their versions."""

    def __init__(self, recovery: NoticeRecovery, name: str = "BTC/USDT") -> None:
        self.recovery, self.name, self.version = recovery, name, 1

    def live(self) -> None:
        self.recovery.feeds(self.name, True, "paper", (self.version,))

    def down(self) -> None:
        self.version += 1
        self.recovery.feeds(self.name, False, "paper", (self.version,))

    def blink(self) -> None:
        """Down and back up between two frames: the same status, a new version."""
        self.version += 2


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def _wired(window: MainWindow) -> tuple[NoticeRecovery, list[tuple[Any, str]]]:
    recorded: list[tuple[Any, str]] = []
    recovery = NoticeRecovery(window, lambda session, text: recorded.append((session, text)))
    window.notice_shown.connect(recovery.notice_shown)
    return recovery, recorded


def test_a_notice_during_an_outage_clears_when_live_and_is_recorded(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    m = Market(recovery)
    m.live()
    m.down()
    window.show_notice("feed task failed")
    assert not window.notice_toolbar.isHidden()
    m.down()
    assert not window.notice_toolbar.isHidden()
    m.live()
    assert window.notice_toolbar.isHidden() and window.notice_bar.label.text() == ""
    assert recorded == [("paper", CLEARED + "Error: feed task failed")]


def test_a_restart_between_two_frames_clears_the_bar(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    m = Market(recovery)
    m.live()
    window.show_notice("boom")
    m.live()
    assert not window.notice_toolbar.isHidden()  # same versions: nothing restarted
    m.blink()
    m.live()
    assert window.notice_toolbar.isHidden()
    assert len(recorded) == 1


def test_a_notice_while_the_feeds_stay_live_stays(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    m = Market(recovery)
    m.live()
    window.show_notice("a bug elsewhere")
    for _ in range(3):
        m.live()
    assert not window.notice_toolbar.isHidden() and recorded == []


def test_switching_market_is_no_recovery(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    first = Market(recovery, "BTC/USDT")
    first.live()
    window.show_notice("boom")
    other = Market(recovery, "ETH/USDT")
    other.down()  # the new market connecting
    other.live()
    assert not window.notice_toolbar.isHidden() and recorded == []


def test_a_notice_before_the_first_live_feed_stays(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    m = Market(recovery)
    m.down()
    window.show_notice("Could not start: no journal")
    m.live()
    assert not window.notice_toolbar.isHidden() and recorded == []


def test_a_dismissed_bar_is_not_recorded_again(window) -> None:  # type: ignore[no-untyped-def]
    recovery, recorded = _wired(window)
    m = Market(recovery)
    m.live()
    window.show_notice("boom")
    window.notice_bar.dismissed.emit()
    m.down()
    m.live()
    assert window.notice_toolbar.isHidden() and recorded == []
