"""Market data to the screen: subscriptions that follow the active venue and symbol, and
providers the frame clock pulls.

Nothing here runs per message. Feed loops (`FeedHub`) write the core `MarketState`; each widget
gets a provider `() -> (version, value)` reading it, and the frame clock asks each
provider once per tick, so a widget repaints at most at the frame rate whatever the
feed rate. `MarketFrame` is one more frame-clock client: it greys the book, depth, tape
and chart when their feed is not LIVE (a stale book must never look live), feeds the
ticket its bid/ask/last, and updates the data-freshness label.

Subscriptions are acquired for the active (session, symbol, timeframe) and released
when any of them changes, so a feed nobody looks at stops (the hub's subscriptions are
refcounted: the watchlist and a second window may still hold the same feed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from terminal.core.marketstate import FeedKey, FeedKind, FeedStatus, MarketState
from terminal.domain.ids import Symbol
from terminal.domain.session import SessionKey
from terminal.ui.frame import FrameCounter
from terminal.ui.main_window import MainWindow
from terminal.ui.notice_recovery import NoticeRecovery
from terminal.ui.probe import PaintProbe, mark
from terminal.ui.wiring.panels import Panels

log = logging.getLogger(__name__)

Release = Callable[[], Any]
Acquire = Callable[[FeedKey], Release]  # subscribe one feed; returns its release function
DEPTH_CHART_LEVELS = 200
TAPE_WINDOW = 100


def cached_provider(
    version: Callable[[], Hashable], value: Callable[[], Any]
) -> Callable[[], tuple[Hashable, Any]]:
    """A provider that builds its value only when the version moved.

    The frame clock calls providers every tick; copying 5,000 candles 30 times a second
    for nothing is the kind of waste that adds up to a sluggish window.
    """
    cache: list[Any] = [object(), None]

    def provider() -> tuple[Hashable, Any]:
        v = version()
        if v != cache[0]:
            cache[0], cache[1] = v, value()
        return cache[0], cache[1]

    return provider


@dataclass(frozen=True)
class ActiveMarket:
    session: SessionKey
    symbol: Symbol
    timeframe: str

    def key(self, kind: FeedKind) -> FeedKey:
        s = self.session
        if kind is FeedKind.CANDLES:
            return FeedKey.candles(s.venue, self.symbol, self.timeframe, s.mode)
        return FeedKey(s.venue, s.mode, kind, self.symbol)


class MarketWiring:
    """Owns the active market's subscriptions and the widgets' providers."""

    def __init__(
        self,
        window: MainWindow,
        panels: Panels,
        state: MarketState,
        acquire: Acquire,
        *,
        book_depth: int = 20,
        stale_after_s: float = 5.0,
        age_of: Callable[[SessionKey, FeedKey], float | None] | None = None,
        record_error: Callable[[SessionKey, str], None] | None = None,
    ) -> None:
        self.window = window
        self.panels = panels
        self.state = state
        self._acquire = acquire
        self.book_depth = book_depth
        self.stale_after_s = stale_after_s
        self.age_of = age_of  # seconds since a feed's last message (the health tracker)
        self.active: ActiveMarket | None = None
        self._releases: dict[FeedKey, Release] = {}
        self.frame = MarketFrame(self)
        # the red bar clears once the feeds it came with are live again (kept in Health)
        self.notice_recovery = NoticeRecovery(window, record_error)
        window.notice_shown.connect(self.notice_recovery.notice_shown)

    # ------------------------------------------------------------------ activation
    def activate(self, market: ActiveMarket) -> None:
        """Follow `market`: subscribe its feeds, release the old ones, point the widgets."""
        if market == self.active:
            return
        wanted = {
            market.key(k)
            for k in (FeedKind.BOOK, FeedKind.TRADES, FeedKind.CANDLES, FeedKind.TICKER)
        }
        for key in [k for k in self._releases if k not in wanted]:
            self._release(key)
        for key in wanted:
            if key not in self._releases:
                try:
                    self._releases[key] = self._acquire(key)
                except Exception:
                    log.exception("Cannot subscribe %s", key)
        self.active = market
        self._point_widgets(market)

    def _point_widgets(self, market: ActiveMarket) -> None:
        st = self.state
        book_key = market.key(FeedKind.BOOK)
        p = self.panels
        depth = self.book_depth
        p.book.set_provider(
            cached_provider(
                lambda: (st.item_version(book_key), depth), lambda: st.book_view(book_key, depth)
            )
        )
        p.book.set_placeholder(f"Connecting to {market.symbol}…")
        self.point_late_widgets()

    def point_late_widgets(self) -> None:
        """Providers of the depth chart, tape and chart: now, or once they are built
        (after the first live book)."""
        market, p, st = self.active, self.panels, self.state
        if market is None:
            return
        book_key = market.key(FeedKind.BOOK)
        trades_key = market.key(FeedKind.TRADES)
        candles_key = market.key(FeedKind.CANDLES)
        if p.depth is not None:
            p.depth.set_provider(
                cached_provider(
                    lambda: st.item_version(book_key),
                    lambda: st.book_view(book_key, DEPTH_CHART_LEVELS),
                )
            )
            p.depth.set_placeholder(f"Connecting to {market.symbol}…")
        if p.tape is not None:
            p.tape.clear()
            p.tape.set_provider(
                cached_provider(
                    lambda: st.item_version(trades_key),
                    lambda: st.recent_trades(trades_key, TAPE_WINDOW, newest_first=False),
                )
            )
            p.tape.set_placeholder(f"Connecting to {market.symbol}…")
        if p.chart is not None:
            p.chart.set_provider(
                cached_provider(
                    lambda: st.item_version(candles_key), lambda: st.candles(candles_key)
                )
            )
        self.frame.reset()

    def set_book_depth(self, depth: int) -> None:
        self.book_depth = depth
        if self.active is not None:
            self._point_widgets(self.active)

    def _release(self, key: FeedKey) -> None:
        release = self._releases.pop(key, None)
        if release is None:
            return
        try:
            release()
        except Exception:
            log.exception("Releasing %s failed", key)

    def release_all(self) -> None:
        for key in list(self._releases):
            self._release(key)
        self.active = None

    @property
    def subscribed(self) -> list[FeedKey]:
        return list(self._releases)


class MarketFrame:
    """Per frame: stale greying, ticket prices, freshness label. Cheap when nothing moved."""

    def __init__(self, wiring: MarketWiring) -> None:
        self.wiring = wiring
        self.frames = FrameCounter()
        self._last: tuple | None = None
        self._prices_version = -1
        self.stale = False
        self._book_probe = False
        self._ticket_probe = False
        self._prefilled_for: ActiveMarket | None = None
        self._next_age = 0.0

    def reset(self) -> None:
        self._last = None
        self._prices_version = -1

    def refresh(self) -> bool:
        w = self.wiring
        market = w.active
        if market is None:
            return False
        st = w.state
        book_key = market.key(FeedKind.BOOK)
        statuses = {
            kind: st.feed_status(market.key(kind))
            for kind in (FeedKind.BOOK, FeedKind.TRADES, FeedKind.CANDLES)
        }
        book_status = statuses[FeedKind.BOOK]
        book_stale = book_status is not FeedStatus.LIVE and self._had_data(market, FeedKind.BOOK)
        state = (tuple(statuses.items()), market, book_stale)
        if state != self._last:
            self._last = state
            self._next_age = 0.0  # the age at once, not half a second later
            self._apply_status(market, statuses, book_stale)
        if book_stale:
            self._show_age(market, book_key, book_status)
        w.notice_recovery.feeds(
            market,
            all(s is FeedStatus.LIVE for s in statuses.values()),
            market.session,
            tuple(st.status_version(market.key(kind)) for kind in statuses),
        )
        if not self._book_probe and st.item_version(book_key) > 0:
            self._book_probe = True  # start-up milestone: the first live book on screen
            PaintProbe(w.panels.book.ladder, lambda: mark("first_book"))
        if not self._ticket_probe and self._ticket_usable():
            self._ticket_probe = True  # start-up milestone: a ticket one can send from
            # the quote line paints itself (the panel may be covered whole by its scroll
            # area's viewport and get no paint event); it may have painted its last
            # change already: the mark is its next paint, so ask for one
            quote = w.panels.entry.quote_label
            PaintProbe(quote, lambda: mark("ticket_usable"))
            quote.update()
        version = st.item_version(book_key) + st.item_version(market.key(FeedKind.TICKER))
        if version != self._prices_version:
            self._prices_version = version
            self._push_prices(market, book_key)
        self.stale = book_status is not FeedStatus.LIVE
        return False

    def _stale_targets(self) -> dict[FeedKind, tuple[Any, ...]]:
        p = self.wiring.panels
        targets = {
            FeedKind.BOOK: (p.book, p.depth, p.dom),
            FeedKind.TRADES: (p.tape,),
            FeedKind.CANDLES: (p.chart,),
        }
        return {
            kind: tuple(w for w in widgets if w is not None) for kind, widgets in targets.items()
        }

    def _apply_status(
        self, market: ActiveMarket, statuses: dict[FeedKind, FeedStatus | None], book_stale: bool
    ) -> None:
        """Grey what is not live. The book is the busiest stream of the market: when it
        has gone quiet (or its socket is being re-subscribed) every panel fed by the same
        market connection (chart, tape, the ticket's bid/ask) is greyed with it, even if
        its own, slower watchdog has not fired yet: a stale book next to a chart and a
        tape that look live would tell the user the market is fine."""
        book = statuses[FeedKind.BOOK]
        book_reason = _reason(book)
        for kind, widgets in self._stale_targets().items():
            status = statuses[kind]
            own = status in (FeedStatus.STALE, FeedStatus.DOWN) or (
                status is FeedStatus.CONNECTING and self._had_data(market, kind)
            )
            stale = own or book_stale
            reason = book_reason if book_stale else _reason(status)
            for widget in widgets:
                widget.set_stale(stale, reason)
        self.wiring.panels.entry.set_prices_stale(book_reason if book_stale else None)
        label = self.wiring.window.data_label
        if book is FeedStatus.LIVE:
            label.set_freshness(
                "live", f"● {market.symbol} LIVE", "The order book is receiving updates."
            )
        elif book_stale:
            label.set_freshness(
                "down" if book is FeedStatus.DOWN else "stale",
                f"● {market.symbol} STALE — {book_reason}",
                f"The order book is {book_reason}: prices shown are not current.",
            )
        else:
            label.set_freshness(
                "connecting", f"● {market.symbol} connecting…", "Subscribing to the order book."
            )

    def _show_age(self, market: ActiveMarket, book_key: FeedKey, status: FeedStatus | None) -> None:
        """Stale market data says for how long (twice a second): in the toolbar, on each
        greyed panel and beside the ticket's bid/ask."""
        now = time.monotonic()
        if now < self._next_age or self.wiring.age_of is None:
            return
        self._next_age = now + 0.5
        age = self.wiring.age_of(market.session, book_key)
        if age is None:
            return
        since = f"last update {age:.0f} s ago"
        # short: it is painted over narrow panels (book, tape) and the chart's readout
        silent = f"no update for {age:.0f} s"
        reason = silent if status is FeedStatus.STALE else f"{_reason(status)} · {silent}"
        for widgets in self._stale_targets().values():
            for widget in widgets:
                widget.set_stale(True, reason)
        self.wiring.panels.entry.set_prices_stale(since)
        state = "down" if status is FeedStatus.DOWN else "stale"
        self.wiring.window.data_label.set_freshness(
            state,
            f"● {market.symbol} STALE — {since}",
            f"The order book is {_reason(status)}: prices shown are not current.",
        )

    def _ticket_usable(self) -> bool:
        """Entry open (nothing blocks sending: reconciled, not locked or stopped, book
        live) and a live bid/ask shown in the ticket: type an amount and send."""
        entry = self.wiring.panels.entry
        quote = entry.quote_label
        return entry.blocked_reason is None and "Bid" in quote.text() and quote.isEnabled()

    def _had_data(self, market: ActiveMarket, kind: FeedKind) -> bool:
        return self.wiring.state.item_version(market.key(kind)) > 0

    def _push_prices(self, market: ActiveMarket, book_key: FeedKey) -> None:
        st = self.wiring.state
        view = st.book_view(book_key, 1)
        ticker = st.ticker(market.key(FeedKind.TICKER))
        bid = view.best_bid.price if view is not None and view.best_bid else None
        ask = view.best_ask.price if view is not None and view.best_ask else None
        last = ticker.last if ticker is not None else None
        entry = self.wiring.panels.entry
        entry.set_market_prices(bid, ask, last)
        if self._prefilled_for != market and bid is not None:
            # A newcomer's first order needs only an amount: the ticket starts at the best
            # bid (a passive price that cannot cross), never with an amount.
            self._prefilled_for = market
            if not entry.price_edit.text().strip():
                rules = entry.rules  # "60001.00" on a 0.01 tick, not ccxt's "60001.0"
                entry.set_price(rules.format_price(bid) if rules is not None else format(bid, "f"))


def _reason(status: FeedStatus | None) -> str:
    if status is FeedStatus.STALE:
        return "feed silent"
    if status is FeedStatus.DOWN:
        return "feed down, reconnecting"
    if status is FeedStatus.CONNECTING:
        return "subscribing again"
    return ""
