"""HMAC-SHA256 request signing as Binance checks it (raw query/body, timestamp window)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

from .errors import (
    AHEAD_OF_SERVER,
    BAD_KEY,
    BAD_SIGNATURE,
    KEY_FORMAT,
    OUTSIDE_RECV_WINDOW,
    ApiError,
    missing_param,
)

MAX_RECV_WINDOW = 60_000
DEFAULT_RECV_WINDOW = 5_000


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def split_signature(raw: str) -> tuple[str, str | None]:
    """Raw string without its ``signature=`` parameter, and the signature."""
    if raw.startswith("signature="):
        rest = raw.split("&", 1)
        return (rest[1] if len(rest) > 1 else ""), rest[0][len("signature=") :]
    i = raw.rfind("&signature=")
    if i < 0:
        return raw, None
    j = raw.find("&", i + 1)
    sig = raw[i + len("&signature=") : j if j >= 0 else None]
    return raw[:i] + (raw[j:] if j >= 0 else ""), sig


class Authenticator:
    """Known API keys and the checks every signed endpoint runs."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = dict(keys)

    def account_for_key(self, api_key: str | None) -> str:
        if not api_key:
            raise ApiError(-2014, KEY_FORMAT, status=401)
        if api_key not in self.keys:
            raise ApiError(-2015, BAD_KEY, status=401)
        return api_key

    def verify(
        self,
        api_key: str | None,
        raw_query: str,
        raw_body: str,
        params: dict[str, str],
        now_ms: int,
    ) -> str:
        """Check key, signature and timestamp; return the account id (the API key)."""
        account = self.account_for_key(api_key)
        secret = self.keys[account]
        q, sig_q = split_signature(raw_query)
        b, sig_b = split_signature(raw_body)
        sig = sig_q or sig_b
        if not sig:
            raise missing_param("signature")
        payload = q + b if q and b else (q or b)
        if not hmac.compare_digest(sign(secret, payload), sig.lower()):
            raise ApiError(-1022, BAD_SIGNATURE)
        self.check_time(params, now_ms)
        return account

    @staticmethod
    def check_time(params: dict[str, str], now_ms: int) -> None:
        ts = params.get("timestamp")
        if not ts:
            raise missing_param("timestamp")
        try:
            t = int(ts)
            window = int(params.get("recvWindow") or DEFAULT_RECV_WINDOW)
        except ValueError:
            raise ApiError(
                -1100,
                "Illegal characters found in parameter 'timestamp'; legal "
                "range is '^[0-9]{1,20}$'.",
            ) from None
        if window > MAX_RECV_WINDOW:
            raise ApiError(-1131, "recvWindow must be less than 60000")
        if t > now_ms + 1000:
            raise ApiError(-1021, AHEAD_OF_SERVER)
        if now_ms - t > window:
            raise ApiError(-1021, OUTSIDE_RECV_WINDOW)

    def verify_ws_params(self, params: dict[str, object], now_ms: int) -> str:
        """WS API signature: HMAC over the key-sorted ``k=v&...`` of all other params."""
        api_key = params.get("apiKey")
        account = self.account_for_key(api_key if isinstance(api_key, str) else None)
        sig = params.get("signature")
        if not isinstance(sig, str):
            raise missing_param("signature")
        rest = {k: str(v) for k, v in params.items() if k != "signature"}
        payload = "&".join(f"{k}={v}" for k, v in sorted(rest.items()))  # ccxt rawencode
        if not hmac.compare_digest(sign(self.keys[account], payload), sig.lower()):
            raise ApiError(-1022, BAD_SIGNATURE)
        self.check_time(rest, now_ms)
        return account


def parse_params(raw: str) -> dict[str, str]:
    return dict(parse_qsl(raw, keep_blank_values=True))
