"""Health panel: renders real snapshots from the core's health trackers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, datetime

import pytest

from terminal.core.health import HealthRegistry
from terminal.core.marketstate import FeedKey, FeedStatus
from terminal.core.policy import RequestPolicy
from terminal.domain.enums import VenueMode
from terminal.domain.ids import VenueId
from terminal.domain.session import SessionKey
from terminal.ui.panels._style import ERROR
from terminal.ui.panels.health import HealthPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)


class ManualClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


@pytest.fixture
def world():
    clock = ManualClock()
    reg = HealthRegistry(clock)
    paper = SessionKey(VenueId("paper"), VenueMode.PAPER)
    tr = reg.tracker(paper)
    tr.bind_policy(RequestPolicy("paper", clock))
    tr.set_connected()
    for ms in (12, 15, 11, 40, 13, 14, 90, 12):
        tr.record_latency(ms / 1000)
        tr.record_request(True)
    tr.record_request(False, "RequestTimeout: GET /api/v3/depth timed out")
    tr.set_clock_offset(-35.0)
    book = FeedKey.book("paper", "BTC/USDT")
    trades = FeedKey.trades("paper", "BTC/USDT")
    tr.feed_status(book, FeedStatus.LIVE)
    tr.feed_status(trades, FeedStatus.LIVE)
    for _ in range(20):
        clock.t += 0.25
        tr.feed_message(book)
    tr.feed_message(trades)
    tr.feed_reconnect(trades)
    clock.t += 3
    bin_ = SessionKey(VenueId("binance"), VenueMode.SANDBOX)
    reg.tracker(bin_).set_down("authentication failed: check the API key")
    return clock, reg, paper, tr, book


def test_renders_a_snapshot(qtbot, world):
    _clock, reg, paper, _tr, book = world
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    assert panel.refresh()
    assert set(panel.cards) == {"paper/paper/default", "binance/sandbox/default"}
    card = panel.cards["paper/paper/default"]
    snap = reg.snapshot(paper)
    assert card.state.text() == snap.state.value.upper()
    assert card.values["latency"].text() == "13 / 90 ms"
    assert card.values["errors"].text() == "1/9 (11%)"
    assert card.values["breaker"].text() == "closed"
    assert card.values["clock"].text() == "-35 ms"
    assert card.values["reconnects"].text() == "1"
    assert card.values["budget"].text().endswith("per 10s") or "/" in card.values["budget"].text()
    assert card.sparkline.values == snap.latency_samples_ms
    assert "timed out" in card.last_error.text()
    name, status, rate, age, _rec = card.feed_rows[book]
    assert name.text() == "book BTC/USDT" and status.text() == "live"
    assert age.text() == "3.0s"
    assert float(rate.text()) > 0
    down = panel.cards["binance/sandbox/default"]
    assert down.state.text() == "DOWN"
    assert "authentication failed" in down.detail.text()


def test_updates_only_on_change_and_drops_removed_sessions(qtbot, world):
    clock, reg, _paper, tr, book = world
    panel = HealthPanel(poll_interval_s=0)
    qtbot.addWidget(panel)
    panel.set_snapshots(reg.snapshots())
    assert panel.refresh()
    panel.set_snapshots(reg.snapshots())
    assert not panel.refresh()  # same snapshot: nothing repainted
    clock.t += 10
    tr.feed_status(book, FeedStatus.STALE)
    reg.remove(SessionKey(VenueId("binance"), VenueMode.SANDBOX))
    panel.set_snapshots(reg.snapshots())
    assert panel.refresh()
    card = panel.cards["paper/paper/default"]
    assert card.feed_rows[book][1].text() == "stale"
    assert card.state.text() == "DEGRADED"
    assert list(panel.cards) == ["paper/paper/default"]


def test_screenshot(qtbot, world, shot):
    _clock, reg, *_ = world
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    panel.resize(460, 420)
    panel.refresh()
    shot(panel, "health")


def test_wide_panel_puts_cards_side_by_side(qtbot, world, shot):
    _clock, reg, *_ = world
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    panel.resize(1000, 300)
    panel.show()
    panel.refresh()
    qtbot.waitUntil(lambda: panel._columns == 2)
    a, b = (panel.cards[k] for k in ("binance/sandbox/default", "paper/paper/default"))
    qtbot.waitUntil(lambda: a.geometry().right() < b.geometry().left())
    assert a.geometry().top() == b.geometry().top()
    shot(panel, "health_wide")


def test_one_session_gets_the_full_width(qtbot, world):
    _clock, reg, *_ = world
    reg.remove(SessionKey(VenueId("binance"), VenueMode.SANDBOX))
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    panel.resize(1200, 300)
    panel.show()
    panel.refresh()
    card = panel.cards["paper/paper/default"]
    qtbot.waitUntil(lambda: card.width() > 1000)


def test_a_venue_that_takes_no_orders_is_not_shown_live_and_says_why(qtbot, world):
    """Feeds all live, but reconciliation failed and is being retried: the card says
    DEGRADED and why entry is disabled; once entry opens it is LIVE again and the last
    error is no longer red."""
    clock, reg, _paper, tr, book = world
    for _ in range(20):  # a clean error window: only the entry block is left
        clock.t += 4
        tr.record_request(True)
    tr.feed_message(book)
    tr.feed_message(FeedKey.trades("paper", "BTC/USDT"))
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    reason = (
        "reconciliation with paper failed: InvalidNonce: -1021 Timestamp for this "
        "request is outside of the recvWindow; retrying in 4 s"
    )
    tr.set_entry_blocked(reason)
    tr.record_bad_data("paper BTC/USDT book: crossed (bid 70000 >= ask 60000); resyncing")
    panel.refresh()
    card = panel.cards["paper/paper/default"]
    assert card.state.text() == "DEGRADED"
    assert card.detail.text() == f"order entry disabled: {reason}"
    assert card.values["bad_data"].text() == "1"
    assert "crossed" in card.values["bad_data"].toolTip()
    assert ERROR in card.last_error.styleSheet()
    tr.set_entry_blocked(None)
    panel.refresh()
    assert card.state.text() == "LIVE" and not card.detail.isVisible()
    assert card.last_error.text().startswith("Last error (recovered): ")
    assert ERROR not in card.last_error.styleSheet()
