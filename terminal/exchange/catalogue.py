"""The venues the terminal knows, with what ccxt says each one offers.

Facts are READ FROM THE CCXT CLASSES (constructing an instance touches no network):
whether a testnet exists (`urls['test']` on hosts of its own), whether a demo-trading
environment exists (a separate `urls['demo']` / `urls['demotrading']` host), the
credential fields (`requiredCredentials`), and which of the seven feeds have a WebSocket
method on the ccxt.pro class (`has['watch...']`). Only the display name of the paper
venue, the per-feed REST polling floors and the table of header-based demos are ours.

A testnet counts only where its hosts differ from the live ones. OKX's `urls['test']`
is the live host (its sandbox is the live host plus an `x-simulated-trading` header),
and Bitget's demo is a `PAPTRADING` header on the live host: both are offered as DEMO,
never as a testnet, and only through the guard in `demo_guard`, which refuses any
private request that lacks the header before it is sent.

Tests register extra entries, e.g. a LIVE-mode venue that actually points at the paper
exchange, so the testnet lock can be tested without internet (`paper_live_info`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from terminal.core.marketstate import FeedKind
from terminal.domain.enums import VenueMode
from terminal.domain.ids import VenueId
from terminal.domain.session import MarketType
from terminal.exchange.demo_guard import HEADER_DEMOS
from terminal.exchange.testnet_guard import url_hosts

# The ccxt.pro `has` key of each feed.
WATCH_METHODS: dict[FeedKind, str] = {
    FeedKind.BOOK: "watchOrderBook",
    FeedKind.TRADES: "watchTrades",
    FeedKind.CANDLES: "watchOHLCV",
    FeedKind.TICKER: "watchTicker",
    FeedKind.BALANCE: "watchBalance",
    FeedKind.ORDERS: "watchOrders",
    FeedKind.MY_TRADES: "watchMyTrades",
}

# REST polling floor per feed, seconds, used when a feed has no WebSocket method. The
# interval actually used is the larger of this and 4 x the venue's ccxt rateLimit, so
# one polled feed takes at most a quarter of the venue's request budget.
POLL_FLOOR_S: dict[FeedKind, float] = {
    FeedKind.BOOK: 1.0,
    FeedKind.TRADES: 2.0,
    FeedKind.CANDLES: 5.0,
    FeedKind.TICKER: 2.0,
    FeedKind.BALANCE: 5.0,
    FeedKind.ORDERS: 3.0,
    FeedKind.MY_TRADES: 5.0,
}

CREDENTIAL_LABELS: dict[str, str] = {
    "apiKey": "API key",
    "secret": "secret",
    "password": "passphrase",
    "uid": "user id",
    "login": "login",
    "twofa": "2FA secret",
    "privateKey": "private key",
    "walletAddress": "wallet address",
    "token": "token",
}

# (terminal venue id, ccxt id) in the order the catalogue lists them. Spot only.
DEFAULT_VENUES: tuple[tuple[str, str], ...] = (
    ("binance", "binance"),
    ("bybit", "bybit"),
    ("okx", "okx"),
    ("kraken", "kraken"),
    ("coinbase", "coinbase"),
    ("kucoin", "kucoin"),
    ("bitget", "bitget"),
    ("gate", "gate"),
    ("mexc", "mexc"),
    ("htx", "htx"),
    ("hyperliquid", "hyperliquid"),
)

# Where USDT-margined perpetuals are offered, and in which environments. Ours, from each
# venue's documentation and ccxt 4.5.90: Binance USD-M has no futures testnet in ccxt
# any more (set_sandbox_mode refuses futures), only demo trading; Bybit linear has a
# testnet and demo trading; OKX swap and Bitget USDT-M only the header-based demo;
# Hyperliquid perpetuals run on its testnet. A venue not listed offers no perpetuals.
PERP_MODES: dict[str, tuple[VenueMode, ...]] = {
    "paper": (VenueMode.PAPER,),
    "binance": (VenueMode.LIVE, VenueMode.DEMO),
    "bybit": (VenueMode.LIVE, VenueMode.SANDBOX, VenueMode.DEMO),
    "okx": (VenueMode.LIVE, VenueMode.DEMO),
    "bitget": (VenueMode.LIVE, VenueMode.DEMO),
    "hyperliquid": (VenueMode.LIVE, VenueMode.SANDBOX),
}

PAPER_VENUE = VenueId("paper")
PAPER_CCXT_ID = "binance"  # the paper exchange speaks Binance Spot


class UnknownVenueError(KeyError):
    pass


@dataclass(frozen=True)
class VenueInfo:
    """What one catalogue venue offers, as ccxt describes it."""

    id: VenueId  # the terminal's id ("binance", "paper", "paperlive")
    name: str
    ccxt_id: str  # the ccxt class used
    sandbox: bool  # ccxt has a testnet on hosts of its own (set_sandbox_mode)
    demo: bool  # demo trading: a separate host (enable_demo_trading) or a header (below)
    credentials: tuple[str, ...]  # ccxt credential attribute names, e.g. apiKey, secret, password
    ws_feeds: frozenset[FeedKind]
    rate_limit_ms: float  # ccxt's rateLimit (ms between requests)
    has_cancel_all: bool = False
    has_edit_order: bool = False
    has_fetch_ohlcv: bool = True
    has_fetch_time: bool = False
    has_fetch_my_trades: bool = True
    points_at_paper: bool = False  # the ccxt class is pointed at the paper exchange
    modes: tuple[VenueMode, ...] = (VenueMode.LIVE,)
    demo_header: str | None = None  # the demo is the live host plus this header
    perp_modes: tuple[VenueMode, ...] = ()  # environments with USDT-margined perpetuals
    has_swap: bool = False  # ccxt's client of the venue trades swaps (has['swap'])
    notes: str = ""
    extra_options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_test_environment_available(self) -> bool:
        return self.sandbox or self.demo or (self.points_at_paper and VenueMode.PAPER in self.modes)

    def modes_for(self, market: MarketType) -> tuple[VenueMode, ...]:
        """The environments in which `market` can be connected."""
        return self.modes if market is MarketType.SPOT else self.perp_modes

    @property
    def has_perp(self) -> bool:
        return bool(self.perp_modes)

    @property
    def credential_labels(self) -> tuple[str, ...]:
        return tuple(CREDENTIAL_LABELS.get(c, c) for c in self.credentials)

    def has_ws(self, kind: FeedKind) -> bool:
        return kind in self.ws_feeds

    def poll_interval(self, kind: FeedKind) -> float:
        return max(POLL_FLOOR_S[kind], 4 * self.rate_limit_ms / 1000.0)

    def default_mode(self) -> VenueMode:
        """A test environment when the venue has one (testnet, then demo); live only for
        a venue that offers nothing else."""
        for mode in (VenueMode.PAPER, VenueMode.SANDBOX, VenueMode.DEMO):
            if mode in self.modes:
                return mode
        return self.modes[0]


def _ccxt_modules():
    import ccxt.async_support as ccxt_async
    import ccxt.pro as ccxt_pro

    return ccxt_async, ccxt_pro


def _separate_demo_host(instance: Any) -> bool:
    urls = instance.urls or {}
    return any(urls.get(k) for k in ("demo", "demotrading"))


def _separate_test_host(instance: Any) -> bool:
    """ccxt has `urls['test']`, and none of its hosts is a live host."""
    urls = instance.urls or {}
    hostname = getattr(instance, "hostname", None)
    test = url_hosts(urls.get("test"), hostname)
    return bool(test) and not (test & url_hosts(urls.get("api"), hostname))


def read_ccxt_facts(ccxt_id: str) -> dict[str, Any]:
    """Construct the ccxt async and pro classes (no network) and read their facts."""
    ccxt_async, ccxt_pro = _ccxt_modules()
    rest_cls = getattr(ccxt_async, ccxt_id)
    pro_cls = getattr(ccxt_pro, ccxt_id, None)
    rest = rest_cls()
    pro = pro_cls() if pro_cls is not None else None
    has = rest.has or {}
    pro_has = (pro.has if pro is not None else {}) or {}
    ws = frozenset(k for k, m in WATCH_METHODS.items() if pro_has.get(m))
    return {
        "name": str(rest.name or ccxt_id),
        "sandbox": _separate_test_host(rest),
        "demo": _separate_demo_host(rest) or ccxt_id in HEADER_DEMOS,
        "demo_header": HEADER_DEMOS[ccxt_id].header if ccxt_id in HEADER_DEMOS else None,
        "credentials": tuple(k for k, v in (rest.requiredCredentials or {}).items() if v),
        "ws_feeds": ws,
        "rate_limit_ms": float(rest.rateLimit or 1000),
        "has_cancel_all": bool(has.get("cancelAllOrders")),
        "has_edit_order": bool(has.get("editOrder")),
        "has_fetch_ohlcv": bool(has.get("fetchOHLCV")),
        "has_fetch_time": bool(has.get("fetchTime")),
        "has_fetch_my_trades": bool(has.get("fetchMyTrades")),
        "has_swap": bool(has.get("swap")),
    }


def build_venue_info(
    venue_id: str,
    ccxt_id: str | None = None,
    *,
    name: str | None = None,
    modes: Iterable[VenueMode] | None = None,
    points_at_paper: bool = False,
    notes: str = "",
    **overrides: Any,
) -> VenueInfo:
    """A catalogue entry whose facts come from the ccxt class `ccxt_id`."""
    facts = read_ccxt_facts(ccxt_id or venue_id)
    if name:
        facts["name"] = name
    facts.update(overrides)
    if modes is None:
        modes = (
            (VenueMode.LIVE,)
            + ((VenueMode.SANDBOX,) if facts["sandbox"] else ())
            + ((VenueMode.DEMO,) if facts["demo"] else ())
        )
    modes = tuple(modes)
    # perpetuals only where ccxt's client trades swaps; the table says in which
    # environments (ccxt cannot tell that a futures testnet was retired)
    facts.setdefault(
        "perp_modes",
        tuple(m for m in PERP_MODES.get(venue_id, ()) if m in modes or m is VenueMode.LIVE)
        if facts.get("has_swap")
        else (),
    )
    return VenueInfo(
        id=VenueId(venue_id),
        ccxt_id=ccxt_id or venue_id,
        modes=modes,
        points_at_paper=points_at_paper,
        notes=notes,
        **facts,
    )


def paper_info(venue_id: str = "paper", *, name: str = "Paper exchange") -> VenueInfo:
    """The built-in paper exchange (or another instance of it, under its own venue id):
    ccxt's binance class pointed at loopback."""
    return build_venue_info(
        venue_id,
        PAPER_CCXT_ID,
        name=name,
        modes=(VenueMode.PAPER,),
        points_at_paper=True,
        sandbox=False,
        demo=False,
        demo_header=None,
        # has_edit_order comes from ccxt's binance has['editOrder']: the paper exchange
        # serves POST /api/v3/order/cancelReplace, what ccxt's spot edit_order calls.
        notes="built-in simulated venue (Binance Spot protocol on loopback)",
    )


def paper_live_info(venue_id: str = "paperlive") -> VenueInfo:
    """A LIVE-mode venue that really points at the paper exchange (tests of the lock)."""
    return build_venue_info(
        venue_id,
        PAPER_CCXT_ID,
        name="Paper exchange posing as live",
        modes=(VenueMode.LIVE,),
        points_at_paper=True,
        sandbox=False,
        demo=False,
        demo_header=None,
        notes="test entry: LIVE mode against the paper exchange",
    )


class VenueCatalogue:
    """Venue id -> VenueInfo. `default_catalogue()` gives the ten exchanges + paper."""

    def __init__(self, entries: Iterable[VenueInfo] = ()) -> None:
        self._entries: dict[str, VenueInfo] = {}
        for info in entries:
            self.register(info)

    def register(self, info: VenueInfo, *, replace_existing: bool = False) -> VenueInfo:
        if info.id in self._entries and not replace_existing:
            raise ValueError(f"venue {info.id!r} is already in the catalogue")
        self._entries[info.id] = info
        return info

    def get(self, venue: str) -> VenueInfo:
        try:
            return self._entries[venue]
        except KeyError:
            raise UnknownVenueError(
                f"unknown venue {venue!r}; known: {', '.join(self._entries)}"
            ) from None

    def __contains__(self, venue: object) -> bool:
        return venue in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def ids(self) -> list[str]:
        return list(self._entries)

    def copy(self) -> VenueCatalogue:
        return VenueCatalogue(self._entries.values())


@functools.lru_cache(maxsize=1)
def _default_entries() -> tuple[VenueInfo, ...]:
    entries = [paper_info()]
    for venue_id, ccxt_id in DEFAULT_VENUES:
        info = build_venue_info(venue_id, ccxt_id)
        if info.demo_header:
            info = replace(
                info,
                notes=f"demo trading is the live host plus the header "
                f"{info.demo_header}; every private request is "
                "checked for it before it is sent",
            )
        entries.append(info)
    return tuple(entries)


def default_catalogue() -> VenueCatalogue:
    """A fresh catalogue (callers may register more) with the default entries."""
    return VenueCatalogue(_default_entries())
