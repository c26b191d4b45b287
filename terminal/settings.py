"""Typed, versioned user settings, read when asked for (never at import).

Stored as JSON in the config dir. Secrets never live here (they are in the OS keychain),
and there is deliberately no setting for the testnet lock: the lock is ON at every start
and only a deliberate act in a running app can lift it (see terminal.core.safety).
Unknown keys in the file are ignored and logged, so an edited file cannot switch on
something the code does not offer.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.domain.order_policy import OrderPolicy

log = logging.getLogger(__name__)

# The order service's defaults live in one place (OrderPolicy); the settings that a user
# may change start from them.
_ORDERS = OrderPolicy()

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.json"


@dataclass
class JournalSettings:
    # A SQLAlchemy URL; empty = journal.sqlite in the data dir. The global option
    # --journal PATH-or-URL overrides it for one run.
    url: str = ""


@dataclass
class OrderSettings:
    """The order service's settings a user may change (terminal.core.orders.policy)."""

    # open orders older than this are flagged
    stale_order_age_s: int = int(_ORDERS.stale_order_age_s)
    auto_cancel_stale: bool = _ORDERS.auto_cancel_stale
    double_submit_window_s: float = _ORDERS.double_submit_window_s
    stale_check_interval_s: float = _ORDERS.stale_check_interval_s
    # An unknown outcome is queried by client order id; after this many "not found"
    # answers an order the venue never acknowledged is marked rejected.
    unknown_not_found_limit: int = _ORDERS.unknown_not_found_limit
    unknown_query_backoff_s: float = _ORDERS.unknown_query_backoff_s
    unknown_query_backoff_max_s: float = _ORDERS.unknown_query_backoff_max_s
    unknown_query_max_attempts: int = _ORDERS.unknown_query_max_attempts
    reconcile_timeout_s: float = _ORDERS.reconcile_timeout_s


@dataclass
class PrecautionSettings:
    """Pre-trade precautions (terminal.core.safety.precautions), all on by default.

    Decimal values are stored as strings; "" or "0" switches a check off, a value that
    is not a number keeps the default (an edited file cannot silently disable a check).
    """

    # Largest order value in the market's quote currency. Keys, most specific first:
    # "venue:QUOTE" ("binance:USDT"), "*:QUOTE" ("*:BTC"), "venue" ("binance"), "*".
    max_notional: dict[str, str] = field(
        default_factory=lambda: {"*": "50000", "*:BTC": "1", "*:ETH": "15"}
    )
    # A limit price further than this from the current mid (or last) needs a confirmation.
    max_price_deviation_pct: str = "5"
    # A market order worth more than this (quote currency) needs a confirmation.
    confirm_market_above_notional: str = "1000"
    # Free quote (buys, incl. estimated fee) or base (sells) must cover the order.
    check_balance: bool = True
    # Fee rate assumed for the balance check when the market does not state one.
    default_fee_rate: str = "0.001"
    # Perpetuals: the highest leverage an order may be sent at, and the largest position
    # value (settlement currency) an order may leave. Keys, most specific first:
    # "venue:SYMBOL" ("binance:BTC/USDT:USDT"), "venue" ("binance"), "*".
    max_leverage: dict[str, str] = field(default_factory=lambda: {"*": "20"})
    max_position_notional: dict[str, str] = field(default_factory=lambda: {"*": "100000"})
    # Per venue, the only symbols orders may be sent for (a venue not listed: any).
    allowed_symbols: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FeedSettings:
    """Market-data feeds (terminal.exchange.feeds.FeedOptions is built from these)."""

    book_depth: int = 100
    stale_after_s: float = 5.0  # watchdog window of book and ticker feeds
    candle_backfill: int = 500
    trades_stale_after_s: float = 30.0  # a quiet market can be silent for a while
    candles_stale_after_s: float = 15.0
    private_stale_after_s: float = 0.0  # 0 = no watchdog: an idle account sends nothing
    private_check_s: float = 10.0  # instead, how often a private stream's socket is checked
    private_pong_timeout_s: float = 10.0  # each check pings; no pong in time = reconnect
    backoff_base_s: float = 1.0  # reconnect backoff: base doubling to the cap, with jitter
    backoff_cap_s: float = 30.0
    trades_backfill: int = 100


@dataclass
class PaperSettings:
    url: str = ""  # empty = start the embedded paper exchange
    seed: int = 1
    # Further paper exchanges on this machine, each a venue of its own: {venue: url}
    # (terminal.exchange.paper_venues)
    others: dict[str, str] = field(default_factory=dict)


@dataclass
class UiSettings:
    theme: str = "dark"  # "dark" or "light"
    # The active venue at start: paper first; a remembered connection (see
    # ConnectionSettings) becomes active again once it has reconnected.
    venue: str = "paper"
    symbol: str = "BTC/USDT"
    timeframe: str = "1m"
    watchlist: list[str] = field(
        default_factory=lambda: ["BTC/USDT", "ETH/USDT", "SOL/USDT", "ETH/BTC"]
    )
    sound: bool = False
    alert_sound: bool = True  # the alert sound when a price alert fires (alerts panel)
    # Settings > Hotkeys: action id -> keys where the user changed the defaults; the
    # trading hotkeys (buy/sell at bid/ask/market, cancel symbol, flatten, arm the
    # ladder) stay off until enabled there.
    hotkeys: dict[str, list[str]] = field(default_factory=dict)
    trading_hotkeys: bool = False
    frame_rate_hz: float = 40.0  # how often panels repaint from the latest state (Hz)
    book_depth: int = 20  # levels per side in the order book ladder
    notify_fills: bool = True  # a notification for each fill of our orders
    notify_rejections: bool = True


@dataclass
class ConnectionSettings:
    """Venues the user connected (Venue > Connect), reconnected at the next start.

    Each entry is {"venue": ..., "mode": "live" | "sandbox" | "demo", "account": ...}: the names
    the OS keychain (or the TT_<VENUE>_<MODE>_* environment variables) files the keys
    under, never a key or secret. An entry is added when a connection succeeds and
    removed only by Venue > Disconnect; one that fails at start stays (the next start
    tries again). Reconnecting never lifts the testnet lock.
    """

    remembered: list[dict[str, str]] = field(default_factory=list)
    reconnect_at_start: bool = True
    reconnect_timeout_s: float = 30.0  # each remembered venue, from keychain to markets


@dataclass
class Settings:
    version: int = SETTINGS_VERSION
    journal: JournalSettings = field(default_factory=JournalSettings)
    orders: OrderSettings = field(default_factory=OrderSettings)
    precautions: PrecautionSettings = field(default_factory=PrecautionSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    paper: PaperSettings = field(default_factory=PaperSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    connections: ConnectionSettings = field(default_factory=ConnectionSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _from_dict(cls: type, data: Any, where: str) -> Any:
    obj = cls()
    if not isinstance(data, dict):
        log.warning("settings: %s is not an object; using defaults", where or "file")
        return obj
    known = {f.name: f for f in fields(cls)}
    for key, value in data.items():
        f = known.get(key)
        if f is None:
            log.warning("settings: ignoring unknown key %s%s", f"{where}." if where else "", key)
            continue
        current = getattr(obj, key)
        if is_dataclass(current):
            setattr(obj, key, _from_dict(type(current), value, f"{where}.{key}".strip(".")))
        elif isinstance(current, bool) != isinstance(value, bool) or (
            not isinstance(value, type(current))
            and not (isinstance(current, float) and isinstance(value, int))
        ):
            log.warning("settings: %s.%s has the wrong type; using the default", where, key)
        else:
            setattr(obj, key, value)
    return obj


def load_settings(config_dir: Path) -> Settings:
    path = Path(config_dir) / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.error("settings: cannot read %s (%s); using defaults", path, exc)
        return Settings()
    settings = _from_dict(Settings, data, "")
    settings.version = SETTINGS_VERSION
    return settings


def save_settings(config_dir: Path, settings: Settings) -> Path:
    """Write atomically (temp file + rename), so a crash never leaves half a file."""
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / SETTINGS_FILE
    fd, tmp = tempfile.mkstemp(dir=config_dir, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings.to_dict(), fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def decimal_setting(value: str) -> Decimal:
    return Decimal(str(value))
