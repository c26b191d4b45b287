"""What a price alert is, what its firing records, and the store the engine saves to.

An alert watches one market of one venue environment (venue + mode + symbol, the key
of the public feeds it reads; perpetuals have their own symbols, e.g. BTC/USDT:USDT),
so it is not tied to an account: every session of that venue environment sees the
same prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from typing import Protocol

from terminal.domain.enums import VenueMode
from terminal.domain.ids import Symbol, VenueId


class PriceSource(str, Enum):
    """Which price an alert watches."""

    LAST = "last"
    BID = "bid"
    ASK = "ask"
    MARK = "mark"  # the venue's mark price (perpetuals); spot tickers carry none


class AlertKind(str, Enum):
    CROSS = "cross"  # the price crosses a level
    CHANGE = "change"  # the price moves by a percentage within a time window


class Direction(str, Enum):
    UP = "up"  # crosses the level upwards / rises by the percentage
    DOWN = "down"
    EITHER = "either"


class AlertState(str, Enum):
    ACTIVE = "active"  # evaluated on every fresh update
    FIRED = "fired"  # fired once and does not repeat: kept for the record, not evaluated


@dataclass(frozen=True, slots=True)
class AlertMarket:
    venue: VenueId
    mode: VenueMode
    symbol: Symbol

    @property
    def label(self) -> str:
        return f"{self.venue}/{self.mode.value} {self.symbol}"


class AlertSpecError(ValueError):
    """An alert that cannot be evaluated (no level, a percentage of zero...)."""


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    market: AlertMarket
    kind: AlertKind
    source: PriceSource
    direction: Direction
    level: Decimal | None = None  # CROSS
    percent: Decimal | None = None  # CHANGE: a positive percentage, e.g. Decimal("1.5")
    window_s: int = 0  # CHANGE: the window the move must happen in
    repeat: bool = False  # fire again on the next crossing or move (after `cooldown_s`)
    cooldown_s: int = 60
    note: str = ""
    state: AlertState = AlertState.ACTIVE
    created_ms: int = 0
    fired_count: int = 0
    last_fired_ms: int | None = None

    def check(self) -> Alert:
        """Return self, or raise AlertSpecError saying what is wrong."""
        if self.kind is AlertKind.CROSS:
            if self.level is None or not self.level.is_finite() or self.level <= 0:
                raise AlertSpecError("a crossing alert needs a positive price level")
        else:
            if self.percent is None or not self.percent.is_finite() or self.percent <= 0:
                raise AlertSpecError("a change alert needs a positive percentage")
            if self.window_s <= 0:
                raise AlertSpecError("a change alert needs a window of at least one second")
        if self.cooldown_s < 0:
            raise AlertSpecError("the repeat pause cannot be negative")
        return self

    @property
    def active(self) -> bool:
        return self.state is AlertState.ACTIVE

    def describe(self) -> str:
        """'BTC/USDT last crosses above 65000', 'ETH/USDT mark moves 2% in 300 s'."""
        sym, src = self.market.symbol, self.source.value
        if self.kind is AlertKind.CROSS:
            where = {Direction.UP: "above ", Direction.DOWN: "below ", Direction.EITHER: ""}
            return f"{sym} {src} crosses {where[self.direction]}{self.level}"
        way = {Direction.UP: "rises", Direction.DOWN: "falls", Direction.EITHER: "moves"}
        return f"{sym} {src} {way[self.direction]} {self.percent}% within {self.window_s} s"

    def fired(self, at_ms: int) -> Alert:
        return replace(
            self,
            fired_count=self.fired_count + 1,
            last_fired_ms=at_ms,
            state=AlertState.ACTIVE if self.repeat else AlertState.FIRED,
        )


@dataclass(frozen=True, slots=True)
class AlertFiring:
    """One firing, as the alerts history shows it."""

    alert_id: str
    market: AlertMarket
    at_ms: int
    source: PriceSource
    price: Decimal  # the fresh price that fired it
    reference: Decimal  # the level crossed, or the window's low/high the move is from
    text: str


class AlertStore(Protocol):
    """Where alerts and their firings persist (the journal's database)."""

    async def load_alerts(self) -> list[Alert]: ...
    async def save_alert(self, alert: Alert) -> None: ...
    async def delete_alert(self, alert_id: str) -> None: ...
    async def record_firing(self, firing: AlertFiring) -> None: ...
    async def firings(self, limit: int = 200) -> list[AlertFiring]: ...
