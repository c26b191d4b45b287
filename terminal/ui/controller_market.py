"""The active market of the GUI's controller: the venue, symbol and timeframe shown,
moved by the selectors, the chart, the palette (Ctrl+K) and the theme menu. Part of
`TerminalController`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

log = logging.getLogger(__name__)

PAPER = "paper"


class ActiveMarketControl:
    """The active-market commands of `TerminalController` (which holds the state)."""

    window: Any  # MainWindow
    settings: Any  # Settings
    theme: Any  # ThemeManager or None
    panels: Any
    services: Any  # TerminalServices
    market: Any
    trading: Any
    venues: Any
    watchlist: Any
    reconnect: Any
    tasks: Any
    palette: Any
    market_changed: Any  # Signal(str, str, str)
    ready: bool
    venue: str
    symbol: str
    timeframe: str
    wanted_venue: str
    venue_picked: bool

    if TYPE_CHECKING:

        def notify(self, level: str, text: str) -> None: ...

    # ------------------------------------------------------------------ active market
    async def _activate(self, venue: str, symbol: str, timeframe: str) -> None:
        from terminal.domain.ids import Symbol
        from terminal.ui.wiring.market import ActiveMarket

        session = self.services.sessions.get(venue)
        if session is None:
            raise RuntimeError(f"{venue} is not connected")
        try:
            sym = Symbol(symbol)
        except ValueError:
            sym = None
        if sym is None or (session.markets and sym not in session.markets):
            self.notify("warning", f"{symbol} is not a market of {session.info.name}")
            if self.market.active is not None and self.market.active.session == session.key:
                self.window.set_context(
                    venue, session.info.name, session.mode.value, self.symbol
                )  # the selector shows the active one again
                return
            sym = self._fallback_symbol(session)  # nothing shown yet: show something valid
        self.venue, self.symbol, self.timeframe = venue, str(sym), timeframe
        self.market.activate(ActiveMarket(session.key, sym, timeframe))
        self.trading.activate(session.key, sym)
        self.venues.activate(session)
        self.watchlist.activate(session, str(sym))
        self.window.set_symbols(self.venues.symbols_for(session, self.settings.ui.watchlist))
        self.window.set_context(venue, session.info.name, session.mode.value, str(sym))
        chart = self.panels.chart
        if chart is not None and chart.timeframe != timeframe:
            chart.set_timeframe(timeframe)
        ui = self.settings.ui
        ui.symbol, ui.timeframe = str(sym), timeframe
        if not self._awaiting_wanted_venue(venue):
            ui.venue = venue
        self.market_changed.emit(venue, str(sym), timeframe)

    def _awaiting_wanted_venue(self, venue: str) -> bool:
        """Paper is active only until the remembered venue of the last exit reconnects:
        keep that choice in the settings (a failed reconnect is tried at the next start)."""
        return (
            venue == PAPER
            and not self.venue_picked
            and self.wanted_venue != PAPER
            and self.reconnect is not None
            and self.reconnect.will_reconnect(self.wanted_venue)
        )

    def _fallback_symbol(self, session: Any) -> Any:
        for text in (*self.settings.ui.watchlist, "BTC/USDT"):
            if text in session.markets:
                return next(s for s in session.markets if s == text)
        return next(iter(session.markets))

    def select_symbol(self, symbol: str) -> None:
        if self.ready and symbol != self.symbol:
            self.tasks.spawn(self._activate(self.venue, symbol, self.timeframe), "symbol")

    def select_timeframe(self, timeframe: str) -> None:
        if self.ready and timeframe != self.timeframe:
            self.tasks.spawn(self._activate(self.venue, self.symbol, timeframe), "timeframe")

    def select_venue(self, venue: str) -> None:
        if self.ready and venue != self.venue:
            self.tasks.spawn(self._select_venue(venue), "venue")

    async def switch_venue(self, venue: str) -> None:
        """Make a connected venue the active one (keeps the symbol when it trades there)."""
        await self._select_venue(venue)

    async def _select_venue(self, venue: str) -> None:
        self.venue_picked = True
        if venue not in self.services.sessions:
            self.notify("warning", f"{venue} is not connected (Venue > Connect)")
            return
        session = self.services.sessions[venue]
        symbol = self.symbol if self.symbol in session.markets else next(iter(session.markets))
        await self._activate(venue, symbol, self.timeframe)

    def select_theme(self, name: str) -> None:
        if self.theme is None:
            return
        applied = self.theme.apply(name)
        self.settings.ui.theme = applied
        self.window.set_theme_checked(applied)
        if self.panels is not None:
            from terminal.ui.wiring.panels import apply_palette

            apply_palette(self.panels, applied)

    # ------------------------------------------------------------------ palette
    def palette_entries(self) -> list[tuple[str, Any]]:
        """What Ctrl+K offers: symbols of the active venue, venues, timeframes, actions."""
        entries: list[tuple[str, Any]] = []
        session = self.services.sessions.get(self.venue) if self.services else None
        if session is not None:
            for symbol in self.venues.symbols_for(session, self.settings.ui.watchlist):
                entries.append((f"Symbol  {symbol}", lambda s=symbol: self.select_symbol(s)))
            for venue, other in self.services.sessions.items():
                name = self.venues.display_name(other)
                entries.append((f"Venue  {name}", lambda v=str(venue): self.select_venue(v)))
        for tf in ("1m", "5m", "15m", "1h", "4h", "1d"):
            entries.append((f"Timeframe  {tf}", lambda t=tf: self.select_timeframe(t)))
        for name in ("dark", "light"):
            entries.append((f"Theme  {name}", lambda n=name: self.select_theme(n)))
        for action_id, action in self.window.actions_by_id.items():
            if action_id != "palette" and action.isEnabled():
                entries.append((f"Action  {action.text().rstrip('…')}", action.trigger))
        return entries

    def open_palette(self) -> Any:
        from terminal.ui.command_palette import CommandPalette

        if self.palette is None:
            self.palette = CommandPalette(self.window)
        self.palette.open_with(self.palette_entries())
        return self.palette
