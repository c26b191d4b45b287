"""Exchange health: one card per connected venue session, from the core's snapshots.

Reads `terminal.core.health.VenueHealth` snapshots (the core's health model): the
state and why, REST latency p50/p95 with a sparkline, error rate, circuit breaker,
rate-budget use, clock offset, reconnects, the last error, and per feed its status,
message rate and the age of its last message. Snapshots are polled from a provider at
a slow rate (`poll_interval_s`), not on every frame: they are computed on demand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from terminal.core.health import FeedHealth, VenueHealth, VenueState
from terminal.core.marketstate import FeedStatus
from terminal.core.policy import BreakerState
from terminal.ui.frame import FrameClock

from ._driven import DrivenPanel, attach_frames
from ._style import AMBER, ERROR, MUTED, OK, mono_font
from .sparkline import Sparkline

STATE_COLOUR = {
    VenueState.LIVE: OK,
    VenueState.DEGRADED: AMBER,
    VenueState.DOWN: ERROR,
    VenueState.CONNECTING: MUTED,
}
FEED_COLOUR = {
    FeedStatus.LIVE: OK,
    FeedStatus.STALE: AMBER,
    FeedStatus.DOWN: ERROR,
    FeedStatus.CONNECTING: MUTED,
}
BREAKER_TEXT = {
    BreakerState.CLOSED: "closed",
    BreakerState.HALF_OPEN: "half-open (probing)",
    BreakerState.OPEN: "OPEN",
}
CARD_MIN_WIDTH = 430
SnapshotProvider = Callable[[], Sequence[VenueHealth]]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds / 60:.0f}m"


def feed_name(feed: FeedHealth) -> str:
    k = feed.key
    parts = [k.kind.value]
    if k.symbol:
        parts.append(str(k.symbol))
    if k.timeframe:
        parts.append(k.timeframe)
    if k.account:
        parts.append(f"[{k.account}]")
    return " ".join(parts)


class VenueHealthCard(QFrame):
    """One session's health. Labels are kept and their text replaced on update."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("VenueHealthCard")
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 4, 6, 4)
        root.setSpacing(2)
        head = QHBoxLayout()
        self.dot = QLabel("●")
        self.title = QLabel("")
        self.title.setStyleSheet("font-weight: 600;")
        self.state = QLabel("")
        self.state.setObjectName("stateLabel")
        head.addWidget(self.dot)
        head.addWidget(self.title)
        head.addWidget(self.state)
        head.addStretch(1)
        root.addLayout(head)
        self.detail = QLabel("")
        self.detail.setObjectName("detailLabel")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet(f"color: {MUTED};")
        root.addWidget(self.detail)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(1)
        font = mono_font()
        self.values: dict[str, QLabel] = {}

        def add(row: int, col: int, name: str, key: str) -> None:
            label = QLabel(name)
            label.setStyleSheet(f"color: {MUTED};")
            value = QLabel("—")
            value.setFont(font)
            value.setObjectName(f"value_{key}")
            grid.addWidget(label, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.values[key] = value

        add(0, 0, "REST p50/p95", "latency")
        self.sparkline = Sparkline()
        self.sparkline.setToolTip("Recent REST latencies; dashed line: p95")
        grid.addWidget(self.sparkline, 0, 2, 1, 2)
        add(1, 0, "Errors", "errors")
        add(1, 1, "Breaker", "breaker")
        add(2, 0, "Rate budget", "budget")
        self.budget_bar = QProgressBar()
        self.budget_bar.setTextVisible(False)
        self.budget_bar.setMaximumHeight(6)
        self.budget_bar.setRange(0, 1000)
        grid.addWidget(self.budget_bar, 3, 1)
        add(2, 1, "Clock offset", "clock")
        add(3, 1, "Reconnects", "reconnects")
        add(4, 0, "Bad frames", "bad_data")
        add(4, 1, "Dead-man", "dead_man")
        grid.setColumnStretch(4, 1)
        root.addLayout(grid)

        self.feeds_grid = QGridLayout()
        self.feeds_grid.setHorizontalSpacing(10)
        self.feeds_grid.setVerticalSpacing(0)
        self.feed_headers: list[QLabel] = []
        for col, name in enumerate(("Feed", "Status", "Msg/s", "Last msg", "Reconn.")):
            h = QLabel(name)
            self.feed_headers.append(h)
            h.setStyleSheet(f"color: {MUTED}; font-size: 11px;")
            self.feeds_grid.addWidget(
                h,
                0,
                col,
                alignment=Qt.AlignmentFlag.AlignLeft if col < 2 else Qt.AlignmentFlag.AlignRight,
            )
        self.feed_rows: dict[object, list[QLabel]] = {}
        self.feeds_grid.setColumnStretch(5, 1)  # keep the feed columns together on the left
        root.addLayout(self.feeds_grid)

        self.last_error = QLabel("")
        self.last_error.setObjectName("lastError")
        self.last_error.setWordWrap(True)
        self.last_error.setStyleSheet(f"color: {ERROR};")
        root.addWidget(self.last_error)

    def update_from(self, h: VenueHealth) -> None:
        colour = STATE_COLOUR.get(h.state, MUTED)
        self.dot.setStyleSheet(f"color: {colour};")
        self.title.setText(h.session.label)
        self.state.setText(h.state.value.upper())
        self.state.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.detail.setText(h.detail if h.detail and h.detail != h.state.value else "")
        self.detail.setVisible(bool(self.detail.text()))
        v = self.values
        v["latency"].setText(f"{_ms(h.latency_p50_ms)} / {_ms(h.latency_p95_ms)} ms")
        self.sparkline.set_values(h.latency_samples_ms, h.latency_p95_ms)
        if h.requests:
            v["errors"].setText(f"{h.errors}/{h.requests} ({h.error_rate:.0%})")
        else:
            v["errors"].setText("0 (idle)")
        v["errors"].setStyleSheet(f"color: {ERROR};" if h.error_rate >= 0.2 and h.requests else "")
        breaker = BREAKER_TEXT.get(h.breaker, h.breaker.value)
        if h.breaker is not BreakerState.CLOSED and h.breaker_retry_after_s > 0:
            breaker += f", retry in {h.breaker_retry_after_s:.0f}s"
        v["breaker"].setText(breaker)
        v["breaker"].setStyleSheet(
            ""
            if h.breaker is BreakerState.CLOSED
            else f"color: {ERROR if h.breaker is BreakerState.OPEN else AMBER};"
        )
        if h.rate_budget is not None:
            b = h.rate_budget
            text = f"{b.used}/{b.limit} per {b.window_s:g}s"
            self.budget_bar.setValue(int(min(1.0, b.fraction) * 1000))
            self.budget_bar.show()
        else:
            text = "—"
            self.budget_bar.hide()
        if h.rest_paused_s > 0:
            text += f"  paused {h.rest_paused_s:.0f}s"
        v["budget"].setText(text)
        v["clock"].setText("—" if h.clock_offset_ms is None else f"{h.clock_offset_ms:+.0f} ms")
        v["clock"].setStyleSheet(
            f"color: {AMBER};"
            if h.clock_offset_ms is not None and abs(h.clock_offset_ms) > 1000
            else ""
        )
        v["reconnects"].setText(str(h.reconnects))
        v["dead_man"].setText(h.dead_man or "off")
        v["dead_man"].setToolTip(
            "The venue cancels this session's orders if the terminal stops renewing it"
            if h.dead_man
            else "No cancel-all-after heartbeat is armed"
        )
        v["bad_data"].setText(str(h.bad_data))
        v["bad_data"].setStyleSheet(f"color: {AMBER};" if h.bad_data else "")
        v["bad_data"].setToolTip(
            f"Last refused: {h.last_bad_data}"
            if h.last_bad_data
            else "Venue frames refused (unreadable, wrong types, NaN, "
            "crossed book); the feed resyncs after each"
        )
        self._update_feeds(h.feeds)
        # red only while something is wrong: once the venue is live again (the feed
        # restarted, the reconciliation passed) the last error stays readable, greyed
        recovered = h.state is VenueState.LIVE
        if h.last_error:
            prefix = "Last error (recovered)" if recovered else "Last error"
            self.last_error.setText(f"{prefix}: {h.last_error}")
        else:
            self.last_error.setText("")
        self.last_error.setStyleSheet(f"color: {MUTED if recovered else ERROR};")
        self.last_error.setVisible(bool(h.last_error))

    def _update_feeds(self, feeds: Sequence[FeedHealth]) -> None:
        keys = [f.key for f in feeds]
        if list(self.feed_rows) != keys:
            for labels in self.feed_rows.values():
                for label in labels:
                    self.feeds_grid.removeWidget(label)
                    label.deleteLater()
            self.feed_rows = {}
            font = mono_font()
            for row, f in enumerate(feeds, start=1):
                labels = []
                for col in range(5):
                    label = QLabel("")
                    label.setFont(font)
                    label.setAlignment(
                        Qt.AlignmentFlag.AlignLeft if col < 2 else Qt.AlignmentFlag.AlignRight
                    )
                    self.feeds_grid.addWidget(label, row, col)
                    labels.append(label)
                self.feed_rows[f.key] = labels
        for h in self.feed_headers:
            h.setVisible(bool(feeds))
        for f in feeds:
            name, status, rate, age, rec = self.feed_rows[f.key]
            name.setText(feed_name(f))
            status.setText(f.status.value)
            status.setStyleSheet(f"color: {FEED_COLOUR.get(f.status, MUTED)};")
            rate.setText(f"{f.message_rate:.1f}")
            age.setText(_age(f.last_message_age_s))
            rec.setText(str(f.reconnects))
            name.setToolTip(f"Last error: {f.last_error}" if f.last_error else "")


class HealthPanel(DrivenPanel):
    """Cards for every venue session. Feed with `set_snapshots` or `set_provider`."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        frame_clock: FrameClock | None = None,
        provider: SnapshotProvider | None = None,
        poll_interval_s: float = 0.5,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HealthPanel")
        self._provider = provider
        self.poll_interval_s = poll_interval_s
        self._last_poll = -1e9
        self._pending: list[VenueHealth] | None = None
        self._shown: dict[str, VenueHealth] = {}
        self._order: list[str] = []
        self.cards: dict[str, VenueHealthCard] = {}
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(4, 4, 4, 4)
        self._grid = QGridLayout()
        self._grid.setSpacing(6)
        self._columns = 1
        self.empty_label = QLabel("No venue connected")
        self.empty_label.setStyleSheet(f"color: {MUTED};")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty_label)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.scroll_area.setWidget(inner)
        root.addWidget(self.scroll_area)
        attach_frames(self, frame_clock, interval_ms=250)

    def set_provider(self, provider: SnapshotProvider | None) -> None:
        """`provider()` returns the current snapshots (e.g. HealthRegistry.snapshots)."""
        self._provider = provider
        self._last_poll = -1e9

    def set_snapshots(self, snapshots: Sequence[VenueHealth]) -> None:
        self._pending = list(snapshots)

    def refresh(self) -> bool:
        now = time.monotonic()
        if (
            self._pending is None
            and self._provider is not None
            and now - self._last_poll >= self.poll_interval_s
        ):
            self._last_poll = now
            self._pending = list(self._provider())
        if self._pending is None:
            return False
        snapshots, self._pending = self._pending, None
        changed = False
        labels = [h.session.label for h in snapshots]
        for label in list(self.cards):
            if label not in labels:
                card = self.cards.pop(label)
                self._grid.removeWidget(card)
                card.deleteLater()
                self._shown.pop(label, None)
                changed = True
        for h in snapshots:
            label = h.session.label
            if label not in self.cards:
                self.cards[label] = VenueHealthCard()
                changed = True
        if changed:
            self._order = labels
            self._place_cards()
        for h in snapshots:
            label = h.session.label
            card = self.cards[label]
            if self._shown.get(label) != h:
                card.update_from(h)
                self._shown[label] = h
                changed = True
        self.empty_label.setVisible(not self.cards)
        if changed:
            self.frames.mark()
        return changed

    def _place_cards(self) -> None:
        """Cards side by side as far as the width allows (a wide bottom dock shows every
        venue at once), in the snapshots' order."""
        for card in self.cards.values():
            self._grid.removeWidget(card)
        labels = [label for label in self._order if label in self.cards]
        cols = max(1, min(self._columns, len(labels)))  # one venue: one full-width card
        for i, label in enumerate(labels):
            self._grid.addWidget(
                self.cards[label], i // cols, i % cols, alignment=Qt.AlignmentFlag.AlignTop
            )
        for c in range(4):
            self._grid.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        cols = max(1, min(4, self.width() // CARD_MIN_WIDTH))
        if cols != self._columns:
            self._columns = cols
            self._place_cards()
