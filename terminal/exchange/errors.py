"""The one place where ccxt exceptions become the core's error kinds.

Classified by ccxt exception CLASS (never by message text), and by what was being done:
a read that failed can be retried, while a create/cancel/edit that failed on the way
(timeout, network, 5xx) may or may not have happened at the venue, so it is reported as
an unknown outcome for the order service to settle by query, never by resending.

Mind ccxt's hierarchy (ccxt/base/errors.py): RequestTimeout, DDoSProtection,
RateLimitExceeded, ExchangeNotAvailable, InvalidNonce and ChecksumError are all
NetworkError subclasses; OrderNotFound, OrderImmediatelyFillable and DuplicateOrderId
are InvalidOrder subclasses; PermissionDenied and AccountSuspended are
AuthenticationError subclasses. The order of the checks below follows from that.

Every message is scrubbed of secrets before it leaves this module: the session's own
credential values, plus anything that looks like a key, signature or token (the ccxt
message often contains the full request URL with its `signature=` parameter). Messages
a user may read start with what happened in plain words; ccxt's class and text follow
in parentheses, never alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import ccxt.async_support as ccxt

from terminal.core.errors import (
    AuthenticationError,
    ClockOutOfSyncError,
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TransientError,
    VenueError,
)
from terminal.logsetup import redact

MAX_TEXT = 400

# What each kind of failure means, in the words a user reads first.
UNREACHABLE = "the venue could not be reached or did not answer in time"
UNKNOWN = (
    "the venue gave no clear answer, so whether it acted is unknown; the order "
    "is checked by query, never sent again"
)
SLOW_DOWN = "the venue asks to slow down (rate limit)"
KEY_REFUSED = (
    "the venue refused the API key (wrong key, missing permission, or a key of another environment)"
)
VENUE_ERROR = "the venue answered with an error"
UNREADABLE = "the venue's answer could not be read"


def explained(what: str, detail: str) -> str:
    return f"{what} ({detail})"


class Op(str, Enum):
    """What the failed call was doing."""

    READ = "read"  # idempotent: market data, balances, queries
    WRITE = "write"  # create / cancel / edit: may have happened at the venue


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without any of `secrets` and without credential-looking values, shortened."""
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    out = redact(out)
    if len(out) > MAX_TEXT:
        out = out[:MAX_TEXT] + "..."
    return out


def venue_reason(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """The venue's own words for a rejection: the `msg` of a JSON error body when ccxt
    put one in the message (Binance style), else the scrubbed message itself."""
    text = str(exc)
    start = text.find("{")
    if start >= 0:
        try:
            body = json.loads(text[start:])
        except ValueError:
            body = None
        if isinstance(body, Mapping):
            msg = body.get("msg") or body.get("message") or body.get("error")
            code = body.get("code")
            if msg:
                return scrub(f"{msg} (code {code})" if code is not None else str(msg), secrets)
    return scrub(text, secrets)


def retry_after_from_headers(headers: Mapping[str, Any] | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header (case-insensitive), else `default`."""
    if headers:
        for name, value in headers.items():
            if str(name).lower() == "retry-after":
                try:
                    return max(0.0, float(str(value).strip()))
                except ValueError:
                    break
    return default


# Classes whose meaning is "the venue said no to this order; nothing happened".
_REJECTED = (
    ccxt.InsufficientFunds,
    ccxt.InvalidOrder,
    ccxt.BadSymbol,
    ccxt.BadRequest,
    ccxt.ArgumentsRequired,
    ccxt.OperationRejected,
    ccxt.NotSupported,
    ccxt.InvalidAddress,
)


def is_clock_refusal(exc: BaseException) -> bool:
    """The venue refused the request's timestamp (ccxt InvalidNonce, Binance -1021)."""
    return isinstance(exc, ccxt.InvalidNonce) and not isinstance(exc, ccxt.ChecksumError)


def classify(
    exc: BaseException,
    *,
    op: Op,
    venue: str | None = None,
    exchange: Any = None,
    secrets: Iterable[str] = (),
) -> VenueError:
    """Map any exception raised by a ccxt call to the core's VenueError kinds.

    `exchange` (the ccxt instance) supplies `last_response_headers` for Retry-After.
    Never call this with asyncio.CancelledError: cancellation is not an error.
    """
    if isinstance(exc, asyncio.CancelledError):  # pragma: no cover - a caller bug
        raise exc
    secrets = tuple(s for s in secrets if s)
    name = type(exc).__name__
    text = scrub(f"{name}: {exc}", secrets)
    kw = {"venue": venue, "cause_name": name}
    write = op is Op.WRITE

    # --- the venue said slow down (NetworkError subclasses: check before NetworkError)
    if isinstance(exc, (ccxt.DDoSProtection, ccxt.RateLimitExceeded)):
        headers = getattr(exchange, "last_response_headers", None) if exchange else None
        return RateLimitedError(
            explained(SLOW_DOWN, text), retry_after=retry_after_from_headers(headers), **kw
        )
    # --- the venue refused the request's timestamp: not executed; clock needs a resync
    if isinstance(exc, ccxt.InvalidNonce) and not isinstance(exc, ccxt.ChecksumError):
        if write:
            return OrderRejectedError(
                "the venue refused the request time (clock out of sync): "
                + venue_reason(exc, secrets),
                **kw,
            )
        return ClockOutOfSyncError(
            explained("the venue refused the request time (clock out of sync)", text), **kw
        )
    # --- did not get through, or no answer: retry reads, settle writes by query
    if isinstance(exc, ccxt.NetworkError):  # RequestTimeout, ExchangeNotAvailable, ...
        return _no_answer(write, text, kw)
    if isinstance(exc, ccxt.OperationFailed):  # BadResponse, NullResponse, CancelPending
        return _no_answer(write, text, kw, UNREADABLE)
    # --- keys
    if isinstance(exc, ccxt.AuthenticationError):  # PermissionDenied, AccountSuspended
        return AuthenticationError(explained(KEY_REFUSED, text), **kw)
    # --- the order is not known (an InvalidOrder subclass: check before rejections)
    if isinstance(exc, (ccxt.OrderNotFound, ccxt.OrderNotCached)):
        return OrderNotFoundError(venue_reason(exc, secrets), **kw)
    if isinstance(exc, _REJECTED):
        return OrderRejectedError(venue_reason(exc, secrets), **kw)
    if isinstance(exc, ccxt.ExchangeError):
        # A plain ExchangeError is an error reply the table did not name (the venue
        # answered, so nothing was executed), unless ccxt wrapped a transport failure
        # (aiohttp.ClientError mid-response) in it: then the outcome is unknown.
        cause = exc.__cause__
        if (cause is not None and isinstance(cause, (OSError, asyncio.TimeoutError))) or (
            cause is not None and type(cause).__module__.startswith("aiohttp")
        ):
            return _no_answer(write, text, kw)
        return (
            OrderRejectedError(venue_reason(exc, secrets), **kw)
            if write
            else VenueError(explained(VENUE_ERROR, text), **kw)
        )
    # --- not ccxt: our own timeouts and the socket layer
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError, OSError)):
        return _no_answer(write, text, kw)
    if isinstance(exc, VenueError):
        return exc
    # Anything else is a bug or an unparsable reply. For a write the request may have
    # reached the venue, so the only safe answer is "unknown".
    return (
        OutcomeUnknownError(explained(UNKNOWN, text), **kw)
        if write
        else VenueError(explained(UNREADABLE, text), **kw)
    )


def _no_answer(write: bool, text: str, kw: dict[str, Any], what: str = UNREACHABLE) -> VenueError:
    """No usable answer: a read may be retried, a write's outcome is unknown."""
    if write:
        return OutcomeUnknownError(explained(UNKNOWN, text), **kw)
    return TransientError(explained(what, text), **kw)
