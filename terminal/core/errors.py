"""Error kinds the core understands, raised by adapters after classifying venue errors.

The exchange adapter classifies ccxt's exceptions once, by class, into these; the core
never sees ccxt. What each kind means for the caller:

* TransientError: the request did not get through (network, 5xx on a read, exchange
  unavailable). Idempotent reads may be retried; orders never are.
* ClockOutOfSyncError: a transient error whose cure is re-measuring the venue clock.
* RateLimitedError: the venue (or our own budget) says slow down; `retry_after` seconds.
* OrderRejectedError: the venue said no to an order (funds, precision, symbol, ...);
  show `reason` to the user. Nothing happened at the venue.
* OrderNotFoundError: the venue does not know that order (cancel or query).
* AuthenticationError: keys missing, wrong or without permission: stop, ask for keys.
* OutcomeUnknownError: a create or cancel may or may not have happened (timeout, 5xx,
  network error after sending). The order service marks the order UNKNOWN and settles it
  by query, stream or reconciliation, never by sending again.
* VenueUnavailableError: refused locally before any network call (circuit breaker open,
  venue paused after 429/418, order-rate budget used up).
* VenuePayloadError: the venue answered, but with an order or fill that cannot be right
  (a negative or non-finite number, more filled than ordered, an unknown status). Not
  used as an answer: a read failed; a write's outcome is unknown and is settled by query.
  Also a ValueError, so code that skips unreadable updates skips these too.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorKind(str, Enum):
    TRANSIENT = "transient"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    AUTHENTICATION = "authentication"
    UNKNOWN_OUTCOME = "unknown_outcome"
    UNAVAILABLE = "unavailable"
    BAD_PAYLOAD = "bad_payload"
    INTERNAL = "internal"


class VenueError(Exception):
    kind: ErrorKind = ErrorKind.INTERNAL

    def __init__(self, message: str, *, venue: str | None = None, cause_name: str | None = None):
        super().__init__(message)
        self.venue = venue
        self.cause_name = cause_name  # e.g. the ccxt exception class name, for logs/UI

    @property
    def reason(self) -> str:
        return str(self)


class TransientError(VenueError):
    kind = ErrorKind.TRANSIENT


class ClockOutOfSyncError(TransientError):
    """The venue refused a read's timestamp (Binance -1021): nothing happened; the clock
    difference must be measured again before a retry can pass."""


class RateLimitedError(VenueError):
    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class OrderRejectedError(VenueError):
    kind = ErrorKind.REJECTED


class OrderNotFoundError(VenueError):
    kind = ErrorKind.NOT_FOUND


class AuthenticationError(VenueError):
    kind = ErrorKind.AUTHENTICATION


class OutcomeUnknownError(VenueError):
    kind = ErrorKind.UNKNOWN_OUTCOME


class VenueUnavailableError(VenueError):
    kind = ErrorKind.UNAVAILABLE


class VenuePayloadError(VenueError, ValueError):
    kind = ErrorKind.BAD_PAYLOAD
