"""Colours of the market-data widgets, dark (default) and light.

One frozen value object the widgets read at paint time, so switching theme is one
`set_palette(...)` call and no widget hard-codes a colour. Colours are '#rrggbb' or
'#aarrggbb' text (what Qt stylesheets take too), so the app-wide stylesheet can reuse
them; `qcolor()` turns a field into a QColor.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from PySide6.QtGui import QColor


@dataclass(frozen=True)
class Palette:
    name: str
    background: str
    background_alt: str  # header / spread row
    text: str
    text_dim: str
    grid: str
    hover: str  # hovered / keyboard-selected row
    bid: str  # bid price text, buy colour
    ask: str  # ask price text, sell colour
    bid_bar: str  # size bar behind a bid row
    ask_bar: str
    bid_cum_bar: str  # cumulative-size bar behind a bid row (fainter)
    ask_cum_bar: str
    bid_area: str  # depth chart fill
    ask_area: str
    candle_up: str
    candle_down: str
    volume_up: str
    volume_down: str
    crosshair: str
    order_buy: str  # open order price lines on the chart
    order_sell: str
    last_price: str
    sma: str
    ema: str
    vwap: str
    stale_veil: str  # drawn over a stale panel, with alpha
    stale_text: str
    warning: str  # crossed book

    def qcolor(self, field_name: str) -> QColor:
        """The QColor of one field (e.g. `palette.qcolor("bid")`)."""
        return QColor(getattr(self, field_name))

    def with_changes(self, **changes: str) -> Palette:
        """A copy with some colours changed (user customisation)."""
        return replace(self, **changes)


DARK = Palette(
    name="dark",
    background="#161a1e",
    background_alt="#1e2329",
    text="#eaecef",
    text_dim="#848e9c",
    grid="#2b3139",
    hover="#2b3139",
    bid="#0ecb81",
    ask="#f6465d",
    bid_bar="#5a0ecb81",
    ask_bar="#5af6465d",
    bid_cum_bar="#300ecb81",
    ask_cum_bar="#30f6465d",
    bid_area="#500ecb81",
    ask_area="#50f6465d",
    candle_up="#0ecb81",
    candle_down="#f6465d",
    volume_up="#800ecb81",
    volume_down="#80f6465d",
    crosshair="#9aa4b1",
    order_buy="#2ebd85",
    order_sell="#ff5c72",  # its label on the dark background: 5.8:1
    last_price="#f0b90b",
    sma="#f0b90b",
    ema="#3fa9f5",
    vwap="#b07cff",
    stale_veil="#b0161a1e",
    stale_text="#f0b90b",
    warning="#f0b90b",
)

LIGHT = Palette(
    name="light",
    background="#ffffff",
    background_alt="#f5f5f5",
    text="#1e2329",
    text_dim="#656f7e",
    grid="#e6e8ea",
    hover="#eaecef",
    bid="#02865a",  # text on white: 4.6:1 (candles keep the brighter green)
    ask="#cf304a",
    bid_bar="#4003a66d",
    ask_bar="#40cf304a",
    bid_cum_bar="#1c03a66d",
    ask_cum_bar="#1ccf304a",
    bid_area="#4003a66d",
    ask_area="#40cf304a",
    candle_up="#03a66d",
    candle_down="#cf304a",
    volume_up="#8003a66d",
    volume_down="#80cf304a",
    crosshair="#707a8a",
    order_buy="#02865a",
    order_sell="#cf304a",
    last_price="#9a6b00",  # the label on white: 4.7:1
    sma="#c99400",
    ema="#1e73be",
    vwap="#5b3fd6",
    stale_veil="#b8ffffff",
    stale_text="#c45500",
    warning="#c45500",
)

PALETTES: dict[str, Palette] = {DARK.name: DARK, LIGHT.name: LIGHT}


def palette_for(theme: str) -> Palette:
    """The palette of a theme name from the settings ('dark' / 'light'); dark if unknown."""
    return PALETTES.get(theme, DARK)


def colour_fields() -> list[str]:
    return [f.name for f in fields(Palette) if f.name != "name"]
