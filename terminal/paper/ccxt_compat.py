"""Point an unmodified ccxt ``binance`` instance (async_support or pro) at a paper server.

Kept free of any ccxt import: the caller passes the instance, so importing this module
costs nothing. ``set_sandbox_mode(True)`` copies ``urls['test']`` over ``urls['api']``;
if it is used at all, call it BEFORE :func:`point_ccxt_at`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

_URL_KEYS = ("api", "test", "demo", "apiBackup", "apiBackupTest")


def _rewrite(value: Any, http_base: str, ws_base: str) -> Any:
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in ("https", "http"):
            return http_base + parts.path + (("?" + parts.query) if parts.query else "")
        if parts.scheme in ("wss", "ws"):
            return ws_base + parts.path + (("?" + parts.query) if parts.query else "")
        return value
    if isinstance(value, dict):
        return {k: _rewrite(v, http_base, ws_base) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, http_base, ws_base) for v in value]
    return value


def point_ccxt_at(exchange: Any, base_url: str) -> Any:
    """Rewrite scheme+host of every URL under ``exchange.urls`` (api, test, demo, backups)
    to ``base_url`` (``http://127.0.0.1:PORT``), keeping paths. Returns the exchange."""
    parts = urlsplit(base_url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected http://host:port, got {base_url!r}")
    http_base = f"{parts.scheme}://{parts.netloc}"
    ws_base = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    urls = exchange.urls
    for key in _URL_KEYS:
        if key in urls and urls[key] is not None:
            urls[key] = _rewrite(urls[key], http_base, ws_base)
    return exchange


def paper_ccxt_config(
    api_key: str | None = None, secret: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Constructor config for ``ccxt.binance`` against the paper exchange: spot-only
    markets and no key-only side calls (currencies, margin: the paper exchange has no /sapi)."""
    cfg: dict[str, Any] = {
        "enableRateLimit": True,
        "options": {
            "defaultType": "spot",
            "fetchMarkets": {"types": ["spot"]},
            "fetchCurrencies": False,
            "fetchMargins": False,
            "adjustForTimeDifference": False,
            "fetchOpenOrders": {"warnWithoutSymbol": False},
            "warnOnFetchOpenOrdersWithoutSymbol": False,
        },
    }
    if api_key is not None:
        cfg["apiKey"] = api_key
    if secret is not None:
        cfg["secret"] = secret
    for k, v in extra.items():
        if k == "options" and isinstance(v, dict):
            cfg["options"].update(v)
        else:
            cfg[k] = v
    return cfg


def paper_futures_ccxt_config(
    api_key: str | None = None, secret: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Constructor config for ``ccxt.binanceusdm`` (or ``ccxt.binance`` with
    ``defaultType`` 'future') against the paper exchange's USDⓈ-M futures: linear
    markets only and no key-only side calls."""
    cfg = paper_ccxt_config(api_key, secret, **extra)
    cfg["options"].update({"defaultType": "future", "fetchMarkets": {"types": ["linear"]}})
    for k, v in extra.items():
        if k == "options" and isinstance(v, dict):
            cfg["options"].update(v)
    return cfg


def point_futures_ccxt_at(exchange: Any, base_url: str) -> Any:
    """:func:`point_ccxt_at` for a USDⓈ-M futures client. ccxt picks its per-market error
    tables by the request's host (``fapi.binance.com`` means the linear table); on
    loopback no host matches, so the linear table is laid over the common one here, as
    ccxt would do for the real host: -2019 then raises InsufficientFunds, -2022
    InvalidOrder, and so on."""
    point_ccxt_at(exchange, base_url)
    linear = exchange.exceptions.get("linear") or {}
    for kind in ("exact", "broad"):
        merged = dict(exchange.exceptions.get(kind) or {})
        merged.update(linear.get(kind) or {})
        exchange.exceptions[kind] = merged
    return exchange
