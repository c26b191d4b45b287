"""Building the ccxt client of one session: the class, its test environment, its URLs.

Testnet (SANDBOX) or demo trading (DEMO) is switched on right after construction, before
anything can reach a live host; a header-based demo (OKX, Bitget: the live host plus a
header) is built from the guarded subclass in `demo_guard`, any other testnet or demo
from the one in `testnet_guard`, which refuses every request to a live host. The paper
venue's client is pointed at the paper exchange, which must be on this machine
(`terminal.loopback`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from terminal.core.errors import AuthenticationError, VenueUnavailableError
from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType

from .catalogue import VenueInfo


@dataclass(frozen=True)
class PaperEndpoint:
    """Where the paper exchange listens and the accounts it knows (key, secret)."""

    url: str
    accounts: tuple[tuple[str, str], ...]

    def credentials(self, account: str, index: int | None = None) -> dict[str, str]:
        if not self.accounts:
            raise AuthenticationError("the paper exchange has no accounts")
        i = index if index is not None else 0
        if account not in ("default", "main") and index is None:
            # "acct2" or "2" pick the second account, and so on. A label without a
            # number names no account: it is refused, never taken as the first one
            # (two sessions would then trade one account unawares).
            digits = "".join(ch for ch in account if ch.isdigit())
            if not digits:
                raise AuthenticationError(
                    f"the paper exchange has no account labelled {account!r}: use default, "
                    f"or acct2 up to acct{len(self.accounts)}, or give that account's key "
                    "and secret"
                )
            i = max(0, int(digits) - 1)
        if i >= len(self.accounts):
            raise AuthenticationError(
                f"the paper exchange has {len(self.accounts)} account(s); "
                f"{account!r} names account {i + 1}"
            )
        key, secret = self.accounts[i]
        return {"apiKey": key, "secret": secret}


def _spot_only(options: dict) -> None:
    """Keep load_markets on spot markets (fewer requests, no derivatives)."""
    fm = options.get("fetchMarkets")
    if isinstance(fm, dict):
        types = fm.get("types")
        if isinstance(types, list):
            fm["types"] = ["spot"]
        elif isinstance(types, dict):
            fm["types"] = {k: (k == "spot") for k in types}
    elif isinstance(fm, list):
        options["fetchMarkets"] = ["spot"]
    options["defaultType"] = "spot"


# The fetchMarkets type that holds USDT-margined perpetuals, per ccxt class.
_LINEAR_TYPES: dict[str, str] = {"binance": "linear", "bybit": "linear", "okx": "swap"}


def _linear_only(options: dict, ccxt_id: str) -> None:
    """Keep load_markets on linear perpetual markets, and make them ccxt's default type."""
    wanted = _LINEAR_TYPES.get(ccxt_id, "swap")
    fm = options.get("fetchMarkets")
    if isinstance(fm, dict):
        types = fm.get("types")
        if isinstance(types, list):
            fm["types"] = [wanted]
        elif isinstance(types, dict):
            fm["types"] = {k: (k == wanted) for k in types}
    elif isinstance(fm, list):
        options["fetchMarkets"] = [wanted]
    options["defaultType"] = "future" if ccxt_id == "binance" else "swap"
    options["defaultSubType"] = "linear"


def is_session_market(market: dict, kind: MarketType) -> bool:
    """Whether a ccxt market belongs to a session of `kind`: spot, or a linear (USDT or
    USDC-margined) perpetual swap."""
    if kind is MarketType.SPOT:
        return bool(market.get("spot"))
    return bool(market.get("swap")) and market.get("linear") is not False


def build_client(
    info: VenueInfo,
    mode: VenueMode,
    config: dict[str, Any],
    *,
    paper: PaperEndpoint | None,
    pro: bool,
    market: MarketType = MarketType.SPOT,
) -> Any:
    """A new ccxt.async_support (or, with `pro`, ccxt.pro) instance for this session."""
    if pro:
        import ccxt.pro as module
    else:
        import ccxt.async_support as module
    cls = getattr(module, info.ccxt_id)
    if mode is VenueMode.DEMO and info.demo_header:
        # the live host plus a header: every request passes the demo guard
        from .demo_guard import new_demo_instance

        inst = new_demo_instance(cls, info.ccxt_id, info.id, config)
    elif mode in (VenueMode.SANDBOX, VenueMode.DEMO) and not info.points_at_paper:
        # test hosts of its own: no request may reach a live host
        from .testnet_guard import guarded_class

        inst = guarded_class(cls, info.id)(config)
    else:
        inst = cls(config)
    if mode is VenueMode.SANDBOX:
        if not info.sandbox:
            raise VenueUnavailableError(f"{info.id} has no testnet in ccxt", venue=info.id)
        inst.set_sandbox_mode(True)
    elif mode is VenueMode.DEMO and not info.demo_header:
        if not info.demo:
            raise VenueUnavailableError(f"{info.id} has no demo trading in ccxt", venue=info.id)
        inst.enable_demo_trading(True)
    if info.points_at_paper:
        if paper is None:
            raise VenueUnavailableError(
                f"{info.id} points at the paper exchange: no endpoint given", venue=info.id
            )
        point_at_paper(inst, paper.url, info.id, market)
    elif market is MarketType.SPOT:
        _spot_only(inst.options)
    else:
        _linear_only(inst.options, info.ccxt_id)
    return inst


def point_at_paper(inst: Any, url: str, venue: str, market: MarketType = MarketType.SPOT) -> None:
    """Every URL of `inst` to the paper exchange, which must be on this machine: the URL
    is checked again here (a name is resolved once and the client pointed at the
    address), and afterwards every URL the client holds must be a loopback address."""
    from terminal.loopback import NotLoopbackError, assert_urls_loopback, check_loopback_url
    from terminal.paper.ccxt_compat import point_ccxt_at, point_futures_ccxt_at

    try:
        target = check_loopback_url(url)
        if market is MarketType.SPOT:
            point_ccxt_at(inst, target.base)
        else:  # also the linear error table, which ccxt picks by the live host
            point_futures_ccxt_at(inst, target.base)
        for key in ("api", "test", "demo"):
            assert_urls_loopback(inst.urls.get(key), f"urls.{key}")
    except NotLoopbackError as exc:
        raise VenueUnavailableError(
            f"paper URL refused: {exc}; the paper venue only talks to this machine", venue=venue
        ) from None
